"""The durable outbox of due actions, written in the booking's own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..tables import OutboxRow

_o = OutboxRow.__table__.c  # type: ignore[attr-defined]

PENDING = "pending"
RETIRED = "retired"


class SqlOutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def schedule(
        self,
        *,
        kind: str,
        business_id: int,
        booking_id: int | None,
        due_at: datetime,
        payload: str = "",
    ) -> None:
        await self._session.execute(
            insert(OutboxRow).values(
                kind=kind,
                business_id=business_id,
                booking_id=booking_id,
                due_at=due_at,
                status=PENDING,
                payload=payload,
                created_at=datetime.now(UTC),
            )
        )

    async def retire_for_booking(self, booking_id: int, kinds: Sequence[str] | None = None) -> int:
        query = update(OutboxRow).where(_o.booking_id == booking_id, _o.status == PENDING)
        if kinds is not None:
            query = query.where(_o.kind.in_(list(kinds)))
        result = await self._session.execute(query.values(status=RETIRED))
        return int(getattr(result, "rowcount", 0) or 0)
