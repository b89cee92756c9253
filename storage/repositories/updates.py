"""Telegram updates already taken (de-duplication when there is no Redis)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..tables import ProcessedUpdateRow

_u = ProcessedUpdateRow.__table__.c  # type: ignore[attr-defined]


class SqlProcessedUpdateRepository:
    """Implements ``domain.ports.ProcessedUpdateRepository`` on the ``processed_updates`` table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, bot_id: int, update_id: int, *, now: datetime, ttl_seconds: int) -> bool:
        # A record older than the TTL no longer counts: update ids may come round again.
        await self._session.execute(
            delete(ProcessedUpdateRow).where(
                and_(
                    _u.bot_id == bot_id,
                    _u.update_id == update_id,
                    _u.seen_at < now - timedelta(seconds=ttl_seconds),
                )
            )
        )
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(ProcessedUpdateRow).values(
                        bot_id=bot_id, update_id=update_id, seen_at=now
                    )
                )
        except IntegrityError:
            return False
        return True

    async def release(self, bot_id: int, update_id: int) -> None:
        await self._session.execute(
            delete(ProcessedUpdateRow).where(and_(_u.bot_id == bot_id, _u.update_id == update_id))
        )

    async def purge_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(delete(ProcessedUpdateRow).where(_u.seen_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
