"""Telegram updates already taken (de-duplication when there is no Redis).

A mark is one row per (bot_id, update_id) whose ``seen_at`` says from when it counts: it lasts
``ttl_seconds`` from then. A claim under a lease stores a ``seen_at`` in the past so the mark
runs out ``lease_seconds`` from now (a process that dies mid-update does not swallow the
redelivery); :meth:`keep` moves it to now once the update took effect (the whole TTL).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..tables import ProcessedUpdateRow

_u = ProcessedUpdateRow.__table__.c  # type: ignore[attr-defined]


class SqlProcessedUpdateRepository:
    """Implements ``domain.ports.ProcessedUpdateRepository`` on the ``processed_updates`` table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(
        self,
        bot_id: int,
        update_id: int,
        *,
        now: datetime,
        ttl_seconds: int,
        lease_seconds: int | None = None,
    ) -> bool:
        ttl = timedelta(seconds=ttl_seconds)
        seen_at = now if lease_seconds is None else now - ttl + timedelta(seconds=lease_seconds)
        # One statement (no savepoint, no read first): insert the mark, or take over a mark
        # that ran out (update ids may come round again); a live mark returns no row.
        dialect = self._session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(ProcessedUpdateRow)
            .values(bot_id=bot_id, update_id=update_id, seen_at=seen_at)
            .on_conflict_do_update(
                index_elements=[_u.bot_id, _u.update_id],
                set_={"seen_at": seen_at},
                where=_u.seen_at < now - ttl,
            )
            .returning(_u.update_id)
        )
        result = await self._session.execute(statement)
        return result.first() is not None

    async def seen_at(self, bot_id: int, update_id: int) -> datetime | None:
        result = await self._session.execute(
            select(_u.seen_at).where(and_(_u.bot_id == bot_id, _u.update_id == update_id))
        )
        value = result.scalar_one_or_none()
        return value if isinstance(value, datetime) else None

    async def keep(self, bot_id: int, update_id: int, *, now: datetime) -> None:
        await self._session.execute(
            update(ProcessedUpdateRow)
            .where(and_(_u.bot_id == bot_id, _u.update_id == update_id))
            .values(seen_at=now)
        )

    async def release(self, bot_id: int, update_id: int) -> None:
        await self._session.execute(
            delete(ProcessedUpdateRow).where(and_(_u.bot_id == bot_id, _u.update_id == update_id))
        )

    async def purge_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(delete(ProcessedUpdateRow).where(_u.seen_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
