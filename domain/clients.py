"""Client use cases: who is talking to the bot, their contact details, their language, LGPD.

Phone numbers arrive already validated and normalized (E.164) by the entry point, which owns the
phone-number library; the domain only refuses what is plainly empty or too long.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from . import search
from .availability import (
    Slot,
    SlotQuery,
)
from .errors import InvalidInput, NotAllowed, NotFound
from .model import Booking, Business, Client, Service, StaffMember
from .ports import PanelUnitOfWork, UnitOfWork
from .sandbox import is_emulated_user, may_visit
from .text import clean_name
from .validation import owned_client, text

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
    services, staff = await search.catalog(uow, business)
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
    """Like ``booking.available_days``, over an already loaded catalog (whose business carries
    the data version read for this update): a cached answer needs no query at all; otherwise
    only the bookings, exceptions and time off of the dates are read."""
    query = SlotQuery(tuple(service_ids), first_day, last_day, now, staff_id)
    return await search.free_days(uow, catalog.business, catalog.services, catalog.staff, query)


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
    """Like ``booking.find_slots``, over an already loaded catalog (see :func:`free_days`)."""
    query = SlotQuery(
        tuple(service_ids), first_day, last_day, now, staff_id, False, exclude_booking_id
    )
    return await search.free_slots(uow, catalog.business, catalog.services, catalog.staff, query)


async def resolve_client(
    uow: UnitOfWork, *, business_id: int, telegram_user_id: int, locale: str = ""
) -> Client:
    """The client of this Telegram user at this business, created on first contact.

    An emulated (sandbox) user is only ever a test client of its own business."""
    if not may_visit(telegram_user_id, business_id):
        raise NotAllowed("client", business_id)
    async with uow:
        client = await uow.clients.get_by_telegram(business_id, telegram_user_id)
        if client is not None:
            return client
        if await uow.businesses.get(business_id) is None:
            raise NotFound("business", business_id)
        client = await uow.clients.add(
            Client(
                business_id=business_id,
                telegram_user_id=telegram_user_id,
                locale=locale,
                is_test=is_emulated_user(telegram_user_id),
            )
        )
        await uow.commit()
        return client


async def save_contact(uow: UnitOfWork, *, client_id: int, name: str, phone: str) -> Client:
    """Store the name and (normalized) phone a first-time client gives before booking."""
    cleaned = clean_name(name, max_len=MAX_NAME)
    if cleaned is None:  # nothing visible (zero-width only...) or too long
        raise InvalidInput("name", "unusable")
    name = cleaned
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


# --- edits from the provider side -------------------------------------------------------------


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
