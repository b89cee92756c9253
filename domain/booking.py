"""Booking use cases: verbs that load through the unit of work, decide, write and commit once.

Every writing use case runs inside ``async with uow:``, appends a :class:`BookingEvent` to the
booking (its history), retires and re-plans the booking's time-driven outbox actions
(:func:`_reschedule_actions`), schedules a notification when someone must hear about it, and calls
``await uow.commit()`` exactly once. Errors are raised before anything is committed, so a refused
action leaves no trace.

Checking a time and taking it happen under ``uow.bookings.lock_staff(...)`` with the bookings
re-read afterwards (a bounded window around the start, never the whole table): two clients racing
for one slot are serialized and the second gets :class:`SlotTaken` with the nearest free starts.
The storage layer's overlap constraint is a second line of defence.

Who may do what:

* provider actions (confirm, decline, cancel_by_provider, complete, mark_no_show, reschedule with
  ``by_client=False``) take the ``business_id`` the provider acts for and refuse a booking of
  another business with :class:`NotAllowed`;
* client actions (cancel_by_client, reschedule with ``by_client=True``, confirm_attendance) take
  the ``client_id`` and refuse another client's booking with :class:`NotAllowed`. Cancelling and
  rescheduling are allowed until ``start - cancellation_window_minutes`` inclusive; later the
  client gets :class:`OutsideCancellationWindow` carrying the business phone to call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from . import actions
from .availability import (
    ScheduleSnapshot,
    Slot,
    SlotQuery,
    Visit,
    booking_window,
    consider_future_booking_limit,
    hours_window,
    nearest_slots,
    owner_days,
    pick_staff,
    resolve_visit,
    slot_starting,
)
from .availability import available_days as _available_days
from .availability import find_slots as _find_slots
from .errors import (
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    OutsideCancellationWindow,
    SlotNotOffered,
    SlotTaken,
    TooEarly,
)
from .instants import as_utc
from .model import (
    Actor,
    Booking,
    BookingEvent,
    BookingItem,
    BookingSource,
    BookingStatus,
    Business,
    ConfirmationMode,
    Service,
    StaffMember,
)
from .ports import UnitOfWork
from .states import RESCHEDULABLE, check_transition

# Event names in a booking's history (past tense: they happened).
CREATED = "created"
CONFIRMED = "confirmed"
DECLINED = "declined"
EXPIRED = "expired"
CANCELLED = "cancelled"
COMPLETED = "completed"
NO_SHOW = "no_show"
RESCHEDULED = "rescheduled"
ATTENDANCE_CONFIRMED = "attendance_confirmed"


# --------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------


async def find_slots(
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    service_ids: Sequence[int],
    staff_id: int | None,
    first_day: date,
    last_day: date,
    ignore_notice: bool = False,
    exclude_booking_id: int | None = None,
) -> list[Slot]:
    """Bookable starts between two local dates (inclusive), with who is free at each."""
    query = SlotQuery(
        tuple(service_ids), first_day, last_day, now, staff_id, ignore_notice, exclude_booking_id
    )
    async with uow:
        loaded = await load_for_search(uow, business_id, query)
    return [] if loaded is None else _find_slots(*loaded)


async def available_days(
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    service_ids: Sequence[int],
    staff_id: int | None,
    first_day: date,
    last_day: date,
) -> set[date]:
    """Local dates with at least one slot (a month calendar), in one pass."""
    query = SlotQuery(tuple(service_ids), first_day, last_day, now, staff_id)
    async with uow:
        loaded = await load_for_search(uow, business_id, query)
    return set() if loaded is None else _available_days(*loaded)


async def load_for_search(
    uow: UnitOfWork, business_id: int, query: SlotQuery
) -> tuple[ScheduleSnapshot, SlotQuery] | None:
    """What a search needs, read in bounded queries, and the query clipped to the horizon.

    None when nothing can be offered (no one performs the services, or the dates are all
    beyond the horizon).
    """
    business = await _business(uow, business_id)
    services = await _services(uow, business_id, query.service_ids)
    visit = resolve_visit(services, query.service_ids)
    staff = await _staff_for(uow, business_id, query.service_ids, query.staff_id)
    # Clip to the horizon before reading: a far-future month costs no query at all.
    days = consider_future_booking_limit(business, query.now, query.first_day, query.last_day)
    if not days or not staff:
        return None
    snapshot = await _snapshot(uow, business, staff, services, visit, days[0], days[-1])
    return snapshot, replace(query, first_day=days[0], last_day=days[-1])


# --------------------------------------------------------------------------------------------
# Booking
# --------------------------------------------------------------------------------------------


async def book(
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    client_id: int,
    service_ids: Sequence[int],
    staff_id: int | None,
    start: datetime,
    source: BookingSource,
    idempotency_key: str | None,
    actor: Actor,
    notes: str = "",
    on_behalf_of_provider: bool = False,
) -> Booking:
    """Book ``service_ids`` back to back at ``start`` (UTC) with ``staff_id`` or anyone free.

    Idempotent: a second call with the same ``idempotency_key`` for the business returns the
    first booking and writes nothing. ``on_behalf_of_provider`` (walk-ins, bookings typed by the
    provider) skips the minimum notice and manual confirmation; every other rule holds.

    Raises :class:`SlotTaken` (with the nearest free starts that day) when the time is busy,
    :class:`SlotNotOffered` when it was never bookable, :class:`InvalidInput`/:class:`NotFound`
    for unknown services, staff or client.
    """
    start = as_utc(start, "start")
    async with uow:
        existing = await _same_request(uow, business_id, idempotency_key, client_id)
        if existing is not None:
            return existing
        business = await _business(uow, business_id)
        client = await uow.clients.get(client_id)
        if client is None or client.business_id != business_id:
            raise NotFound("client", client_id)
        services = await _services(uow, business_id, service_ids)
        visit = resolve_visit(services, service_ids)
        staff = await _staff_for(uow, business_id, service_ids, staff_id)
        if not staff:
            raise SlotNotOffered()

        await uow.bookings.lock_staff(sorted(_ids(staff)))
        # Again under the lock: the same request may have committed while we waited for it
        # (a redelivered update racing its original); the caller gets that booking back.
        existing = await _same_request(uow, business_id, idempotency_key, client_id)
        if existing is not None:
            return existing
        first_day, day = owner_days(business, start)
        snapshot = await _snapshot(uow, business, staff, services, visit, first_day, day)
        query = SlotQuery(
            service_ids=tuple(service_ids),
            first_day=first_day,
            last_day=day,
            now=now,
            staff_id=staff_id,
            ignore_notice=on_behalf_of_provider,
        )
        slot = _require_slot(snapshot, query, start)
        chosen = staff_id if staff_id is not None else pick_staff(snapshot, slot)

        manual = business.policies.confirmation_mode is ConfirmationMode.MANUAL
        status = (
            BookingStatus.PENDING
            if manual and not on_behalf_of_provider
            else BookingStatus.CONFIRMED
        )
        booking = Booking(
            business_id=business_id,
            staff_id=chosen,
            client_id=client_id,
            items=[BookingItem.of(s) for s in _in_order(services, service_ids)],
            start=start,
            status=status,
            source=source,
            notes=notes,
            idempotency_key=idempotency_key,
            created_at=now,
            is_test=client.is_test,
        )
        booking.events.append(BookingEvent(now, actor, CREATED, None, status))
        booking = await uow.bookings.add(booking)
        await _reschedule_actions(uow, booking, now, business=business)
        if on_behalf_of_provider:
            await _notify(uow, booking, now, actions.NOTIFY_CLIENT_STATUS, CREATED)
        else:
            await _notify(uow, booking, now, actions.NOTIFY_PROVIDER_NEW, status.value)
        await uow.commit()
        return booking


async def _same_request(
    uow: UnitOfWork, business_id: int, idempotency_key: str | None, client_id: int
) -> Booking | None:
    """The booking an earlier call with this idempotency key made, if any."""
    if not idempotency_key:
        return None
    existing = await uow.bookings.get_by_idempotency_key(business_id, idempotency_key)
    if existing is not None and existing.client_id != client_id:
        raise InvalidInput("idempotency_key", "already used")
    return existing


def _require_slot(snapshot: ScheduleSnapshot, query: SlotQuery, start: datetime) -> Slot:
    """The slot at ``start``, or the right refusal with the day's nearest free starts."""
    day_slots = _find_slots(snapshot, query)
    slot = slot_starting(snapshot, day_slots, start)
    if slot is not None:
        return slot
    alternatives = nearest_slots(day_slots, start)
    # Was it a slot at all? Ask again as if nobody had booked anything.
    free_world = replace(snapshot, bookings=())
    if any(s.start == start for s in _find_slots(free_world, query)):
        raise SlotTaken(alternatives)
    raise SlotNotOffered(alternatives)


