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
  poller has taken since;
* ``load_context`` reads what a set of claimed rows needs (bookings with items but no events,
  businesses, clients, staff names, provider links) in a few ``IN`` queries, instead of several
  queries per action.

Statements are Core (on the table, not the ORM class): no identity-map synchronisation, which
used to cost more CPU than the database round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, insert, literal, null, or_, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.model import Client
from domain.ports import DeliveryContext, OutboxItem

from ..tables import BookingRow, BusinessRow, ClientRow, OutboxRow, ProviderLinkRow, StaffRow
from .bookings import SqlBookingRepository
from .businesses import to_domain as business_to_domain
from .clients import _FIELDS as CLIENT_FIELDS
from .links import _link

_outbox = OutboxRow.__table__  # type: ignore[attr-defined]
_o = _outbox.c
_b = BookingRow.__table__.c  # type: ignore[attr-defined]
_c = ClientRow.__table__.c  # type: ignore[attr-defined]
_s = StaffRow.__table__.c  # type: ignore[attr-defined]

PENDING = "pending"
RUNNING = "running"
DONE = "done"
RETIRED = "retired"
DROPPED = "dropped"  # no longer meaningful, or nobody to tell
FAILED = "failed"  # gave up after too many attempts


_SENT_MANY_PG = text(
    """
    UPDATE outbox AS o SET
        sent_to = o.sent_to || v.recipient,
        status = CASE WHEN v.done THEN :done_status ELSE o.status END,
        locked_until = CASE WHEN v.done THEN NULL ELSE o.locked_until END,
        finished_at = CASE WHEN v.done THEN CAST(:now AS TIMESTAMPTZ) ELSE o.finished_at END
    FROM unnest(
        CAST(:ids AS INTEGER[]), CAST(:attempts AS INTEGER[]),
        CAST(:recipients AS TEXT[]), CAST(:done AS BOOLEAN[])
    ) AS v(id, attempts, recipient, done)
    WHERE o.id = v.id AND o.attempts = v.attempts AND o.status = :running
    RETURNING o.id
    """
).bindparams(done_status=DONE, running=RUNNING)


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
        query = update(_outbox).where(_o.booking_id == booking_id, _o.status == PENDING)
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
            update(_outbox)
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
        return update(_outbox).where(
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

    async def mark_sent_many(
        self, marks: Sequence[tuple[OutboxItem, str, bool]], now: datetime
    ) -> set[int]:
        """Record one recipient per action as told (finishing the ``done`` ones), in one statement.

        Returns the ids whose mark was accepted (the fence held)."""
        if not marks:
            return set()
        if self._session.get_bind().dialect.name == "postgresql":
            return await self._mark_sent_many_pg(marks, now)
        recipients = {item.id: f"{recipient}\n" for item, recipient, _ in marks}
        values: dict[str, Any] = {"sent_to": _o.sent_to + case(recipients, value=_o.id, else_="")}
        done = [item.id for item, _, finished in marks if finished]
        if done:  # the actions whose last recipient this is are finished in the same write
            is_done = _o.id.in_(done)
            values["status"] = case((is_done, DONE), else_=_o.status)
            values["locked_until"] = case((is_done, null()), else_=_o.locked_until)
            values["finished_at"] = case(
                (is_done, literal(now, _o.finished_at.type)), else_=_o.finished_at
            )
        query = (
            update(_outbox)
            .where(
                _o.id.in_(list(recipients)),  # the primary key finds the rows; then the fence
                tuple_(_o.id, _o.attempts).in_([(item.id, item.attempts) for item, _, _ in marks]),
                _o.status == RUNNING,
            )
            .values(**values)
            .returning(_o.id)
        )
        result = await self._session.execute(query)
        return {int(row[0]) for row in result}

    async def _mark_sent_many_pg(
        self, marks: Sequence[tuple[OutboxItem, str, bool]], now: datetime
    ) -> set[int]:
        # The same write with the rows as arrays: one statement text whatever the group size,
        # so SQLAlchemy compiles it once and PostgreSQL plans it once.
        result = await self._session.execute(
            _SENT_MANY_PG,
            {
                "ids": [item.id for item, _, _ in marks],
                "attempts": [item.attempts for item, _, _ in marks],
                "recipients": [f"{recipient}\n" for _, recipient, _ in marks],
                "done": [done for _, _, done in marks],
                "now": now,
            },
        )
        return {int(row[0]) for row in result}

    # ------------------------------------------------------------------ delivery context

    async def load_context(self, items: Sequence[OutboxItem]) -> DeliveryContext:
        context = DeliveryContext()
        booking_ids = sorted({i.booking_id for i in items if i.booking_id is not None})
        if booking_ids:
            # Bookings with their items, without events (two queries, whatever their number).
            found = await SqlBookingRepository(self._session)._load(_b.id.in_(booking_ids))
            context.bookings = {b.id: b for b in found if b.id is not None}
        bookings = context.bookings.values()
        business_ids = sorted({b.business_id for b in bookings} | {i.business_id for i in items})
        client_ids = sorted({b.client_id for b in bookings})
        staff_ids = sorted({b.staff_id for b in bookings})
        if business_ids:
            businesses = await self._session.execute(
                select(BusinessRow).where(col(BusinessRow.id).in_(business_ids))
            )
            for row in businesses.scalars():
                context.businesses[row.id or 0] = business_to_domain(row)
            links = await self._session.execute(
                select(ProviderLinkRow)
                .where(col(ProviderLinkRow.business_id).in_(business_ids))
                .order_by(col(ProviderLinkRow.id))
            )
            for link in links.scalars():
                context.links.setdefault(link.business_id, []).append(_link(link))
        if client_ids:
            clients = await self._session.execute(
                select(_c.id, *(_c[f] for f in CLIENT_FIELDS)).where(_c.id.in_(client_ids))
            )
            context.clients = {
                r[0]: Client(id=r[0], **dict(zip(CLIENT_FIELDS, r[1:], strict=True)))
                for r in clients
            }
        if staff_ids:
            staff = await self._session.execute(select(_s.id, _s.name).where(_s.id.in_(staff_ids)))
            context.staff_names = {int(sid): str(name) for sid, name in staff}
        return context
