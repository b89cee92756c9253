"""Which database errors mean "the database is unreachable" (retry later), not a bug.

Connection-level only: refused, reset or dropped connections, a server starting up or shutting
down ("the database system is starting up" is asyncpg's ``CannotConnectNowError``), too many
connections, a pool timeout, SQLite unable to open its file. A constraint violation or a bad
query is a bug or a refusal, never an outage. SQLAlchemy wraps asyncpg's errors in its generic
``DBAPIError`` (``.orig``, with the asyncpg error as ``__cause__``), so the driver's own
exception is looked at too; :func:`app.outage.is_outage` walks the whole chain.
"""

from __future__ import annotations

from asyncpg import exceptions as pg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

_DRIVER_OUTAGES: tuple[type[BaseException], ...] = (
    pg.PostgresConnectionError,  # ConnectionDoesNotExist, ConnectionFailure, ...
    pg.OperatorInterventionError,  # CannotConnectNow ("starting up"), AdminShutdown, ...
    pg.InsufficientResourcesError,  # TooManyConnections
    pg.InterfaceError,  # the connection is closed / was lost mid-operation
)


def is_database_outage(error: BaseException) -> bool:
    """This one error (not its causes) says the database cannot be reached right now."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    if isinstance(error, DBAPIError) and bool(error.connection_invalidated):
        return True
    return isinstance(error, _DRIVER_OUTAGES)