# --------------------------------------------------------------------------------------------
# Provider decisions
# --------------------------------------------------------------------------------------------


async def confirm(
    uow: UnitOfWork, *, now: datetime, business_id: int, booking_id: int, actor: Actor
) -> Booking:
    """Accept a pending request (manual confirmation)."""
    return await _provider_transition(
        uow, now, business_id, booking_id, actor, BookingStatus.CONFIRMED, CONFIRMED
    )


async def decline(
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    booking_id: int,
    actor: Actor,
    reason: str = "",
) -> Booking:
    """Refuse a pending request; the time is free again."""
    return await _provider_transition(
        uow, now, business_id, booking_id, actor, BookingStatus.DECLINED, DECLINED, reason
    )


async def cancel_by_provider(
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    booking_id: int,
    actor: Actor,
    reason: str = "",
) -> Booking:
    """The provider cancels (any time: they call the client if it is late)."""
    return await _provider_transition(
        uow, now, business_id, booking_id, actor, BookingStatus.CANCELLED, CANCELLED, reason
    )


async def complete(
    uow: UnitOfWork, *, now: datetime, business_id: int, booking_id: int, actor: Actor
) -> Booking:
    """The client came. Only from the start on (:class:`TooEarly` before)."""
    return await _provider_transition(
        uow,
        now,
        business_id,
        booking_id,
        actor,
        BookingStatus.COMPLETED,
        COMPLETED,
        not_before_start=True,
    )


