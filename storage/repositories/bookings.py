"""Bookings, their service items and their audit trail.

Reads that feed the availability engine use Core selects (tuples, not ORM objects): they may
return thousands of rows and must stay fast. The overlap window is bounded on both sides of the
indexed ``(staff_id, block_start)`` so its cost does not grow with the size of the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    bindparam,
    func,
    insert,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability import MAX_VISIT_SPAN
from domain.errors import BookingChanged, InvalidInput, SlotTaken
from domain.model import (
    ACTIVE_STATUSES,
    Actor,
    ActorKind,
    Booking,
    BookingEvent,
    BookingEventName,
    BookingItem,
    BookingSource,
    BookingStatus,
)

from ..tables import BookingEventRow, BookingItemRow, BookingRow

# Service id and capacity in the summary of a visit that is not a group class.
_PLAIN = (0, 1)

# No booking's buffered span is longer than this; it bounds the window scan from below. The
# slot engine never offers a longer visit (one rule, in the domain).
MAX_BLOCK_SPAN = MAX_VISIT_SPAN

_ACTIVE = [s.value for s in ACTIVE_STATUSES]
_b = BookingRow.__table__.c  # type: ignore[attr-defined]
_i = BookingItemRow.__table__.c  # type: ignore[attr-defined]
_e = BookingEventRow.__table__.c  # type: ignore[attr-defined]

_BOOKING_COLUMNS = (
    _b.id,
    _b.business_id,
    _b.staff_id,
    _b.client_id,
    _b.start_at,
    _b.status,
    _b.source,
    _b.notes,
    _b.idempotency_key,
    _b.created_at,
    _b.attendance_confirmed_at,
    _b.reason,
    _b.is_test,
    _b.version,
)
_ITEM_COLUMNS = (
    _i.booking_id,
    _i.service_id,
    _i.name,
    _i.duration_minutes,
    _i.price_minor,
    _i.buffer_before_minutes,
    _i.buffer_after_minutes,
    _i.capacity,
)


def _minutes_between_sql(dialect: str) -> Any:
    """SQL for the whole minutes from one instant column to another, per backend."""
    if dialect == "sqlite":  # integer microseconds (storage.types.UTCDateTime)
        return lambda a, b: func.cast(
            (type_coerce(b, BigInteger) - type_coerce(a, BigInteger)) / 60_000_000, Integer
        )
    return lambda a, b: func.cast(func.extract("epoch", b - a) / 60, Integer)


_BUSY_QUERIES: dict[str, Any] = {}


def _busy_query(dialect: str) -> Any:
    """``busy_between``'s statement for a dialect, built once per process with bound parameters:
    constructing and cache-keying it on every availability read cost more than running it."""
    query = _BUSY_QUERIES.get(dialect)
    if query is None:
        minutes = _minutes_between_sql(dialect)
        query = select(
            _b.id,
            _b.business_id,
            _b.staff_id,
            _b.client_id,
            _b.start_at,
            minutes(_b.start_at, _b.end_at),
            minutes(_b.block_start, _b.start_at),
            minutes(_b.end_at, _b.block_end),
            _b.status,
            _b.group_key,
        ).where(
            _b.staff_id.in_(bindparam("staff_ids", expanding=True)),
            _b.block_start < bindparam("end", type_=_b.block_start.type),
            _b.block_start > bindparam("oldest", type_=_b.block_start.type),
            _b.block_end > bindparam("start", type_=_b.block_end.type),
            _b.status.in_(_ACTIVE),
        )
        _BUSY_QUERIES[dialect] = query
    return query


_LOCK_STAFF = text(
    "SELECT pg_advisory_xact_lock(:ns, ordered.id) FROM "
    "(SELECT unnest(CAST(:ids AS integer[])) AS id ORDER BY 1) AS ordered"
)


def _is_overlap_violation(error: IntegrityError) -> bool:
    message = str(error.orig)
    return "booking_overlap" in message or "exclusion" in message.lower() or "23P01" in message


def _booking_values(booking: Booking) -> dict[str, Any]:
    return {
        "business_id": booking.business_id,
        "staff_id": booking.staff_id,
        "client_id": booking.client_id,
        "start_at": booking.start,
        "end_at": booking.end,
        "block_start": booking.block_start,
        "block_end": booking.block_end,
        "status": booking.status.value,
        "source": booking.source.value,
        "notes": booking.notes,
        "idempotency_key": booking.idempotency_key,
        "group_key": booking.group_key,
        "reason": booking.reason,
        "attendance_confirmed_at": booking.attendance_confirmed_at,
        "is_test": booking.is_test,
    }


class SqlBookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # How many events of each booking are already stored: save() inserts only the rest.
        self._stored_events: dict[int, int] = {}

    async def add(self, booking: Booking) -> Booking:
        if not booking.items:
            raise InvalidInput("services", "a booking needs at least one service")
        if booking.block_end - booking.block_start > MAX_BLOCK_SPAN:
            raise InvalidInput("services", "a visit cannot last more than 24 hours")
        values = _booking_values(booking)
        values["created_at"] = booking.created_at or datetime.now(UTC)
        values["version"] = booking.version
        try:
            # No savepoint: a refused insert ends the use case, whose unit of work rolls back.
            result = await self._session.execute(
                insert(BookingRow).values(**values).returning(_b.id)
            )
            booking.id = int(result.scalar_one())
        except IntegrityError as error:
            if _is_overlap_violation(error):
                raise SlotTaken() from None
            raise
        await self._session.execute(
            insert(BookingItemRow),
            [
                {
                    "booking_id": booking.id,
                    "position": n,
                    "service_id": item.service_id,
                    "name": item.name,
                    "duration_minutes": item.duration_minutes,
                    "price_minor": item.price_minor,
                    "buffer_before_minutes": item.buffer_before_minutes,
                    "buffer_after_minutes": item.buffer_after_minutes,
                    "capacity": item.capacity,
                }
                for n, item in enumerate(booking.items)
            ],
        )
        self._stored_events[booking.id] = 0
        await self._insert_new_events(booking)
        return booking

    async def save(self, booking: Booking) -> None:
        """Write a changed booking and bump its version: the one place bookings change.

        Only over the version that was read (compare-and-set): a writer that read the booking
        before another one committed a change gets :class:`BookingChanged`, not a lost update.
        """
        assert booking.id is not None
        values = _booking_values(booking)
        values["version"] = booking.version + 1
        try:
            result = await self._session.execute(
                update(BookingRow)
                .where(_b.id == booking.id, _b.version == booking.version)
                .values(**values)
            )
        except IntegrityError as error:
            if _is_overlap_violation(error):
                raise SlotTaken() from None
            raise
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise BookingChanged(booking.id, booking.version)
        booking.version += 1
        await self._insert_new_events(booking)

    async def _insert_new_events(self, booking: Booking) -> None:
        assert booking.id is not None
        stored = self._stored_events.get(booking.id)
        if stored is None:
            stored = await self._count_events(booking.id)
        new = booking.events[stored:]
        if new:
            await self._session.execute(
                insert(BookingEventRow),
                [
                    {
                        "booking_id": booking.id,
                        "at": e.at,
                        "actor_kind": e.actor.kind.value,
                        "actor_id": e.actor.id,
                        "action": e.action,
                        "from_status": e.from_status.value if e.from_status else None,
                        "to_status": e.to_status.value if e.to_status else None,
                        "note": e.note,
                    }
                    for e in new
                ],
            )
        self._stored_events[booking.id] = len(booking.events)

    async def _count_events(self, booking_id: int) -> int:
        result = await self._session.execute(
            select(func.count()).select_from(BookingEventRow).where(_e.booking_id == booking_id)
        )
        return int(result.scalar_one())

    async def get(self, booking_id: int) -> Booking | None:
        found = await self._load(_b.id == booking_id)
        if not found:
            return None
        await self.with_history(found)
        return found[0]

    async def with_history(self, bookings: Sequence[Booking]) -> list[Booking]:
        ids = [b.id for b in bookings if b.id is not None]
        events: dict[int, list[BookingEvent]] = {i: [] for i in ids}
        if ids:
            rows = await self._session.execute(
                select(
                    _e.booking_id,
                    _e.at,
                    _e.actor_kind,
                    _e.actor_id,
                    _e.action,
                    _e.from_status,
                    _e.to_status,
                    _e.note,
                )
                .where(_e.booking_id.in_(ids))
                .order_by(_e.booking_id, _e.id)
            )
            for booking_id, at, kind, actor_id, action, fs, ts, note in rows:
                events[booking_id].append(
                    BookingEvent(
                        at=at,
                        actor=Actor(ActorKind(kind), actor_id),
                        action=BookingEventName(action),
                        from_status=BookingStatus(fs) if fs else None,
                        to_status=BookingStatus(ts) if ts else None,
                        note=note,
                    )
                )
        for booking in bookings:
            if booking.id is not None:
                booking.events = events[booking.id]
                self._stored_events[booking.id] = len(booking.events)
        return list(bookings)

    async def get_by_idempotency_key(self, business_id: int, key: str) -> Booking | None:
        found = await self._load(_b.business_id == business_id, _b.idempotency_key == key)
        return await self.get(found[0].id) if found and found[0].id is not None else None

    async def lock_staff(self, staff_ids: Sequence[int]) -> None:
        """PostgreSQL: transaction-scoped advisory locks, in id order so two writers never
        deadlock. SQLite: nothing to do, the write transaction began IMMEDIATE."""
        if self._session.get_bind().dialect.name != "postgresql" or not staff_ids:
            return
        # One statement for all of them (a booking for "anyone" locks every professional): the
        # ordered subquery takes the locks one by one in id order.
        await self._session.execute(_LOCK_STAFF, {"ns": 7001, "ids": sorted(set(staff_ids))})

    async def busy_between(
        self, staff_ids: Sequence[int], start: datetime, end: datetime
    ) -> list[Booking]:
        """The availability engine's read: one light query over the indexed window, each visit
        summed up from its stored spans (see ``domain.model.summarize``); only group classes
        need their service, read in a second, small query.

        Durations come back as whole minutes computed by the database: converting three more
        instants per row in Python cost more than the query itself.
        """
        if not staff_ids:
            return []
        query = _busy_query(self._session.get_bind().dialect.name)
        params = {"staff_ids": list(staff_ids), "start": start, "end": end}
        params["oldest"] = start - MAX_BLOCK_SPAN
        rows = (await self._session.execute(query, params)).all()
        groups: dict[int, tuple[int, int]] = {}
        group_ids = [r[0] for r in rows if r[9] is not None]
        if group_ids:
            for booking_id, service_id, capacity in await self._session.execute(
                select(_i.booking_id, _i.service_id, _i.capacity).where(
                    _i.booking_id.in_(group_ids), _i.position == 0
                )
            ):
                groups[booking_id] = (service_id, capacity)
        statuses = {s.value: s for s in ACTIVE_STATUSES}
        busy = []
        for bid, business_id, staff_id, client_id, begin, length, *spans, status, group in rows:
            service_id, capacity = groups.get(bid, _PLAIN) if group is not None else _PLAIN
            item = BookingItem(
                service_id, "", int(length), 0, int(spans[0]), int(spans[1]), capacity
            )
            busy.append(
                Booking(
                    id=bid,
                    business_id=business_id,
                    staff_id=staff_id,
                    client_id=client_id,
                    start=begin,
                    status=statuses[status],
                    items=[item],
                )
            )
        return busy

    async def for_client(
        self, client_id: int, *, upcoming_after: datetime | None = None, limit: int = 20
    ) -> list[Booking]:
        if upcoming_after is not None:
            return await self._load(
                _b.client_id == client_id,
                _b.start_at >= upcoming_after,
                _b.status.in_(_ACTIVE),
                order=(_b.start_at,),
                limit=limit,
            )
        return await self._load(_b.client_id == client_id, order=(_b.start_at.desc(),), limit=limit)

    async def for_business_between(
        self, business_id: int, start: datetime, end: datetime
    ) -> list[Booking]:
        return await self._load(
            _b.business_id == business_id, _b.start_at >= start, _b.start_at < end
        )

    async def pending_for_business(self, business_id: int) -> list[Booking]:
        return await self._load(
            _b.business_id == business_id, _b.status == BookingStatus.PENDING.value
        )

    async def _load(
        self, *where: Any, order: tuple[Any, ...] | None = None, limit: int | None = None
    ) -> list[Booking]:
        """Bookings matching ``where`` with their items, in two queries, without events."""
        query = select(*_BOOKING_COLUMNS).where(*where).order_by(*(order or (_b.start_at,)))
        if limit is not None:
            query = query.limit(limit)
        rows = (await self._session.execute(query)).all()
        if not rows:
            return []
        ids = [r[0] for r in rows]
        items: dict[int, list[BookingItem]] = {i: [] for i in ids}
        item_rows = await self._session.execute(
            select(*_ITEM_COLUMNS)
            .join(BookingRow, _b.id == _i.booking_id)
            .where(*where)
            .order_by(_i.booking_id, _i.position)
            if limit is None
            else select(*_ITEM_COLUMNS)
            .where(_i.booking_id.in_(ids))
            .order_by(_i.booking_id, _i.position)
        )
        for bid, sid, name, dur, price, bb, ba, cap in item_rows:
            items[bid].append(BookingItem(sid, name, dur, price, bb, ba, cap))
        return [
            Booking(
                id=bid,
                business_id=business_id,
                staff_id=staff_id,
                client_id=client_id,
                items=items[bid],
                start=start,
                status=BookingStatus(status),
                source=BookingSource(source),
                notes=notes,
                idempotency_key=key,
                created_at=created,
                attendance_confirmed_at=attended,
                reason=reason,
                is_test=is_test,
                version=version,
            )
            for (
                bid,
                business_id,
                staff_id,
                client_id,
                start,
                status,
                source,
                notes,
                key,
                created,
                attended,
                reason,
                is_test,
                version,
            ) in rows
        ]
