"""Classes with seats: a service with ``capacity`` N > 1 takes up to N clients at one start.

The availability engine already lets clients join a class until it is full; this module says
how many seats are left, for the bot's timetable ("18:00 · 3 vagas") and the panel's agenda.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from .model import Booking, Service
from .ports import UnitOfWork


def taken_seats(bookings: Iterable[Booking]) -> dict[tuple[int, datetime], int]:
    """Active bookings per class (service id, start): only single-service group visits."""
    taken: dict[tuple[int, datetime], int] = {}
    for b in bookings:
        if b.status.is_active and len(b.items) == 1 and b.items[0].capacity > 1:
            key = (b.items[0].service_id, b.start)
            taken[key] = taken.get(key, 0) + 1
    return taken


def seats_left(service: Service, start: datetime, taken: dict[tuple[int, datetime], int]) -> int:
    return max(0, service.capacity - taken.get((service.id or 0, start), 0))


async def seats_by_start(
    uow: UnitOfWork, *, service: Service, starts: Sequence[datetime]
) -> dict[datetime, int]:
    """Seats left at each start of a class; {} for a service that is not a class (no read)."""
    if service.capacity <= 1 or not starts or service.id is None:
        return {}
    async with uow:
        found = await uow.bookings.for_business_between(
            service.business_id, min(starts), max(starts) + timedelta(microseconds=1)
        )
    taken = taken_seats(found)
    return {start: seats_left(service, start, taken) for start in starts}
