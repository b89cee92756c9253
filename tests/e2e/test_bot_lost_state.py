"""Dialog state lost (Redis restarted without persistence, or a memory-storage process
restarted): a press on the lost dialog restarts it in a friendly way. A client with bookings is
shown them — the press may have been the Confirm that booked just before the state was lost —
never "something went wrong" (an invitation to book twice). Both backends (Redis FSM on
PostgreSQL, memory FSM on SQLite)."""

from __future__ import annotations

from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

from app.bot_wiring import FSM_PREFIX
from domain.model import BookingStatus
from tests.conftest import Backend
from tests.e2e.bot_harness import RunningBot, running_bot, seed_business, t
from tests.e2e.test_bot_booking import CORTE, bookings_of, pick_time


async def forget_every_dialog(bot: RunningBot) -> None:
    """What a Redis restart without persistence does to the chats' state."""
    storage = bot.container.telegram.dispatcher.storage
    if isinstance(storage, RedisStorage):
        keys = [k async for k in storage.redis.scan_iter(f"{FSM_PREFIX}:{bot.bot_id}:*")]
        if keys:
            await storage.redis.delete(*keys)
    else:
        assert isinstance(storage, MemoryStorage)
        storage.storage.clear()


async def test_confirm_pressed_again_after_state_loss_shows_the_booking(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        chat = bot.chat(4701)
        await chat.send("/start barbearia-central")
        await chat.press_key("menu.book")
        await chat.press_key("book.service_item", **CORTE)
        await chat.press(chat.buttons()[0])
        await pick_time(chat, "10:00")
        await chat.send("Ana Paula")
        await chat.send("11987654321")
        review = chat.last.message_id
        confirm = chat.button_data(t("pt_BR", "review.confirm"))
        await chat.press_key("review.confirm")
        assert (chat.last.text or "").startswith("✅")

        await forget_every_dialog(bot)
        # Telegram redelivers the press (the first answer was lost with the state) or the
        # client taps Confirm again on the old keyboard: same thing for the bot.
        delivery = await chat.press_forged(confirm, message_id=review)

        assert delivery.status == 200
        texts = chat.bot_texts()
        assert t("pt_BR", "error.restarted") in texts
        assert t("pt_BR", "error.generic") not in texts
        assert any("Corte" in label for label in chat.buttons())  # my bookings lists it
        [booking] = await bookings_of(bot, seed)
        assert booking.status is BookingStatus.CONFIRMED


async def test_a_client_without_bookings_gets_the_main_menu_after_state_loss(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        await seed_business(bot.container)
        chat = bot.chat(4702)
        await chat.send("/start barbearia-central")
        await chat.press_key("menu.book")
        menu = chat.last.message_id
        data = chat.button_data(t("pt_BR", "book.service_item", **CORTE))
        await forget_every_dialog(bot)
        delivery = await chat.press_forged(data, message_id=menu)
        assert delivery.status == 200
        assert t("pt_BR", "error.expired") in chat.bot_texts()
        assert t("pt_BR", "menu.book") in chat.buttons()  # the business was found again
