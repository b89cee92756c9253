"""Use cases behind the panel's management pages: services, team, hours, settings, clients.

Each runs in one transaction and raises :class:`InvalidInput` (``field``, short code) before
writing anything when a value is wrong, so a refused form leaves no trace. Codes: ``required``,
``too_long``, ``range``, ``invalid``, ``overlap``, ``unknown``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from .accounts import check_timezone
from .booking import CANCELLED, apply_provider_decision
from .errors import AlreadyDone, InvalidInput, NotFound
from .hours import overlapping_in_day, overlapping_in_week
from .instants import as_utc
from .model import (
    Actor,
    Booking,
    BookingStatus,
    Business,
    Client,
    ConfirmationMode,
    DateException,
    Policies,
    Service,
    StaffMember,
    TimeOff,
    WeeklyInterval,
)
from .ports import PanelUnitOfWork, UnitOfWork
from .text import clean_text, has_visible

LOCALES = ("pt_BR", "en")
SLOT_STEPS = (5, 10, 15, 20, 30, 60)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
WEEK = 10080  # minutes
# Bounds of what a service may be (minutes, people); the panel says them in its messages.
DURATION = (5, 12 * 60)
BUFFER = (0, 240)
CAPACITY = (1, 100)
PRICE_MAX_MINOR = 100_000_000


# --- checks ----------------------------------------------------------------------------------


def text(field: str, value: str, *, max_len: int, required: bool = False) -> str:
    # NFC, no NUL/zero-width/bidi overrides: what is stored is what the provider sees.
    value = clean_text(value, multiline=True).strip()
    if required and not has_visible(value):
        raise InvalidInput(field, "required")
    if len(value) > max_len:
        raise InvalidInput(field, "too_long")
    return value


def number(field: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(field, "range")
    return value


def check_weekly(hours: Iterable[WeeklyInterval]) -> list[WeeklyInterval]:
    """Sorted intervals; refuses a bad weekday or spans that overlap (field ``hours_<day>``).

    ``end <= start`` is a span past midnight (see :mod:`domain.hours`), not an error.
    """
    out = sorted(hours, key=lambda w: (w.weekday, w.start))
    for w in out:
        if not 0 <= w.weekday <= 6:
            raise InvalidInput("hours", "invalid")
    clash = overlapping_in_week((w.weekday, w.start, w.end) for w in out)
    if clash is not None:
        raise InvalidInput(f"hours_{clash}", "overlap")
    return out


def check_day_spans(
    field: str, spans: Sequence[tuple[time, time]]
) -> tuple[tuple[time, time], ...]:
    """Spans of one date (a special opening day), sorted; overlapping ones are refused."""
    if overlapping_in_day(spans) is not None:
        raise InvalidInput(field, "overlap")
    return tuple(sorted(spans))


async def claim_once(uow: PanelUnitOfWork, business_id: int, once: str | None) -> None:
    """Inside the creating transaction: a creation form posted twice (double tap, Back and send
    again) carries the same token, and the second post raises :class:`AlreadyDone`."""
    if once is None:
        return
    if not 8 <= len(once) <= 64:
        raise InvalidInput("once", "invalid")
    if not await uow.panel.claim_form_token(business_id, once):
        raise AlreadyDone()


async def _business(uow: UnitOfWork, business_id: int) -> Business:
    business = await uow.businesses.get(business_id)
    if business is None:
        raise NotFound("business", business_id)
    return business


async def owned_service(uow: UnitOfWork, business_id: int, service_id: int) -> Service:
    service = await uow.services.get(service_id)
    if service is None or service.business_id != business_id:
        raise NotFound("service", service_id)
    return service


async def owned_staff(uow: UnitOfWork, business_id: int, staff_id: int) -> StaffMember:
    member = await uow.staff.get(staff_id)
    if member is None or member.business_id != business_id:
        raise NotFound("staff", staff_id)
    return member


async def owned_booking(uow: UnitOfWork, business_id: int, booking_id: int) -> Booking:
    """The booking with its history, if it is this business's; ``NotFound`` otherwise."""
    booking = await uow.bookings.get(booking_id)
    if booking is None or booking.business_id != business_id:
        raise NotFound("booking", booking_id)
    return booking


