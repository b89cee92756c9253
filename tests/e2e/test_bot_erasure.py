"""/forget says that upcoming bookings will be cancelled, cancels them and tells the provider;
the past stays in the provider's records without the client's data. Both backends."""

from __future__ import annotations

from domain.model import BookingStatus
from tests.conftest import Backend
from tests.e2e.bot_harness import running_bot, seed_business, t
from tests.e2e.test_bot_booking import first_booking
from tests.e2e.test_provider_chat import OWNER, get_booking, link, only_booking, tick


async def test_forget_cancels_upcoming_bookings_and_tells_the_provider(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        chat = bot.chat(901)
        await first_booking(chat, at="15:00")
        booking = await only_booking(bot, seed)
        await tick(bot)
        told_before = len(owner.bot_texts())

        await chat.send("/forget")
        assert "serão cancelados" in (chat.last.text or "")  # said before, not after
        await chat.press_key("forget.yes")
        assert t("pt_BR", "forget.done") in chat.bot_texts()

        erased = await get_booking(bot, booking.id or 0)
        assert erased.status is BookingStatus.CANCELLED
        async with bot.container.uow_factory(read_only=True) as uow:
            client = await uow.clients.get(erased.client_id)
        assert client is not None and client.telegram_user_id is None and client.phone == ""
        await tick(bot)
        assert len(owner.bot_texts()) == told_before + 1  # the provider hears of the cancellation
