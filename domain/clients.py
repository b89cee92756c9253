"""Client use cases: who is talking to the bot, their contact details, their language, LGPD.

Phone numbers arrive already validated and normalized (E.164) by the entry point, which owns the
phone-number library; the domain only refuses what is plainly empty or too long.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from .availability import (
    ScheduleSnapshot,
    Slot,
    SlotQuery,
    booking_window,
    consider_future_booking_limit,
    hours_window,
    resolve_visit,
)
from .availability import available_days as _available_days
from .availability import find_slots as _find_slots
from .errors import InvalidInput, NotFound
from .model import Booking, Business, Client, Service, StaffMember
from .ports import UnitOfWork

MAX_NAME = 120
MAX_PHONE = 40
PAST_LIMIT = 10


async def find_client(uow: UnitOfWork, *, business_id: int, telegram_user_id: int) -> Client | None:
    async with uow:
        return await uow.clients.get_by_telegram(business_id, telegram_user_id)


async def business_and_client(
    uow: UnitOfWork, *, business_id: int, telegram_user_id: int
) -> tuple[Business | None, Client | None]:
    """The chat's business and this user's client there, in one read (every update needs
    both: one transaction instead of two)."""
    async with uow:
        business = await uow.businesses.get(business_id)
        if business is None:
            return None, None
        return business, await uow.clients.get_by_telegram(business_id, telegram_user_id)


@dataclass(frozen=True)
class Catalog:
    """A business's active services and staff, read once per update and shared by every
    getter and handler of that update (they used to read them again, each in a transaction)."""

    business: Business
    services: list[Service]
    staff: list[StaffMember]

    def bookable_services(self) -> list[Service]:
        """Active services somebody active performs, in the provider's order."""
        performed = {sid for m in self.staff if m.active for sid in m.service_ids}
        return [s for s in self.services if s.active and s.id in performed]

    def staff_for_services(self, service_ids: Sequence[int]) -> list[StaffMember]:
        return [m for m in self.staff if m.active and m.performs(tuple(service_ids))]


async def _catalog(uow: UnitOfWork, business: Business) -> Catalog:
    assert business.id is not None
    services = await uow.services.list_for_business(business.id)
    staff = await uow.staff.list_for_business(business.id)
    return Catalog(business=business, services=services, staff=staff)


async def load_catalog(uow: UnitOfWork, business_id: int) -> Catalog | None:
    async with uow:
        business = await uow.businesses.get(business_id)
        return None if business is None else await _catalog(uow, business)


async def chat_context(
    uow: UnitOfWork, *, business_id: int, telegram_user_id: int
) -> tuple[Catalog | None, Client | None]:
    """What every update of a chat at a business needs, in one read transaction: the business
    with its catalog, and this user's client there."""
    async with uow:
        business = await uow.businesses.get(business_id)
        if business is None:
            return None, None
        client = await uow.clients.get_by_telegram(business_id, telegram_user_id)
        return await _catalog(uow, business), client


async def free_days(
    uow: UnitOfWork,
    catalog: Catalog,
    *,
    now: datetime,
    service_ids: Sequence[int],
    staff_id: int | None,
    first_day: date,
    last_day: date,
) -> set[date]:
    """Like ``booking.available_days``, over an already loaded catalog: only the bookings,
    exceptions and time off of the dates are read."""
    query = SlotQuery(tuple(service_ids), first_day, last_day, now, staff_id)
    loaded = await _search(uow, catalog, query)
    return set() if loaded is None else _available_days(*loaded)


async def free_slots(
    uow: UnitOfWork,
    catalog: Catalog,
    *,
    now: datetime,
    service_ids: Sequence[int],
    staff_id: int | None,
    first_day: date,
    last_day: date,
    exclude_booking_id: int | None = None,
) -> list[Slot]:
    """Like ``booking.find_slots``, over an already loaded catalog."""
    query = SlotQuery(
        tuple(service_ids), first_day, last_day, now, staff_id, False, exclude_booking_id
    )
    loaded = await _search(uow, catalog, query)
    return [] if loaded is None else _find_slots(*loaded)


