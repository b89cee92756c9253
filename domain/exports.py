"""What the panel's export page, its CSV and the iCal feeds show: read models, one read each.

The panel asks these instead of the repositories, so what a page shows is written down here and
the page only formats it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .booking_lists import Parties
from .errors import NotFound
from .model import Booking, BookingStatus, Business, StaffMember
from .ports import PanelUnitOfWork
from .validation import owned_staff

FEED_PAST = timedelta(days=31)
FEED_FUTURE = timedelta(days=400)
# Bookings a calendar should show: what holds time or happened.
FEED_STATUSES = frozenset(
    {BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW}
)


@dataclass(frozen=True)
class FeedTokens:
    """The business's feed token and one per active professional (made on first use)."""

    business: str
    staff: list[tuple[StaffMember, str]]


async def feed_tokens(uow: PanelUnitOfWork, business_id: int) -> FeedTokens:
    """Writes the tokens it has to make: the caller commits."""
    business = await uow.panel.ical_token(business_id)
    staff = [
        (m, await uow.panel.ical_token(business_id, m.id))
        for m in await uow.staff.list_for_business(business_id)
    ]
    return FeedTokens(business, staff)


async def regenerate_feed(uow: PanelUnitOfWork, business_id: int, staff_id: int | None) -> None:
    """A new token for the business's feed (or one professional's): the old URL stops working."""
    if staff_id is not None:
        await owned_staff(uow, business_id, staff_id)
    await uow.panel.regenerate_ical_token(business_id, staff_id)


@dataclass(frozen=True)
class CalendarFeed:
    business: Business
    staff_id: int | None  # None: the whole business
    bookings: list[Booking]
    parties: Parties


async def calendar_feed(uow: PanelUnitOfWork, token: str, now: datetime) -> CalendarFeed:
    """The bookings a feed token shows around ``now``; ``NotFound`` for an unknown token."""
    found = await uow.panel.find_ical_token(token)
    if found is None:
        raise NotFound("feed")
    business_id, staff_id = found
    business = await uow.businesses.get(business_id)
    if business is None:
        raise NotFound("feed")
    bookings = [
        b
        for b in await uow.bookings.for_business_between(
            business_id, now - FEED_PAST, now + FEED_FUTURE
        )
        if b.status in FEED_STATUSES and (staff_id is None or b.staff_id == staff_id)
    ]
    clients = await uow.clients.get_many([b.client_id for b in bookings])
    # The feed's title names its professional even when it has no bookings.
    named = {b.staff_id for b in bookings} | ({staff_id} if staff_id is not None else set())
    names = await uow.staff.names(sorted(named))
    return CalendarFeed(business, staff_id, bookings, Parties(clients, names))
