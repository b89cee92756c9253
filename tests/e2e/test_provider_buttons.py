"""The provider answers requests from the chat; nobody else can, whatever they send.

The provider router runs in a real aiogram Dispatcher; button presses come from the Bot API
emulator's users and the replies go out through aiogram's HTTP client, as do the scheduler's
notifications. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Dispatcher

from bot.provider import build_provider_router
from domain.model import BookingStatus, ConfirmationMode
from storage.uow import UnitOfWorkFactory
from tests.integration.scheduler_kit import (
    OWNER,
    STAFF_1,
    TOKEN,
    Clock,
    World,
    book,
    client_chat,
    delivery_world,
    seed_with_links,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
VISIT = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 10:00 in São Paulo


def _dispatcher(uow_factory: UnitOfWorkFactory, clock: Clock) -> Dispatcher:
    dp = Dispatcher()
    dp.include_router(build_provider_router(uow_factory=uow_factory, clock=clock))
    return dp


async def _feed_pending(world: World, dp: Dispatcher) -> None:
    """Hand the updates the emulator queued (no webhook set) to the dispatcher."""
    bot = world.state.bot(TOKEN)
    pending, bot.pending = bot.pending, []
    for update in pending:
        await dp.feed_raw_update(world.bot, update)


async def _press(world: World, dp: Dispatcher, chat_id: int, data: str) -> None:
    await world.state.press_button(TOKEN, chat_id, None, data=data)
    await _feed_pending(world, dp)


async def _status(uow_factory: UnitOfWorkFactory, booking_id: int) -> BookingStatus:
    async with uow_factory(read_only=True) as uow:
        booking = await uow.bookings.get(booking_id)
    assert booking is not None
    return booking.status


async def test_the_provider_confirms_in_one_tap_and_the_client_is_told(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.MANUAL)
    async with delivery_world(uow_factory, clock) as world:
        dp = _dispatcher(uow_factory, clock)
        booking = await book(uow_factory, seeded, clock(), VISIT)
        await world.poller.tick()

        await _press(world, dp, STAFF_1, f"pv:cf:{booking.id}:{booking.version}:0")
        await world.poller.tick()

        assert await _status(uow_factory, booking.id or 0) is BookingStatus.CONFIRMED
        assert world.texts(STAFF_1)[-1].endswith("✅ Confirmado. O cliente foi avisado.")
        assert world.buttons(STAFF_1) == []
        [told] = world.texts(client_chat(0))
        assert told.startswith("✅ Negócio barbearia confirmou")


async def test_the_provider_declines_with_a_reason_the_client_reads(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.MANUAL)
    async with delivery_world(uow_factory, clock) as world:
        dp = _dispatcher(uow_factory, clock)
        booking = await book(uow_factory, seeded, clock(), VISIT)
        await world.poller.tick()

        await _press(world, dp, OWNER, f"pv:dc:{booking.id}:{booking.version}:0")
        assert world.buttons(OWNER) == [
            [f"pv:dr:{booking.id}:{booking.version}:1"],
            [f"pv:dr:{booking.id}:{booking.version}:2"],
            [f"pv:dr:{booking.id}:{booking.version}:3"],
            [f"pv:dr:{booking.id}:{booking.version}:0"],  # "Other reason": typed next
        ]
        await _press(world, dp, OWNER, f"pv:dr:{booking.id}:{booking.version}:1")
        await world.poller.tick()

        assert await _status(uow_factory, booking.id or 0) is BookingStatus.DECLINED
        assert world.texts(OWNER)[-1].endswith("❌ Declined. The client was told.")
        [told] = world.texts(client_chat(0))
        assert told.startswith("😕") and told.endswith("Motivo: Horário indisponível")
        assert world.buttons(client_chat(0)) == [[f"bk:{seeded.business_id}"]]


async def test_a_forged_provider_button_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.MANUAL)
    async with delivery_world(uow_factory, clock) as world:
        dp = _dispatcher(uow_factory, clock)
        booking = await book(uow_factory, seeded, clock(), VISIT)
        await world.poller.tick()
        # The client gets a message with a button whose data they forged.
        await world.bot.send_message(client_chat(0), "x")
        chat = world.state.chat(TOKEN, client_chat(0))
        chat.messages[-1].reply_markup = {
            "inline_keyboard": [
                [{"text": "ok", "callback_data": f"pv:cf:{booking.id}:{booking.version}:0"}]
            ]
        }

        await _press(world, dp, client_chat(0), f"pv:cf:{booking.id}:{booking.version}:0")
        report = await world.poller.tick()

        assert await _status(uow_factory, booking.id or 0) is BookingStatus.PENDING
        [answer] = chat.callback_answers
        assert answer.show_alert and answer.text == "This action is not available to you."
        assert report.handled == 0
