"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from domain.instants import is_utc

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC instants; always returns timezone-aware UTC datetimes.

    PostgreSQL keeps ``timestamptz`` (the exclusion constraint works on ``tstzrange``).
    SQLite keeps integer microseconds since the epoch: exact, ordered like time in the window
    index and the overlap trigger, and far cheaper to read back than ISO text (the slot search
    reads thousands of them per request).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        # Loud on purpose: the domain normalises every instant to UTC at its boundary, so a
        # local (or naive) time here is a bug upstream that would store a wrong wall time.
        if not is_utc(value):
            raise ValueError(f"a UTC instant is required, got {value.isoformat()} ({value.tzinfo})")
        if dialect.name == "sqlite":
            delta = value - _EPOCH
            return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            seconds, micros = divmod(int(value), 1_000_000)
            stored = datetime.fromtimestamp(seconds, UTC)
            return stored.replace(microsecond=micros) if micros else stored
        instant: datetime = value
        return instant if instant.tzinfo is UTC else instant.astimezone(UTC)

    def process_literal_param(self, value: datetime | None, dialect: Dialect) -> str:
        return repr(self.process_bind_param(value, dialect))