async def owned_client(uow: UnitOfWork, business_id: int, client_id: int) -> Client:
    client = await uow.clients.get(client_id)
    if client is None or client.business_id != business_id:
        raise NotFound("client", client_id)
    return client


# --- services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceForm:
    name: str
    duration_minutes: int
    price_minor: int
    description: str = ""
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    capacity: int = 1
    needs_approval: bool = False

    def checked(self) -> ServiceForm:
        return ServiceForm(
            name=text("name", self.name, max_len=120, required=True),
            duration_minutes=number("duration_minutes", self.duration_minutes, *DURATION),
            price_minor=number("price_minor", self.price_minor, 0, PRICE_MAX_MINOR),
            description=text("description", self.description, max_len=500),
            buffer_before_minutes=number(
                "buffer_before_minutes", self.buffer_before_minutes, *BUFFER
            ),
            buffer_after_minutes=number("buffer_after_minutes", self.buffer_after_minutes, *BUFFER),
            capacity=number("capacity", self.capacity, *CAPACITY),
            needs_approval=bool(self.needs_approval),
        )


async def save_service(
    uow: PanelUnitOfWork,
    *,
    business_id: int,
    form: ServiceForm,
    staff_ids: Sequence[int],
    service_id: int | None = None,
    once: str | None = None,
) -> Service:
    """Create (``service_id`` None) or edit a service and set who performs it; ``once`` is the
    creation form's one-time token (see :func:`claim_once`)."""
    form = form.checked()
    async with uow:
        await claim_once(uow, business_id, once)
        members = await uow.staff.list_for_business(business_id, include_inactive=True)
        known = {m.id for m in members}
        if any(s not in known for s in staff_ids):
            raise InvalidInput("staff_ids", "unknown")
        if service_id is None:
            count = len(await uow.services.list_for_business(business_id, include_inactive=True))
            service = await uow.services.add(
                Service(business_id=business_id, position=count, **form.__dict__)
            )
        else:
            service = replace(await owned_service(uow, business_id, service_id), **form.__dict__)
            await uow.services.update(service)
        assert service.id is not None
        for member in members:
            wanted = member.id in staff_ids
            if wanted != (service.id in member.service_ids):
                member.service_ids ^= {service.id}
                await uow.staff.update(member)
        await uow.commit()
    return service


async def deactivate_service(
    uow: PanelUnitOfWork,
    *,
    now: datetime,
    business_id: int,
    service_id: int,
    cancel_future: bool,
    actor: Actor,
    reason: str = "",
) -> int:
    """Stop offering a service. Future bookings stay unless ``cancel_future`` (then the clients
    are told). Returns how many bookings were cancelled."""
    async with uow:
        service = await owned_service(uow, business_id, service_id)
        service.active = False
        await uow.services.update(service)
        cancelled = 0
        if cancel_future:
            future = await uow.panel.future_active_bookings(business_id, now, service_id=service_id)
            cancelled = await _cancel_all(uow, future, now, actor, reason)
        await uow.commit()
    return cancelled


async def reactivate_service(uow: UnitOfWork, *, business_id: int, service_id: int) -> None:
    async with uow:
        service = await owned_service(uow, business_id, service_id)
        service.active = True
        await uow.services.update(service)
        await uow.commit()


