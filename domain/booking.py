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
  client gets :class:`OutsideCancellationWindow` carrying the business phone to call
  (:meth:`Booking.client_deadline` is that rule, :func:`client_change_refusal` its one check).

Every verb that changes an existing booking takes ``expected_version``: the version of the
booking the button or form was drawn for. If the booking changed since (another tap, the other
party, the scheduler), the verb raises :class:`BookingChanged` carrying the booking as it is now
and changes nothing. Storage bumps the version on every saved change and refuses a save over a
version it did not read, so two writers racing past the check cannot both win either.

Status changes are the booking's own methods over the one table in :mod:`domain.states`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from . import actions, noshow, search
from .availability import (
    ScheduleSnapshot,
    Slot,
    SlotQuery,
    nearest_slots,
    owner_days,
    pick_staff,
    resolve_visit,
    slot_starting,
)
from .availability import find_slots as _find_slots
from .errors import (
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    OutsideCancellationWindow,
    SlotNotOffered,
    SlotTaken,
)
from .instants import as_utc
from .model import (
    Actor,
    Booking,
    BookingItem,
    BookingSource,
    BookingStatus,
    Business,
    Client,
    ConfirmationMode,
    Service,
    StaffMember,
)
from .ports import UnitOfWork
from .states import BookingEventName

# Event names in a booking's history, kept as names here for callers of the first version.
CREATED = BookingEventName.CREATED
CONFIRMED = BookingEventName.CONFIRMED
DECLINED = BookingEventName.DECLINED
EXPIRED = BookingEventName.EXPIRED
CANCELLED = BookingEventName.CANCELLED
COMPLETED = BookingEventName.COMPLETED
NO_SHOW = BookingEventName.NO_SHOW
RESCHEDULED = BookingEventName.RESCHEDULED
ATTENDANCE_CONFIRMED = BookingEventName.ATTENDANCE_CONFIRMED


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
        business, services, staff = await _catalog(uow, business_id)
        return await search.free_slots(uow, business, services, staff, query, in_transaction=True)


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
        business, services, staff = await _catalog(uow, business_id)
        return await search.free_days(uow, business, services, staff, query, in_transaction=True)


async def load_for_search(
    uow: UnitOfWork, business_id: int, query: SlotQuery
) -> tuple[ScheduleSnapshot, SlotQuery] | None:
    """What a search needs (``uow`` entered), read in bounded queries, and the query clipped to
    the horizon; None when nothing can be offered. Uncached: for tools that run the engine
    themselves (the benchmark's naive baseline)."""
    business, services, staff = await _catalog(uow, business_id)
    return await search.load(uow, business, services, staff, query)


async def _catalog(
    uow: UnitOfWork, business_id: int
) -> tuple[Business, list[Service], list[StaffMember]]:
    """The business (its data version first: see ``domain.search``), its active services and
    staff."""
    business = await _business(uow, business_id)
    services, staff = await search.catalog(uow, business)
    return business, services, staff


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
        # The catalog kept under the business's data version (read just above, in this
        # transaction): no query while nobody edits services, staff or hours.
        active_services, active_staff = await search.catalog(uow, business)
        services = _services(active_services, business_id, service_ids)
        visit = resolve_visit(services, service_ids)
        staff = await _staff_for(uow, business_id, service_ids, staff_id, active_staff)
        if not staff:
            raise SlotNotOffered()

        await uow.bookings.lock_staff(sorted(_ids(staff)))
        # Again under the lock: the same request may have committed while we waited for it
        # (a redelivered update racing its original); the caller gets that booking back.
        existing = await _same_request(uow, business_id, idempotency_key, client_id)
        if existing is not None:
            return existing
        first_day, day = owner_days(business, start)
        snapshot = await search.read_snapshot(uow, business, staff, services, visit, first_day, day)
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
        if not manual and not on_behalf_of_provider:
            # A service that always needs approval, or a client held by the no-show policy.
            manual = any(s.needs_approval for s in services) or await _held_by_no_shows(
                uow, business, client, now
            )
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
        booking.created(now=now, actor=actor)
        booking = await uow.bookings.add(booking)
        await _reschedule_actions(uow, booking, now, business=business, new=True)
        if on_behalf_of_provider:
            await _notify(uow, booking, now, actions.NOTIFY_CLIENT_STATUS, CREATED)
        else:
            await _notify(uow, booking, now, actions.NOTIFY_PROVIDER_NEW, status.value)
        await uow.commit()
        return booking


