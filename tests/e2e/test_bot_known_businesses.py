"""/start without a link, in a deployment serving several businesses: the businesses this
Telegram user is a client of, read from the database (not from the chat's FSM data), and never
anybody else's. Both backends.
"""

from __future__ import annotations

from domain import clients
from tests.conftest import Backend
from tests.e2e.bot_harness import RunningBot, Seed, running_bot, seed_business, t
from tests.e2e.test_bot_booking import bookings_of, first_booking

USER = 671


async def _rename(bot: RunningBot, seed: Seed, name: str) -> None:
    async with bot.container.uow_factory() as uow:
        seed.business.name = name
        await uow.businesses.update(seed.business)
        await uow.commit()


async def _make_client(bot: RunningBot, seed: Seed, telegram_user_id: int) -> None:
    """A client row made elsewhere (another device, an FSM that was lost since)."""
    await clients.resolve_client(
        bot.container.uow_factory(),
        business_id=seed.business.id or 0,
        telegram_user_id=telegram_user_id,
    )


async def test_start_lists_the_businesses_this_user_is_a_client_of(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        central = await seed_business(bot.container)
        rosa = await seed_business(bot.container, slug="salao-da-rosa")
        other = await seed_business(bot.container, slug="studio-outro")
        await _rename(bot, rosa, "Salão da Rosa")
        await _rename(bot, other, "Studio Outro")
        await _make_client(bot, central, USER)
        await _make_client(bot, rosa, USER)
        await _make_client(bot, other, USER + 1)  # somebody else's business

        chat = bot.chat(USER)
        await chat.send("/start")  # a fresh chat: nothing in its FSM data
        assert (chat.last.text or "").startswith(t("pt_BR", "start.need_link"))
        assert t("pt_BR", "start.known") in (chat.last.text or "")
        assert set(chat.buttons()) == {"Barbearia Central", "Salão da Rosa"}

        # A forged press for a business this user is no client of opens nothing.
        forged = chat.button_data("Salão da Rosa").rsplit(":", 1)[0] + f":{other.business.id}"
        delivery = await chat.press_forged(forged, message_id=chat.last.message_id)
        assert delivery.status == 200
        assert t("pt_BR", "menu.book") not in chat.buttons()

        await chat.press("Salão da Rosa")
        assert t("pt_BR", "menu.book") in chat.buttons()
        assert "Salão da Rosa" in (chat.last.text or "")


async def test_a_stranger_is_only_asked_for_the_link(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        await seed_business(bot.container)
        await seed_business(bot.container, slug="salao-da-rosa")
        chat = bot.chat(USER + 2, locale="en")
        await chat.send("/start")
        assert chat.last.text == t("en", "start.need_link")
        assert chat.buttons() == []


async def test_after_forget_the_business_is_not_offered_again(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        central = await seed_business(bot.container)
        await seed_business(bot.container, slug="salao-da-rosa")
        chat = bot.chat(USER + 3)
        await first_booking(chat)
        assert len(await bookings_of(bot, central)) == 1
        async with bot.container.uow_factory(read_only=True) as uow:
            known = await uow.clients.businesses_of_telegram_user(USER + 3)
        assert [b.id for b in known] == [central.business.id]
        await chat.send("/forget")
        await chat.press_key("forget.yes")
        async with bot.container.uow_factory(read_only=True) as uow:
            assert await uow.clients.businesses_of_telegram_user(USER + 3) == []