async def _cancel_all(
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


# --- team ------------------------------------------------------------------------------------


async def save_staff(
    uow: PanelUnitOfWork,
    *,
    business_id: int,
    name: str,
    service_ids: Sequence[int],
    weekly_hours: Sequence[WeeklyInterval],
    max_daily_bookings: int | None = None,
    staff_id: int | None = None,
    once: str | None = None,
) -> StaffMember:
    name = text("name", name, max_len=120, required=True)
    hours = check_weekly(weekly_hours)
    if max_daily_bookings is not None:
        number("max_daily_bookings", max_daily_bookings, 1, 100)
    async with uow:
        await claim_once(uow, business_id, once)
        services = await uow.services.list_for_business(business_id, include_inactive=True)
        known = {s.id for s in services}
        if any(s not in known for s in service_ids):
            raise InvalidInput("service_ids", "unknown")
        if staff_id is None:
            count = len(await uow.staff.list_for_business(business_id, include_inactive=True))
            member = await uow.staff.add(
                StaffMember(
                    business_id=business_id,
                    name=name,
                    service_ids=set(service_ids),
                    weekly_hours=hours,
                    max_daily_bookings=max_daily_bookings,
                    position=count,
                )
            )
        else:
            member = await owned_staff(uow, business_id, staff_id)
            member.name = name
            member.service_ids = set(service_ids)
            member.weekly_hours = hours
            member.max_daily_bookings = max_daily_bookings
            await uow.staff.update(member)
        await uow.commit()
    return member


async def deactivate_staff(
    uow: PanelUnitOfWork,
    *,
    now: datetime,
    business_id: int,
    staff_id: int,
    cancel_future: bool,
    actor: Actor,
    reason: str = "",
) -> int:
    async with uow:
        member = await owned_staff(uow, business_id, staff_id)
        member.active = False
        await uow.staff.update(member)
        cancelled = 0
        if cancel_future:
            future = await uow.panel.future_active_bookings(business_id, now, staff_id=staff_id)
            cancelled = await _cancel_all(uow, future, now, actor, reason)
        await uow.commit()
    return cancelled


async def reactivate_staff(uow: UnitOfWork, *, business_id: int, staff_id: int) -> None:
    async with uow:
        member = await owned_staff(uow, business_id, staff_id)
        member.active = True
        await uow.staff.update(member)
        await uow.commit()


async def add_time_off(
    uow: UnitOfWork,
    *,
    business_id: int,
    staff_id: int | None,
    start: datetime,
    end: datetime,
    reason: str = "",
) -> TimeOff:
    reason = text("reason", reason, max_len=200)
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end <= start:
        raise InvalidInput("end", "invalid")
    async with uow:
        if staff_id is not None:
            await owned_staff(uow, business_id, staff_id)
        added = await uow.schedule.add_time_off(
            business_id, TimeOff(start=start, end=end, staff_id=staff_id, reason=reason)
        )
        await uow.commit()
    return added


async def remove_time_off(
    uow: PanelUnitOfWork, *, business_id: int, time_off_id: int, staff_id: int | None = None
) -> None:
    async with uow:
        owner = await uow.panel.time_off_owner(time_off_id)
        if owner != (business_id, staff_id):
            raise NotFound("time_off", time_off_id)
        await uow.schedule.remove_time_off(business_id, time_off_id)
        await uow.commit()


# --- business-wide hours and days off --------------------------------------------------------


async def add_closures(
    uow: PanelUnitOfWork,
    *,
    business_id: int,
    days: Sequence[date],
    intervals: Sequence[tuple[time, time]] = (),
    note: str = "",
    once: str | None = None,
) -> list[DateException]:
    """Holidays (no intervals) or days with special opening hours for the whole business, all
    in one transaction."""
    note = text("note", note, max_len=200)
    spans = check_day_spans("intervals", intervals)
    async with uow:
        await _business(uow, business_id)
        await claim_once(uow, business_id, once)
        added = [
            await uow.schedule.add_exception(
                business_id, DateException(day=day, intervals=spans, note=note)
            )
            for day in days
        ]
        await uow.commit()
    return added


async def remove_closure(uow: PanelUnitOfWork, *, business_id: int, exception_id: int) -> None:
    async with uow:
        if await uow.panel.exception_business(exception_id) != business_id:
            raise NotFound("date_exception", exception_id)
        await uow.schedule.remove_exception(business_id, exception_id)
        await uow.commit()


# --- settings --------------------------------------------------------------------------------


def check_policies(p: Policies) -> Policies:
    number("min_notice_minutes", p.min_notice_minutes, 0, WEEK)
    number("horizon_days", p.horizon_days, 1, 365)
    if p.slot_step_minutes not in SLOT_STEPS:
        raise InvalidInput("slot_step_minutes", "invalid")
    number("cancellation_window_minutes", p.cancellation_window_minutes, 0, WEEK)
    number("request_expiry_minutes", p.request_expiry_minutes, 15, WEEK)
    number("attendance_request_minutes", p.attendance_request_minutes, 0, WEEK)
    number("no_show_limit", p.no_show_limit, 0, 20)
    number("no_show_window_days", p.no_show_window_days, 1, 365)
    if len(p.reminder_offsets_minutes) > 3:
        raise InvalidInput("reminder_offsets_minutes", "range")
    for offset in p.reminder_offsets_minutes:
        number("reminder_offsets_minutes", offset, 1, WEEK)
    if not isinstance(p.confirmation_mode, ConfirmationMode):
        raise InvalidInput("confirmation_mode", "invalid")
    return p


async def update_settings(
    uow: UnitOfWork,
    *,
    business_id: int,
    policies: Policies,
    locale: str,
    currency: str,
    user_id: int | None = None,
) -> Business:
    """Policies, language and currency of the business (the owner's panel language follows)."""
    check_policies(policies)
    if locale not in LOCALES:
        raise InvalidInput("locale", "invalid")
    if not _CURRENCY.match(currency):
        raise InvalidInput("currency", "invalid")
    async with uow:
        business = await _business(uow, business_id)
        business.policies = policies
        business.locale = locale
        business.currency = currency
        await uow.businesses.update(business)
        if user_id is not None:
            user = await uow.users.get(user_id)
            if user is not None:
                user.locale = locale
                await uow.users.update(user)
        await uow.commit()
    return business


async def save_profile(
    uow: UnitOfWork,
    *,
    business_id: int,
    name: str,
    kind: str,
    timezone: str,
    address: str,
    phone: str,
) -> Business:
    name = text("name", name, max_len=120, required=True)
    kind = text("kind", kind, max_len=60)
    address = text("address", address, max_len=300)
    phone = text("phone", phone, max_len=40)
    try:
        check_timezone(timezone)
    except InvalidInput:
        raise InvalidInput("timezone", "invalid") from None
    async with uow:
        business = await _business(uow, business_id)
        business.name, business.kind, business.timezone = name, kind, timezone
        business.address, business.phone = address, phone
        await uow.businesses.update(business)
        await uow.commit()
    return business


# --- clients ---------------------------------------------------------------------------------


async def update_client(
    uow: UnitOfWork, *, business_id: int, client_id: int, name: str, phone: str, notes: str
) -> Client:
    name = text("name", name, max_len=120, required=True)
    phone = text("phone", phone, max_len=40)
    notes = text("notes", notes, max_len=1000)
    async with uow:
        client = await owned_client(uow, business_id, client_id)
        client.name, client.phone, client.notes = name, phone, notes
        await uow.clients.update(client)
        await uow.commit()
    return client


async def add_walk_in_client(
    uow: PanelUnitOfWork, *, business_id: int, name: str, phone: str
) -> Client:
    """The client of a phone or walk-in booking: the one with this phone if known, else new."""
    name = text("client_name", name, max_len=120, required=True)
    phone = text("client_phone", phone, max_len=40)
    async with uow:
        if phone:
            for known in await uow.panel.search_clients(business_id, phone, limit=5):
                if known.phone == phone:
                    return known
        client = await uow.clients.add(Client(business_id=business_id, name=name, phone=phone))
        await uow.commit()
    return client