async def _held_by_no_shows(
    uow: UnitOfWork, business: Business, client: Client, now: datetime
) -> bool:
    if business.policies.no_show_limit <= 0 or client.id is None:
        return False  # the policy is off: no read at all
    recent = await uow.bookings.for_client(client.id, limit=100)
    return noshow.needs_approval(business.policies, client, recent, now)


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
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    booking_id: int,
    actor: Actor,
    expected_version: int | None = None,
) -> Booking:
    """Accept a pending request (manual confirmation)."""
    return await _provider_decision(
        uow, now, business_id, booking_id, actor, CONFIRMED, expected_version=expected_version
    )


async def decline(
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    booking_id: int,
    actor: Actor,
    reason: str = "",
    expected_version: int | None = None,
) -> Booking:
    """Refuse a pending request; the time is free again."""
    return await _provider_decision(
        uow, now, business_id, booking_id, actor, DECLINED, reason, expected_version
    )


async def cancel_by_provider(
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    booking_id: int,
    actor: Actor,
    reason: str = "",
    expected_version: int | None = None,
) -> Booking:
    """The provider cancels (any time: they call the client if it is late)."""
    return await _provider_decision(
        uow, now, business_id, booking_id, actor, CANCELLED, reason, expected_version
    )


async def complete(
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    booking_id: int,
    actor: Actor,
    expected_version: int | None = None,
) -> Booking:
    """The client came. Only from the start on (:class:`TooEarly` before)."""
    return await _provider_decision(
        uow, now, business_id, booking_id, actor, COMPLETED, expected_version=expected_version
    )


async def mark_no_show(
    uow: UnitOfWork,
    *,
    now: datetime,
    business_id: int,
    booking_id: int,
    actor: Actor,
    expected_version: int | None = None,
) -> Booking:
    """The client did not come. Only from the start on (:class:`TooEarly` before)."""
    return await _provider_decision(
        uow, now, business_id, booking_id, actor, NO_SHOW, expected_version=expected_version
    )


async def _provider_decision(
    uow: UnitOfWork,
    now: datetime,
    business_id: int,
    booking_id: int,
    actor: Actor,
    event: BookingEventName,
    reason: str = "",
    expected_version: int | None = None,
) -> Booking:
    async with uow:
        booking = await _booking(uow, booking_id)
        _check_business(booking, business_id)
        booking.check_version(expected_version)
        business = await _business(uow, booking.business_id)
        await apply_provider_decision(
            uow, booking, business, now=now, actor=actor, action=event, reason=reason
        )
        await uow.commit()
        return booking


# The client hears of these decisions; completed / no-show are the provider's own bookkeeping.
_TOLD_TO_CLIENT = frozenset({CONFIRMED, DECLINED, CANCELLED})


async def apply_provider_decision(
    uow: UnitOfWork,
    booking: Booking,
    business: Business,
    *,
    now: datetime,
    actor: Actor,
    action: BookingEventName,
    reason: str = "",
    target: BookingStatus | None = None,
) -> None:
    """Let ``action`` happen to a booking inside the caller's transaction: history, stored
    status, re-planned due actions and the client's notice. Shared by the single-booking verbs
    above and by bulk provider actions (deactivating a service cancels its future bookings).
    ``target`` (optional) is only checked against what the transition table says."""
    _decide(booking, BookingEventName(action), now=now, actor=actor, reason=reason)
    assert target is None or booking.status is target, (booking.status, target)
    await uow.bookings.save(booking)
    await _reschedule_actions(uow, booking, now, business=business)
    if action in _TOLD_TO_CLIENT:
        await _notify(uow, booking, now, actions.NOTIFY_CLIENT_STATUS, action)