async def mark_no_show(
    uow: UnitOfWork, *, now: datetime, business_id: int, booking_id: int, actor: Actor
) -> Booking:
    """The client did not come. Only from the start on (:class:`TooEarly` before)."""
    return await _provider_transition(
        uow,
        now,
        business_id,
        booking_id,
        actor,
        BookingStatus.NO_SHOW,
        NO_SHOW,
        not_before_start=True,
    )


async def _provider_transition(
    uow: UnitOfWork,
    now: datetime,
    business_id: int,
    booking_id: int,
    actor: Actor,
    target: BookingStatus,
    action: str,
    reason: str = "",
    *,
    not_before_start: bool = False,
) -> Booking:
    async with uow:
        booking = await _booking(uow, booking_id)
        _check_business(booking, business_id)
        check_transition(booking.status, target)
        if not_before_start and now < booking.start:
            raise TooEarly(booking.start)
        business = await _business(uow, booking.business_id)
        await apply_provider_decision(
            uow,
            booking,
            business,
            now=now,
            actor=actor,
            target=target,
            action=action,
            reason=reason,
        )
        await uow.commit()
        return booking


async def apply_provider_decision(
    uow: UnitOfWork,
    booking: Booking,
    business: Business,
    *,
    now: datetime,
    actor: Actor,
    target: BookingStatus,
    action: str,
    reason: str = "",
) -> None:
    """Move a booking to ``target`` inside the caller's transaction: history, stored status,
    re-planned due actions and the client's notice. Shared by the single-booking verbs above and
    by bulk provider actions (deactivating a service cancels its future bookings)."""
    _transition(booking, target, now=now, actor=actor, action=action, note=reason)
    if reason:
        booking.reason = reason
    await uow.bookings.save(booking)
    await _reschedule_actions(uow, booking, now, business=business)
    if target in (BookingStatus.CONFIRMED, BookingStatus.DECLINED, BookingStatus.CANCELLED):
        await _notify(uow, booking, now, actions.NOTIFY_CLIENT_STATUS, action)


