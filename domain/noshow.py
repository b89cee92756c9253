"""The no-show policy: "after N no-shows within D days, this client's bookings need my approval".

Off by default (``Policies.no_show_limit == 0``); the panel suggests 2 in 90 days. A no-show
counts from the visit's start; the provider can forgive, which sets
``Client.no_shows_forgiven_at``: earlier no-shows stop counting, later ones count again.
``booking.book`` asks :func:`needs_approval` for bookings the client makes; the provider's own
bookings (walk-ins, "book again") never wait.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .errors import NotFound
from .model import Booking, BookingStatus, Client, Policies
from .ports import UnitOfWork

SUGGESTED_LIMIT = 2
SUGGESTED_WINDOW_DAYS = 90


def counted_no_shows(
    policies: Policies, client: Client, bookings: Iterable[Booking], now: datetime
) -> int:
    """The client's no-shows that count now: within the window, after any forgiveness."""
    since = now - timedelta(days=max(0, policies.no_show_window_days))
    if client.no_shows_forgiven_at is not None:
        since = max(since, client.no_shows_forgiven_at)
    return sum(
        1
        for b in bookings
        if b.client_id == client.id
        and b.status is BookingStatus.NO_SHOW
        and since <= b.start <= now
    )


def needs_approval(
    policies: Policies, client: Client, bookings: Iterable[Booking], now: datetime
) -> bool:
    """True when the policy is on and the client reached its limit of recent no-shows."""
    if policies.no_show_limit <= 0:
        return False
    return counted_no_shows(policies, client, bookings, now) >= policies.no_show_limit


def forgive(client: Client, now: datetime) -> None:
    """The provider forgives the client's no-shows so far."""
    client.no_shows_forgiven_at = now


async def held_count(uow: UnitOfWork, *, business_id: int, client_id: int, now: datetime) -> int:
    """How many counted no-shows hold this client's bookings for approval; 0 when not held."""
    async with uow:
        business = await uow.businesses.get(business_id)
        client = await uow.clients.get(client_id)
        if business is None or client is None or client.business_id != business_id:
            raise NotFound("client", client_id)
        if business.policies.no_show_limit <= 0:
            return 0
        recent = await uow.bookings.for_client(client_id, limit=100)
    if not needs_approval(business.policies, client, recent, now):
        return 0
    return counted_no_shows(business.policies, client, recent, now)


async def forgive_no_shows(
    uow: UnitOfWork, *, business_id: int, client_id: int, now: datetime
) -> None:
    """The provider forgives (from the client page or the chat): earlier no-shows stop counting."""
    async with uow:
        client = await uow.clients.get(client_id)
        if client is None or client.business_id != business_id:
            raise NotFound("client", client_id)
        forgive(client, now)
        await uow.clients.update(client)
        await uow.commit()