def _decide(
    booking: Booking, event: BookingEventName, *, now: datetime, actor: Actor, reason: str
) -> None:
    """The provider's decisions, by event name, as the booking's own methods."""
    if event is CONFIRMED:
        booking.confirm(now=now, actor=actor)
    elif event is DECLINED:
        booking.decline(now=now, actor=actor, reason=reason)
    elif event is CANCELLED:
        booking.cancel(now=now, actor=actor, reason=reason)
    elif event is COMPLETED:
        booking.complete(now=now, actor=actor)
    elif event is NO_SHOW:
        booking.mark_no_show(now=now, actor=actor)
    else:
        raise InvalidInput("action", f"not a provider decision: {event}")


# --------------------------------------------------------------------------------------------
# Client actions
# --------------------------------------------------------------------------------------------


async def erase_client(uow: UnitOfWork, *, now: datetime, client_id: int) -> int:
    """LGPD erasure: cancel the client's upcoming bookings (the provider is told, as for any
    cancellation, since nobody could reach an anonymous client), then erase their personal data.
    Past bookings stay, anonymous, for the provider's records. One transaction; returns how many
    bookings were cancelled. The cancellation window does not apply: the client is leaving."""
    async with uow:
        client = await uow.clients.get(client_id)
        if client is None:
            raise NotFound("client", client_id)
        upcoming = await uow.bookings.for_client(client_id, upcoming_after=now, limit=1000)
        cancelled = 0
        businesses: dict[int, Business] = {}
        for booking in upcoming:
            if not booking.status.is_active or booking.start <= now:
                continue
            if booking.business_id not in businesses:
                businesses[booking.business_id] = await _business(uow, booking.business_id)
            booking.cancel(now=now, actor=Actor.client(client_id))  # the client is leaving
            await uow.bookings.save(booking)
            business = businesses[booking.business_id]
            await _reschedule_actions(uow, booking, now, business=business)
            await _notify(uow, booking, now, actions.NOTIFY_PROVIDER_CHANGE, CANCELLED)
            cancelled += 1
        client.forget()
        client.locale = ""
        await uow.clients.update(client)
        await uow.commit()
        return cancelled


async def cancel_by_client(
    uow: UnitOfWork,
    *,
    now: datetime,
    booking_id: int,
    client_id: int,
    reason: str = "",
    expected_version: int | None = None,
) -> Booking:
    """The client cancels their own booking or request, within the cancellation window."""
    async with uow:
        booking = await _booking(uow, booking_id)
        _check_owner(booking, client_id)
        booking.check_version(expected_version)
        if not booking.can(CANCELLED):  # "already over" before "too late"
            raise InvalidTransition(booking.status.value, CANCELLED)
        business = await _business(uow, booking.business_id)
        _check_window(business, booking, now)
        booking.cancel(now=now, actor=Actor.client(client_id), reason=reason)
        await uow.bookings.save(booking)
        await _reschedule_actions(uow, booking, now, business=business)
        await _notify(uow, booking, now, actions.NOTIFY_PROVIDER_CHANGE, CANCELLED)
        await uow.commit()
        return booking


async def confirm_attendance(
    uow: UnitOfWork,
    *,
    now: datetime,
    booking_id: int,
    client_id: int,
    expected_version: int | None = None,
) -> Booking:
    """The client answers the attendance request: "I'll be there".

    Records ``attendance_confirmed_at`` on an active booking (a pending request stays pending:
    only the provider confirms requests). Pressing the button twice records it once.
    """
    async with uow:
        booking = await _booking(uow, booking_id)
        _check_owner(booking, client_id)
        booking.check_version(expected_version)
        if not booking.confirm_attendance(now=now, actor=Actor.client(client_id)):
            return booking
        business = await _business(uow, booking.business_id)
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
    expected_version: int | None = None,
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
        booking.check_version(expected_version)
        if not booking.can(RESCHEDULED):
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
        snapshot = await search.read_snapshot(
            uow, business, [target], services, visit, first_day, day
        )
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

        booking.move(now=now, actor=actor, start=new_start, staff_id=target_id)
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
        booking.expire(now=now)
        await uow.bookings.save(booking)
        await _reschedule_actions(uow, booking, now, business=business)
        await _notify(uow, booking, now, actions.NOTIFY_CLIENT_STATUS, EXPIRED)
        await uow.commit()
        return booking


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


