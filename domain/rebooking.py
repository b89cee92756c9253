"""'Book again': the free times to offer for a past visit, asked the same way by the provider's
chat and the panel (same services, same professional, the next weeks, the minimum notice waived
because the provider books it)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from .attendance import rebooking_starts, rebooking_window
from .booking import find_slots
from .model import Booking
from .ports import UnitOfWork


async def rebooking_offer(
    uow: UnitOfWork, *, now: datetime, booking: Booking, zone: tzinfo, limit: int = 6
) -> list[datetime]:
    """Local starts to offer for ``booking``'s services again, best first (see
    :func:`domain.attendance.rebooking_starts`)."""
    today = now.astimezone(zone).date()
    first, last = rebooking_window(today)
    slots = await find_slots(
        uow,
        now=now,
        business_id=booking.business_id,
        service_ids=list(booking.service_ids),
        staff_id=booking.staff_id,
        first_day=first,
        last_day=last,
        ignore_notice=True,
    )
    starts = [s.start.astimezone(zone) for s in slots]
    return rebooking_starts(booking.start.astimezone(zone), today, starts, limit=limit)
