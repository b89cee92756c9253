"""The panel's "try your bot" page: a test client and the provider's own emulated account.

Both are emulated Telegram users whose ids live above 2**52. Telegram promises user ids fit in
52 bits, so these ids can never be a real person: whatever is addressed to them can be routed
to the emulator and never reaches a real chat. Bookings of the test client are test bookings
(``book`` copies ``client.is_test``); :func:`clear_test_bookings` cancels them in one go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import NotFound
from .model import Actor, Booking, BookingEventName, Client, ProviderLink
from .ports import PanelUnitOfWork, UnitOfWork

EMULATED_ID_BASE = 2**52
CLEARED = BookingEventName.TEST_CLEARED


@dataclass(frozen=True)
class SandboxUsers:
    """The two emulated Telegram accounts of one business's sandbox."""

    client: int
    provider: int


def sandbox_users(business_id: int) -> SandboxUsers:
    base = EMULATED_ID_BASE + business_id * 2
    return SandboxUsers(client=base, provider=base + 1)


def is_emulated_user(telegram_user_id: int) -> bool:
    return telegram_user_id >= EMULATED_ID_BASE


def may_visit(telegram_user_id: int, business_id: int) -> bool:
    """Whether this Telegram user may be a client of this business.

    Real users may visit any business. An emulated user belongs to one business's sandbox
    (its id says which): letting it open another business (``/start <their slug>``) would let
    one provider make bookings in someone else's agenda.
    """
    if not is_emulated_user(telegram_user_id):
        return True
    return (telegram_user_id - EMULATED_ID_BASE) // 2 == business_id


async def prepare_test_client(
    uow: UnitOfWork, *, business_id: int, telegram_user_id: int, locale: str = ""
) -> Client:
    """The business's test client, created (marked as test) before it first talks to the bot,
    so the bot's own client resolution finds it instead of creating a real one."""
    async with uow:
        client = await uow.clients.get_by_telegram(business_id, telegram_user_id)
        if client is not None and client.is_test:
            return client
        if await uow.businesses.get(business_id) is None:
            raise NotFound("business", business_id)
        if client is None:
            client = await uow.clients.add(
                Client(
                    business_id=business_id,
                    telegram_user_id=telegram_user_id,
                    locale=locale,
                    is_test=True,
                )
            )
        else:
            client.is_test = True
            await uow.clients.update(client)
        await uow.commit()
        return client


async def forget_test_client(uow: UnitOfWork, *, business_id: int, telegram_user_id: int) -> None:
    """Forget the test client (name, phone, Telegram id): the next chat starts a new one.
    Its test bookings stay, still marked as test, until they are cleared."""
    async with uow:
        client = await uow.clients.get_by_telegram(business_id, telegram_user_id)
        if client is None or not client.is_test:
            return
        client.forget()
        client.locale = ""
        await uow.clients.update(client)
        await uow.commit()


async def link_sandbox_provider(
    uow: PanelUnitOfWork,
    *,
    now: datetime,
    business_id: int,
    telegram_user_id: int,
    locale: str = "",
) -> ProviderLink:
    """Link the emulated provider account to the business as its owner (idempotent)."""
    async with uow:
        for link in await uow.links.links_for_telegram_user(telegram_user_id):
            if link.business_id == business_id and link.staff_id is None:
                return link
        if await uow.businesses.get(business_id) is None:
            raise NotFound("business", business_id)
        link = await uow.links.add_link(
            ProviderLink(business_id=business_id, telegram_user_id=telegram_user_id, locale=locale),
            now,
        )
        await uow.commit()
        return link


async def clear_test_bookings(
    uow: UnitOfWork, *, now: datetime, business_id: int, actor: Actor
) -> int:
    """Cancel every active test booking of the business, silently (nobody real to tell), and
    drop their pending reminders; returns how many. The agenda stops showing them."""
    async with uow:
        business = await uow.businesses.get(business_id)
        if business is None:
            raise NotFound("business", business_id)
        horizon = timedelta(days=business.policies.horizon_days + 366)
        found = await uow.bookings.for_business_between(business_id, now - horizon, now + horizon)
        cleared = 0
        for booking in found:
            if not booking.is_test or not booking.status.is_active or booking.id is None:
                continue
            booking.clear_test(now=now, actor=actor)
            await uow.bookings.save(booking)
            await uow.outbox.retire_for_booking(booking.id)
            cleared += 1
        if cleared:
            await uow.commit()
        return cleared


async def newest_test_booking(
    uow: UnitOfWork, *, business_id: int, telegram_user_id: int
) -> Booking | None:
    """The test client's most recently made booking (the one the sandbox just showed), if any."""
    async with uow:
        client = await uow.clients.get_by_telegram(business_id, telegram_user_id)
        if client is None or client.id is None:
            return None
        found = await uow.bookings.for_client(client.id)
    made = [b for b in found if b.created_at is not None]
    return max(made, key=lambda b: (b.created_at, b.id or 0)) if made else None