async def _search(
    uow: UnitOfWork, catalog: Catalog, query: SlotQuery
) -> tuple[ScheduleSnapshot, SlotQuery] | None:
    """``booking.load_for_search`` with the business, services and staff taken from the
    catalog (same refusals: unknown services, a professional who does not do them)."""
    business = catalog.business
    assert business.id is not None
    if not query.service_ids:
        raise InvalidInput("service_ids", "choose at least one service")
    by_id = {s.id: s for s in catalog.services if s.active}
    services = []
    for sid in dict.fromkeys(query.service_ids):
        if sid not in by_id:
            raise InvalidInput("service_ids", f"unknown service {sid}")
        services.append(by_id[sid])
    visit = resolve_visit(services, query.service_ids)
    if query.staff_id is not None:
        member = next((m for m in catalog.staff if m.id == query.staff_id), None)
        if member is None:
            raise NotFound("staff", query.staff_id)
        if not member.active or not member.performs(query.service_ids):
            raise InvalidInput("staff_id", "does not perform these services")
        staff = [member]
    else:
        staff = catalog.staff_for_services(query.service_ids)
    days = consider_future_booking_limit(business, query.now, query.first_day, query.last_day)
    if not days or not staff:
        return None
    first, last = days[0], days[-1]
    start, end = booking_window(business, first, last, visit)
    async with uow:
        exceptions = await uow.schedule.exceptions_between(
            business.id, *hours_window(first, last)
        )
        time_off = await uow.schedule.time_off_between(business.id, start, end)
        bookings = await uow.bookings.busy_between([m.id for m in staff if m.id], start, end)
    snapshot = ScheduleSnapshot(
        business=business,
        staff=staff,
        services=services,
        exceptions=exceptions,
        time_off=time_off,
        bookings=bookings,
    )
    return snapshot, replace(query, first_day=first, last_day=last)


async def resolve_client(
    uow: UnitOfWork, *, business_id: int, telegram_user_id: int, locale: str = ""
) -> Client:
    """The client of this Telegram user at this business, created on first contact."""
    async with uow:
        client = await uow.clients.get_by_telegram(business_id, telegram_user_id)
        if client is not None:
            return client
        if await uow.businesses.get(business_id) is None:
            raise NotFound("business", business_id)
        client = await uow.clients.add(
            Client(business_id=business_id, telegram_user_id=telegram_user_id, locale=locale)
        )
        await uow.commit()
        return client


async def save_contact(uow: UnitOfWork, *, client_id: int, name: str, phone: str) -> Client:
    """Store the name and (normalized) phone a first-time client gives before booking."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", "empty")
    if len(name) > MAX_NAME:
        raise InvalidInput("name", "too long")
    if not phone or len(phone) > MAX_PHONE:
        raise InvalidInput("phone", "invalid")
    async with uow:
        client = await _client(uow, client_id)
        client.name = name
        client.phone = phone
        await uow.clients.update(client)
        await uow.commit()
        return client


async def set_locale(uow: UnitOfWork, *, client_id: int, locale: str) -> None:
    async with uow:
        client = await _client(uow, client_id)
        if client.locale != locale:
            client.locale = locale
            await uow.clients.update(client)
            await uow.commit()


@dataclass(frozen=True)
class PrivacySummary:
    """What we keep about a client (shown by /privacy)."""

    name: str
    phone: str
    locale: str
    notes: bool
    bookings: int


async def privacy_summary(uow: UnitOfWork, *, client_id: int) -> PrivacySummary:
    async with uow:
        client = await _client(uow, client_id)
        bookings = await uow.bookings.for_client(client_id, limit=1000)
        return PrivacySummary(
            name=client.name,
            phone=client.phone,
            locale=client.locale,
            notes=bool(client.notes),
            bookings=len(bookings),
        )


async def forget_client(uow: UnitOfWork, *, client_id: int) -> None:
    """Erase the client's personal data (LGPD). Booking rows stay, pointing at an anonymous
    client, for the provider's records; the Telegram link goes too, so the next message starts
    a fresh, empty client."""
    async with uow:
        client = await _client(uow, client_id)
        client.forget()
        client.locale = ""
        await uow.clients.update(client)
        await uow.commit()


@dataclass(frozen=True)
class ClientBookings:
    upcoming: list[Booking]
    past: list[Booking]


async def client_bookings(uow: UnitOfWork, *, client_id: int, now: datetime) -> ClientBookings:
    """Upcoming active bookings (soonest first) and the last ``PAST_LIMIT`` others."""
    async with uow:
        upcoming = await uow.bookings.for_client(client_id, upcoming_after=now, limit=50)
        upcoming_ids = {b.id for b in upcoming}
        recent = await uow.bookings.for_client(client_id, limit=PAST_LIMIT + len(upcoming_ids))
        past = [b for b in recent if b.id not in upcoming_ids][:PAST_LIMIT]
        return ClientBookings(upcoming=upcoming, past=past)


async def client_booking(uow: UnitOfWork, *, client_id: int, booking_id: int) -> Booking:
    """One booking of this client; :class:`NotFound` for anybody else's (no hint it exists)."""
    async with uow:
        booking = await uow.bookings.get(booking_id)
        if booking is None or booking.client_id != client_id:
            raise NotFound("booking", booking_id)
        return booking


