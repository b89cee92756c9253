"""Which day an agenda lists a booking under: the day whose working span it starts in.

A booking at 01:00 on Saturday inside Friday's 18:00–02:00 is Friday's, by the rule the slot
search offers it by (:class:`domain.availability.SpanDays`), so every agenda (the panel's, the
provider's chat) shows a late night under the evening it belongs to, not the calendar date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .availability import SpanDays
from .model import Booking, Business

if TYPE_CHECKING:  # domain.ports imports domain.daily, which imports this module
    from .ports import UnitOfWork

ONE_DAY = timedelta(days=1)


def agenda_window(business: Business, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC span to read for the agendas of ``first``..``last``: from ``first``'s local
    midnight to the end of the day after ``last`` (the hours after midnight of an overnight
    span belong to ``last``). Bookings read this way are then sorted by :func:`agenda_days`."""
    zone = ZoneInfo(business.timezone)
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + 2 * ONE_DAY, time(0), zone).astimezone(UTC)
    return start, end


async def agenda_days(
    uow: UnitOfWork, *, business: Business, bookings: Sequence[Booking]
) -> dict[int, date]:
    """For each booking id, the day its agenda lists it under (reads hours and exceptions)."""
    if not bookings or business.id is None:
        return {}
    zone = ZoneInfo(business.timezone)
    dates = [b.start.astimezone(zone).date() for b in bookings]
    async with uow:
        staff = await uow.staff.list_for_business(business.id, include_inactive=True)
        exceptions = await uow.schedule.exceptions_between(
            business.id, min(dates) - ONE_DAY, max(dates)
        )
    members = {m.id: m for m in staff}
    span_days = SpanDays(business, exceptions)
    return {
        b.id: span_days.day_of(members.get(b.staff_id), b.start)
        for b in bookings
        if b.id is not None
    }