# --------------------------------------------------------------------------------------------
# Client actions
# --------------------------------------------------------------------------------------------


async def cancel_by_client(
    uow: UnitOfWork, *, now: datetime, booking_id: int, client_id: int, reason: str = ""
) -> Booking:
    """The client cancels their own booking or request, within the cancellation window."""
    async with uow:
        booking = await _booking(uow, booking_id)
        _check_owner(booking, client_id)
        check_transition(booking.status, BookingStatus.CANCELLED)
        business = await _business(uow, booking.business_id)
        _check_window(business, booking, now)
        _transition(
            booking,
            BookingStatus.CANCELLED,
            now=now,
            actor=Actor.client(client_id),
            action=CANCELLED,
            note=reason,
        )
        if reason:
            booking.reason = reason
        await uow.bookings.save(booking)
        await _reschedule_actions(uow, booking, now, business=business)
        await _notify(uow, booking, now, actions.NOTIFY_PROVIDER_CHANGE, CANCELLED)
        await uow.commit()
        return booking


async def confirm_attendance(
    uow: UnitOfWork, *, now: datetime, booking_id: int, client_id: int
) -> Booking:
    """The client answers the attendance request: "I'll be there".

    Records ``attendance_confirmed_at`` on an active booking (a pending request stays pending:
    only the provider confirms requests). Pressing the button twice records it once.
    """
    async with uow:
        booking = await _booking(uow, booking_id)
        _check_owner(booking, client_id)
        if not booking.status.is_active:
            raise InvalidTransition(booking.status.value, ATTENDANCE_CONFIRMED)
        if booking.attendance_confirmed_at is not None:
            return booking
        business = await _business(uow, booking.business_id)
        booking.attendance_confirmed_at = now
        booking.events.append(
            BookingEvent(
                now, Actor.client(client_id), ATTENDANCE_CONFIRMED, booking.status, booking.status
            )
        )
        await uow.bookings.save(booking)
        await _reschedule_actions(uow, booking, now, business=business)
        await _notify(uow, booking, now, actions.NOTIFY_PROVIDER_CHANGE, ATTENDANCE_CONFIRMED)
        await uow.commit()
        return booking


# --------------------------------------------------------------------------------------------
# Reschedule
# --------------------------------------------------------------------------------------------


