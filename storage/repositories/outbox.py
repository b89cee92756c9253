"""The durable outbox of due actions, written in the booking's own transaction.

Use cases ``schedule`` and ``retire_for_booking`` inside their unit of work. The scheduler's
pollers ``claim_due`` rows and mark them, each call in a short transaction of its own:

* claiming is one ``UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)
  RETURNING``: on PostgreSQL concurrent pollers skip each other's rows instead of waiting; on
  SQLite the unit of work's ``BEGIN IMMEDIATE`` already makes the statement exclusive (the
  ``FOR UPDATE`` clause is not rendered there);
* a claim sets ``status='running'``, a lease (``locked_until``) and ``attempts + 1``; a row
  whose lease ran out (its poller crashed) is due again;
* every mark is fenced by ``attempts``: a poller that lost its lease cannot mark a row another
  poller has taken since.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ports import OutboxItem

from ..tables import OutboxRow

_o = OutboxRow.__table__.c  # type: ignore[attr-defined]

PENDING = "pending"
RUNNING = "running"
DONE = "done"
RETIRED = "retired"
DROPPED = "dropped"  # no longer meaningful, or nobody to tell
FAILED = "failed"  # gave up after too many attempts


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        kind=row.kind,
        business_id=row.business_id,
        booking_id=row.booking_id,
        due_at=row.due_at,
        payload=row.payload,
        attempts=row.attempts,
        sent_to=frozenset(line for line in (row.sent_to or "").splitlines() if line),
    )


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

    # ------------------------------------------------------------------ claims

    async def claim_due(
        self, now: datetime, *, limit: int, lease_seconds: float
    ) -> list[OutboxItem]:
        due = (
            select(_o.id)
            .where(
                or_(
                    and_(_o.status == PENDING, _o.due_at <= now),
                    and_(_o.status == RUNNING, _o.locked_until <= now),
                )
            )
            .order_by(_o.due_at, _o.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self._session.execute(
            update(OutboxRow)
            .where(_o.id.in_(due.scalar_subquery()))
            .values(
                status=RUNNING,
                locked_until=now + timedelta(seconds=lease_seconds),
                attempts=_o.attempts + 1,
            )
            .returning(*_o)
        )
        items = [_item(row) for row in result]
        items.sort(key=lambda i: (i.due_at, i.id))
        return items

    def _fenced(self, item: OutboxItem) -> Any:
        return update(OutboxRow).where(
            _o.id == item.id, _o.status == RUNNING, _o.attempts == item.attempts
        )

    async def _run(self, query: Any) -> bool:
        result = await self._session.execute(query)
        return bool(getattr(result, "rowcount", 0))

    async def mark_done(self, item: OutboxItem, now: datetime) -> bool:
        return await self._run(
            self._fenced(item).values(status=DONE, locked_until=None, finished_at=now)
        )

    async def mark_retry(self, item: OutboxItem, due_at: datetime, error: str) -> bool:
        return await self._run(
            self._fenced(item).values(
                status=PENDING, due_at=due_at, locked_until=None, last_error=error[:500]
            )
        )

    async def mark_dropped(self, item: OutboxItem, now: datetime, reason: str) -> bool:
        return await self._run(
            self._fenced(item).values(
                status=DROPPED, locked_until=None, finished_at=now, last_error=reason[:500]
            )
        )

    async def mark_failed(self, item: OutboxItem, now: datetime, error: str) -> bool:
        return await self._run(
            self._fenced(item).values(
                status=FAILED, locked_until=None, finished_at=now, last_error=error[:500]
            )
        )

    async def mark_sent_to(self, item: OutboxItem, recipient: str, now: datetime) -> bool:
        return await self._run(self._fenced(item).values(sent_to=_o.sent_to + f"{recipient}\n"))
