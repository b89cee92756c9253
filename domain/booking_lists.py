"""Lists of bookings as pages show them: who each is with, and a window's bookings with context.

:func:`parties_of`: each booking's client and professional, read in two queries.

Agendas, exports, feeds and daily summaries all show a client's name (and phone) and the
professional's name beside each booking. Reading them booking by booking is one query per row;
this reads every client and every professional of the list at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .attendance import Attendance, attendance_of
from .model import Booking, BookingStatus, Client, ClientStats, DateException, StaffMember
from .ports import PanelUnitOfWork, UnitOfWork


@dataclass(frozen=True)
class Parties:
    clients: Mapping[int, Client]
    staff_names: Mapping[int, str]

    def client_of(self, booking: Booking) -> Client | None:
        return self.clients.get(booking.client_id)

    def staff_name_of(self, booking: Booking, default: str = "") -> str:
        return self.staff_names.get(booking.staff_id, default)


async def parties_of(uow: UnitOfWork, bookings: Iterable[Booking]) -> Parties:
    """The clients and professional names of ``bookings`` (missing ones are left out)."""
    listed = list(bookings)
    if not listed:
        return Parties({}, {})
    clients = await uow.clients.get_many([b.client_id for b in listed])
    staff_names = await uow.staff.names([b.staff_id for b in listed])
    return Parties(clients, staff_names)


@dataclass(frozen=True)
class BookingsWindow:
    """A business's bookings of a UTC window with its professionals (inactive ones too), the
    date exceptions that say which date each booking belongs to, and who each booking is with."""

    bookings: list[Booking]
    staff: list[StaffMember]
    exceptions: list[DateException]
    parties: Parties

    @property
    def members(self) -> dict[int | None, StaffMember]:
        return {m.id: m for m in self.staff}


async def bookings_window(
    uow: UnitOfWork, business_id: int, first: date, last: date, start: datetime, end: datetime
) -> BookingsWindow:
    """Bookings in ``[start, end)`` and the exceptions of local dates ``first``..``last``."""
    staff = await uow.staff.list_for_business(business_id, include_inactive=True)
    bookings = await uow.bookings.for_business_between(business_id, start, end)
    # The day before too: its overnight spans own the first hours of ``first``.
    exceptions = await uow.schedule.exceptions_between(business_id, first - timedelta(days=1), last)
    return BookingsWindow(bookings, staff, exceptions, await parties_of(uow, bookings))


async def cancelled_by_clients(uow: UnitOfWork, bookings: Iterable[Booking]) -> list[Booking]:
    """The cancelled bookings among ``bookings`` that their client cancelled ("can't come"), with
    their history (which says who cancelled), in one read."""
    cancelled = [b for b in bookings if b.status is BookingStatus.CANCELLED and b.id is not None]
    if not cancelled:
        return []
    return [
        b
        for b in await uow.bookings.with_history(cancelled)
        if attendance_of(b) is Attendance.CANT_COME
    ]


@dataclass(frozen=True)
class Requests:
    """The requests page: bookings waiting for the provider, and every professional."""

    pending: list[Booking]
    staff: list[StaffMember]


async def pending_requests(uow: UnitOfWork, business_id: int) -> Requests:
    staff = await uow.staff.list_for_business(business_id, include_inactive=True)
    return Requests(await uow.bookings.pending_for_business(business_id), staff)


@dataclass(frozen=True)
class ClientHistory:
    """A client page's bookings, newest first, each with its history (who changed it last),
    and the names of the business's professionals."""

    bookings: list[Booking]
    staff_names: dict[int | None, str]


async def client_history(
    uow: UnitOfWork, business_id: int, client_id: int, limit: int
) -> ClientHistory:
    listed = await uow.bookings.for_client(client_id, limit=limit)
    staff = await uow.staff.list_for_business(business_id, include_inactive=True)
    return ClientHistory(await uow.bookings.with_history(listed), {m.id: m.name for m in staff})


@dataclass(frozen=True)
class ClientDirectory:
    """The clients page: the business's clients matching a search, with their counts."""

    clients: list[Client]
    stats: dict[int, ClientStats]


async def client_directory(uow: PanelUnitOfWork, business_id: int, query: str) -> ClientDirectory:
    found = await uow.panel.search_clients(business_id, query)
    stats = await uow.panel.client_stats([c.id for c in found if c.id is not None])
    return ClientDirectory(found, stats)


async def client_stats(uow: PanelUnitOfWork, client_id: int) -> ClientStats:
    """One client's counts (visits, no-shows, ...), for the client page."""
    return (await uow.panel.client_stats([client_id]))[client_id]


async def booked_with_key(uow: UnitOfWork, business_id: int, key: str) -> Booking | None:
    """The booking an earlier submit of the same form made (its idempotency key), if any."""
    return await uow.bookings.get_by_idempotency_key(business_id, key)