async def reschedule(
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    booking_id: int,
    new_start: datetime,
    actor: Actor,
    new_staff_id: int | None = None,
    by_client: bool = False,
    client_id: int | None = None,
) -> Booking:
    """Move an active booking to ``new_start`` (UTC), optionally to another member, atomically.

    The booking keeps its services as booked (durations and buffers of the items), its status
    and its id; the old time is free once this commits. The new time is checked with the
    booking itself excluded, under the lock of both the old and the new member. A client
    (``by_client``, with ``client_id``) must own the booking, is bound by the cancellation window
    of the *old* start and by the minimum notice for the new one; the provider is bound by
    neither. History gets a ``rescheduled`` event whose note names the old start.
    """
    new_start = as_utc(new_start, "new_start")
    async with uow:
        booking = await _booking(uow, booking_id)
        _check_business(booking, business_id)
        if by_client:
            if client_id is None:
                raise InvalidInput("client_id", "required when the client reschedules")
            _check_owner(booking, client_id)
        if booking.status not in RESCHEDULABLE:
            raise InvalidTransition(booking.status.value, RESCHEDULED)
        business = await _business(uow, business_id)
        if by_client:
            _check_window(business, booking, now)
        target_id = new_staff_id if new_staff_id is not None else booking.staff_id
        target = await uow.staff.get(target_id)
        if target is None or target.business_id != business_id:
            raise NotFound("staff", target_id)
        assert booking.id is not None
        # The visit as booked: today's service settings may differ from what was sold.
        services = [_service_of(booking, item) for item in booking.items]
        visit = resolve_visit(services, booking.service_ids)

        await uow.bookings.lock_staff(sorted({booking.staff_id, target_id}))
        first_day, day = owner_days(business, new_start)
        snapshot = await _snapshot(uow, business, [target], services, visit, first_day, day)
        query = SlotQuery(
            service_ids=booking.service_ids,
            first_day=first_day,
            last_day=day,
            now=now,
            staff_id=target_id,
            ignore_notice=not by_client,
            exclude_booking_id=booking.id,
        )
        _require_slot(snapshot, query, new_start)

        old_start, old_staff = booking.start, booking.staff_id
        note = f"from {old_start.isoformat()}"
        if old_staff != target_id:
            note += f" staff {old_staff}"
        booking.start = new_start
        booking.staff_id = target_id
        booking.events.append(
            BookingEvent(now, actor, RESCHEDULED, booking.status, booking.status, note)
        )
        await uow.bookings.save(booking)
        await _reschedule_actions(uow, booking, now, business=business)
        kind = actions.NOTIFY_PROVIDER_CHANGE if by_client else actions.NOTIFY_CLIENT_STATUS
        await _notify(uow, booking, now, kind, RESCHEDULED)
        await uow.commit()
        return booking


def _service_of(booking: Booking, item: BookingItem) -> Service:
    return Service(
        business_id=booking.business_id,
        name=item.name,
        duration_minutes=item.duration_minutes,
        price_minor=item.price_minor,
        buffer_before_minutes=item.buffer_before_minutes,
        buffer_after_minutes=item.buffer_after_minutes,
        capacity=item.capacity,
        id=item.service_id,
    )


# --------------------------------------------------------------------------------------------
# System
# --------------------------------------------------------------------------------------------


async def expire_request(uow: UnitOfWork, *, now: datetime, booking_id: int) -> Booking | None:
    """Expire a request the provider left unanswered, if it still is one and its time has come.

    Called by the scheduler when an ``expire_request`` action is due. Returns None and writes
    nothing when there is nothing to do (the booking is gone, no longer pending, or its expiry,
    :func:`domain.actions.request_expires_at`, is still ahead, e.g. after a reschedule): a late
    or duplicate action is harmless.
    """
    async with uow:
        booking = await uow.bookings.get(booking_id)
        if booking is None or booking.status is not BookingStatus.PENDING:
            return None
        business = await _business(uow, booking.business_id)
        deadline = actions.request_expires_at(booking, business.policies)
        if deadline is None or now < deadline:
            return None
        _transition(booking, BookingStatus.EXPIRED, now=now, actor=Actor.system(), action=EXPIRED)
        await uow.bookings.save(booking)
        await _reschedule_actions(uow, booking, now, business=business)
        await _notify(uow, booking, now, actions.NOTIFY_CLIENT_STATUS, EXPIRED)
        await uow.commit()
        return booking


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


async def _reschedule_actions(
    uow: UnitOfWork, booking: Booking, now: datetime, *, business: Business
) -> None:
    """Retire the booking's pending time-driven actions and plan them again from its state."""
    assert booking.id is not None
    await uow.outbox.retire_for_booking(booking.id, actions.TIMED_KINDS)
    for planned in actions.planned_actions(booking, business.policies, now):
        await uow.outbox.schedule(
            kind=planned.kind,
            business_id=booking.business_id,
            booking_id=booking.id,
            due_at=planned.due_at,
            payload=planned.payload,
        )