async def _reschedule_actions(
    uow: UnitOfWork, booking: Booking, now: datetime, *, business: Business, new: bool = False
) -> None:
    """Retire the booking's pending time-driven actions and plan them again from its state
    (a ``new`` booking has none to retire: one statement less per booking)."""
    assert booking.id is not None
    if not new:
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


def _check_business(booking: Booking, business_id: int) -> None:
    if booking.business_id != business_id:
        raise NotAllowed("booking of another business")


def _check_owner(booking: Booking, client_id: int) -> None:
    if booking.client_id != client_id:
        raise NotAllowed("booking of another client")


def client_change_refusal(
    business: Business, booking: Booking, now: datetime
) -> OutsideCancellationWindow | None:
    """Why the client may no longer cancel or move this booking themselves, or None if they may
    (until :meth:`Booking.client_deadline`, inclusive). Entry points ask this before opening a
    flow so the client hears the deadline and the phone at once, not after choosing a time."""
    deadline = booking.client_deadline(business.policies)
    if now > deadline:
        return OutsideCancellationWindow(contact=business.phone, deadline=deadline)
    return None


def _check_window(business: Business, booking: Booking, now: datetime) -> None:
    refusal = client_change_refusal(business, booking, now)
    if refusal is not None:
        raise refusal


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


def _services(
    active: Sequence[Service], business_id: int, service_ids: Sequence[int]
) -> list[Service]:
    """The services asked for, in order, among the business's ``active`` ones."""
    if not service_ids:
        raise InvalidInput("service_ids", "choose at least one service")
    by_id = {s.id: s for s in active if s.business_id == business_id and s.active}
    out: list[Service] = []
    for sid in dict.fromkeys(service_ids):
        if sid not in by_id:
            raise InvalidInput("service_ids", f"unknown service {sid}")
        out.append(by_id[sid])
    return out


async def _staff_for(
    uow: UnitOfWork,
    business_id: int,
    service_ids: Sequence[int],
    staff_id: int | None,
    active: Sequence[StaffMember],
) -> list[StaffMember]:
    """The one member asked for, or every ``active`` member who performs all the services."""
    wanted = tuple(service_ids)
    if staff_id is not None:
        member = next((m for m in active if m.id == staff_id), None)
        if member is None:  # not active here: read it to tell "unknown" from "inactive"
            member = await uow.staff.get(staff_id)
        if member is None or member.business_id != business_id:
            raise NotFound("staff", staff_id)
        if not member.active or not member.performs(wanted):
            raise InvalidInput("staff_id", "does not perform these services")
        return [member]
    return [m for m in active if m.active and m.performs(wanted)]


async def cancel_all(
    uow: UnitOfWork, bookings: Sequence[Booking], now: datetime, actor: Actor, reason: str
) -> int:
    """Cancel bookings in the caller's transaction, exactly as ``cancel_by_provider`` would."""
    businesses: dict[int, Business] = {}
    for booking in bookings:
        business = businesses.get(booking.business_id)
        if business is None:
            found = await uow.businesses.get(booking.business_id)
            if found is None:
                raise NotFound("business", booking.business_id)
            business = businesses[booking.business_id] = found
        await apply_provider_decision(
            uow,
            booking,
            business,
            now=now,
            actor=actor,
            target=BookingStatus.CANCELLED,
            action=CANCELLED,
            reason=reason,
        )
    return len(bookings)