# --- what a client may see of a business (reads) ------------------------------------------------


async def business_by_slug(uow: UnitOfWork, slug: str) -> Business | None:
    slug = slug.strip().lower()
    if not slug or len(slug) > 64:
        return None
    async with uow:
        return await uow.businesses.get_by_slug(slug)


async def business_by_id(uow: UnitOfWork, business_id: int) -> Business | None:
    async with uow:
        return await uow.businesses.get(business_id)


KNOWN_LIMIT = 10


async def businesses_of(uow: UnitOfWork, telegram_user_id: int) -> list[Business]:
    """The businesses this Telegram user is a client of (what /start offers when the deployment
    serves several): never anybody else's, never all of them. A client who used /forget has no
    Telegram link any more, so that business is not offered again."""
    async with uow:
        return await uow.clients.businesses_of_telegram_user(telegram_user_id, KNOWN_LIMIT)


async def the_only_business(uow: UnitOfWork) -> Business | None:
    """The business when the deployment serves exactly one (else None: never list them all)."""
    async with uow:
        businesses = await uow.businesses.list_all(limit=2)
        return businesses[0] if len(businesses) == 1 else None


async def bookable_services(uow: UnitOfWork, business_id: int) -> list[Service]:
    """Active services somebody active performs, in the provider's order."""
    async with uow:
        services = await uow.services.list_for_business(business_id)
        staff = await uow.staff.list_for_business(business_id)
        performed = {sid for m in staff if m.active for sid in m.service_ids}
        return [s for s in services if s.active and s.id in performed]


async def staff_for_services(
    uow: UnitOfWork, business_id: int, service_ids: list[int]
) -> list[StaffMember]:
    async with uow:
        staff = await uow.staff.list_for_business(business_id)
        return [m for m in staff if m.active and m.performs(service_ids)]


async def opening_hours(uow: UnitOfWork, business_id: int) -> dict[int, tuple[str, str]]:
    """Per weekday (0 = Monday), the earliest start and latest end of anyone's weekly hours."""
    async with uow:
        staff = await uow.staff.list_for_business(business_id)
    hours: dict[int, tuple[str, str]] = {}
    for member in staff:
        for interval in member.weekly_hours:
            start, end = interval.start.strftime("%H:%M"), interval.end.strftime("%H:%M")
            if interval.weekday in hours:
                old = hours[interval.weekday]
                start, end = min(start, old[0]), max(end, old[1])
            hours[interval.weekday] = (start, end)
    return dict(sorted(hours.items()))


async def _client(uow: UnitOfWork, client_id: int) -> Client:
    client = await uow.clients.get(client_id)
    if client is None:
        raise NotFound("client", client_id)
    return client
