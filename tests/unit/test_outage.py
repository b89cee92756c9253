"""One classification of outages for the webhook (503), the bot's error handlers and the panel.

The errors are the libraries' own classes, chained the way the libraries chain them.
"""

from __future__ import annotations

from asyncpg import exceptions as pg
from redis import exceptions as redis_errors
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.outage import is_outage
from domain.errors import SlotTaken


def _raised_while(outer: BaseException, inner: BaseException) -> BaseException:
    """``outer`` raised while ``inner`` was propagating (Python sets ``__context__``)."""
    try:
        try:
            raise inner
        except BaseException:
            raise outer  # noqa: B904 - the implicit __context__ is the point
    except BaseException as caught:
        return caught


def _wrapped_by_sqlalchemy(driver_error: Exception) -> DBAPIError:
    """How SQLAlchemy's asyncpg dialect surfaces a driver error: a generic DBAPIError whose
    ``.orig`` is the dialect's adapted error, caused by asyncpg's own."""
    adapted = Exception(str(driver_error))
    adapted.__cause__ = driver_error
    return DBAPIError("SELECT 1", None, adapted)


def test_postgres_starting_up_is_an_outage() -> None:
    error = _wrapped_by_sqlalchemy(pg.CannotConnectNowError("the database system is starting up"))
    assert is_outage(error)


def test_dropped_and_exhausted_postgres_connections_are_outages() -> None:
    for driver_error in (
        pg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        pg.TooManyConnectionsError("sorry, too many clients already"),
        pg.InterfaceError("connection is closed"),
        pg.AdminShutdownError("terminating connection due to administrator command"),
    ):
        assert is_outage(_wrapped_by_sqlalchemy(driver_error)), driver_error
        assert is_outage(driver_error), driver_error  # raised bare, outside SQLAlchemy
    assert is_outage(PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached"))
    assert is_outage(ConnectionRefusedError(111, "Connection refused"))
    assert is_outage(ConnectionResetError(104, "Connection reset by peer"))


def test_every_redis_failure_is_an_outage() -> None:
    for error in (
        redis_errors.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
        redis_errors.TimeoutError("Timeout reading from socket"),
        redis_errors.BusyLoadingError("Redis is loading the dataset in memory"),
        redis_errors.LockNotOwnedError(  # type: ignore[no-untyped-call]
            "Cannot release a lock that's no longer owned"
        ),
        redis_errors.ReadOnlyError("You can't write against a read only replica."),
    ):
        assert is_outage(error), error


def test_lock_release_failing_during_a_redis_outage_is_still_an_outage() -> None:
    # aiogram's per-chat lock is released in a ``finally`` while the state write's
    # ConnectionError propagates: the user must not be told "something went wrong".
    error = _raised_while(
        redis_errors.LockNotOwnedError(  # type: ignore[no-untyped-call]
            "Cannot release a lock that's no longer owned"
        ),
        redis_errors.ConnectionError("Connection closed by server."),
    )
    assert is_outage(error)


def test_bugs_and_refusals_are_not_outages() -> None:
    assert not is_outage(ValueError("bad"))
    assert not is_outage(KeyError("x"))
    assert not is_outage(SlotTaken(alternatives=[]))
    unique = pg.UniqueViolationError("duplicate key value violates unique constraint")
    assert not is_outage(IntegrityError("INSERT ...", None, unique))
    assert not is_outage(redis_errors.ResponseError("WRONGTYPE Operation against a key"))
    assert not is_outage(FileNotFoundError(2, "No such file"))