async def _notify(
    uow: UnitOfWork, booking: Booking, now: datetime, kind: str, payload: str
) -> None:
    await uow.outbox.schedule(
        kind=kind,
        business_id=booking.business_id,
        booking_id=booking.id,
        due_at=now,
        payload=payload,
    )


def _transition(
    booking: Booking,
    target: BookingStatus,
    *,
    now: datetime,
    actor: Actor,
    action: str,
    note: str = "",
) -> None:
    check_transition(booking.status, target)
    booking.events.append(BookingEvent(now, actor, action, booking.status, target, note))
    booking.status = target


def _check_business(booking: Booking, business_id: int) -> None:
    if booking.business_id != business_id:
        raise NotAllowed("booking of another business")


def _check_owner(booking: Booking, client_id: int) -> None:
    if booking.client_id != client_id:
        raise NotAllowed("booking of another client")


def _check_window(business: Business, booking: Booking, now: datetime) -> None:
    """Clients may change a booking until ``start - cancellation_window`` (inclusive)."""
    deadline = booking.start - timedelta(
        minutes=max(0, business.policies.cancellation_window_minutes)
    )
    if now > deadline:
        raise OutsideCancellationWindow(contact=business.phone, deadline=deadline)


def _ids(staff: Sequence[StaffMember]) -> list[int]:
    return [m.id for m in staff if m.id is not None]


def _in_order(services: Sequence[Service], service_ids: Sequence[int]) -> list[Service]:
    by_id = {s.id: s for s in services}
    return [by_id[sid] for sid in service_ids]


async def _business(uow: UnitOfWork, business_id: int) -> Business:
    business = await uow.businesses.get(business_id)
    if business is None:
        raise NotFound("business", business_id)
    return business


async def _booking(uow: UnitOfWork, booking_id: int) -> Booking:
    booking = await uow.bookings.get(booking_id)
    if booking is None:
        raise NotFound("booking", booking_id)
    return booking


async def _services(uow: UnitOfWork, business_id: int, service_ids: Sequence[int]) -> list[Service]:
    if not service_ids:
        raise InvalidInput("service_ids", "choose at least one service")
    out: list[Service] = []
    for sid in dict.fromkeys(service_ids):
        service = await uow.services.get(sid)
        if service is None or service.business_id != business_id or not service.active:
            raise InvalidInput("service_ids", f"unknown service {sid}")
        out.append(service)
    return out


async def _staff_for(
    uow: UnitOfWork, business_id: int, service_ids: Sequence[int], staff_id: int | None
) -> list[StaffMember]:
    """The one member asked for, or every active member who performs all the services."""
    wanted = tuple(service_ids)
    if staff_id is not None:
        member = await uow.staff.get(staff_id)
        if member is None or member.business_id != business_id:
            raise NotFound("staff", staff_id)
        if not member.active or not member.performs(wanted):
            raise InvalidInput("staff_id", "does not perform these services")
        return [member]
    members = await uow.staff.list_for_business(business_id)
    return [m for m in members if m.active and m.performs(wanted)]


async def _snapshot(
    uow: UnitOfWork,
    business: Business,
    staff: Sequence[StaffMember],
    services: Sequence[Service],
    visit: Visit,
    first_day: date,
    last_day: date,
) -> ScheduleSnapshot:
    """Load what the engine needs for these local dates: bounded reads only."""
    assert business.id is not None
    start, end = booking_window(business, first_day, last_day, visit)
    exceptions = await uow.schedule.exceptions_between(
        business.id, *hours_window(first_day, last_day)
    )
    time_off = await uow.schedule.time_off_between(business.id, start, end)
    bookings = await uow.bookings.busy_between(_ids(staff), start, end)
    return ScheduleSnapshot(
        business=business,
        staff=list(staff),
        services=list(services),
        exceptions=exceptions,
        time_off=time_off,
        bookings=bookings,
    )
