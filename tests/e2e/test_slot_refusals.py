"""Two different refusals, two different messages (issue 14 item 1). End to end, both backends.

A time someone else just booked: "Ops, esse horário acabou de ser ocupado." with the nearest
free times. A time that is no longer bookable at all (the provider blocked it while the client
was reviewing): "Esse horário não está disponível para reserva." — telling this client that
someone else just took it would be a lie. Both used to arrive as "taken" (SlotNotOffered was a
kind of SlotTaken).
"""

from __future__ import annotations

from datetime import UTC, datetime

from domain import booking as use_cases
from domain.clients import add_walk_in_client
from domain.model import Actor, BookingSource, TimeOff
from tests.conftest import Backend
from tests.e2e.bot_harness import Chat, RunningBot, Seed, running_bot, seed_business, t
from tests.e2e.test_bot_booking import CORTE, first_booking
from tests.e2e.test_provider_chat import OWNER, link, p

TEN = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # Monday 10:00 in São Paulo


async def _reviewing_ten(chat: Chat) -> None:
    """A client who chose Corte at 10:00 today and is looking at the review."""
    await chat.send("/start barbearia-central")
    await chat.press_key("menu.book")
    await chat.press_key("book.service_item", **CORTE)
    await chat.press(chat.buttons()[0])
    await chat.press("10:00")
    await chat.send("Lenta")
    await chat.send("11987654321")


async def _block_ten(bot: RunningBot, seed: Seed) -> None:
    async with bot.container.uow_factory() as uow:
        await uow.schedule.add_time_off(
            seed.business.id or 0,
            TimeOff(start=TEN, end=TEN.replace(hour=14), reason="dentista"),
        )
        await uow.commit()


async def test_a_time_blocked_meanwhile_is_not_called_taken(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, staff_names=("Ana",))
        slow = bot.chat(507)
        await _reviewing_ten(slow)
        await _block_ten(bot, seed)  # the provider blocks 10:00-11:00

        await slow.press_key("review.confirm")

        text = slow.last.text or ""
        assert text.startswith("Esse horário não está disponível para reserva.")
        assert t("pt_BR", "taken.text") not in text


async def test_a_time_taken_meanwhile_says_so(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        await seed_business(bot.container, staff_names=("Ana",))
        slow, fast = bot.chat(507), bot.chat(508)
        await _reviewing_ten(slow)
        await first_booking(fast, at="10:00")

        await slow.press_key("review.confirm")

        text = slow.last.text or ""
        assert text.startswith("Ops, esse horário acabou de ser ocupado.")
        assert t("pt_BR", "taken.not_offered") not in text


async def _walk_in_at_nine(owner: Chat) -> None:
    """The provider types a walk-in: Corte today at 09:00, up to the client's name."""
    await owner.send("/book")
    await owner.press("Corte · 30 min")
    await owner.press(owner.buttons()[0])  # today, Monday
    await owner.press("09:00")
    await owner.send("João Balcão")


async def test_a_walk_in_at_a_time_blocked_meanwhile_is_not_called_taken(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, staff_names=("Ana",))
        owner = await link(bot, seed, OWNER)
        await _walk_in_at_nine(owner)
        nine = TEN.replace(hour=12)
        async with bot.container.uow_factory() as uow:  # another device blocks 09:00-10:00
            await uow.schedule.add_time_off(
                seed.business.id or 0, TimeOff(start=nine, end=TEN, reason="reunião")
            )
            await uow.commit()

        await owner.press(p("pt_BR", "walkin.skip_phone"))

        assert owner.last.text == p("pt_BR", "walkin.not_offered")
        assert owner.last.text != p("pt_BR", "walkin.taken")


async def test_a_walk_in_at_a_time_taken_meanwhile_says_so(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, staff_names=("Ana",))
        owner = await link(bot, seed, OWNER)
        await _walk_in_at_nine(owner)
        client = await add_walk_in_client(  # another device books 09:00 meanwhile
            bot.container.uow_factory(), business_id=seed.business.id or 0, name="Rápida", phone=""
        )
        await use_cases.book(
            bot.container.uow_factory(),
            now=bot.clock(),
            business_id=seed.business.id or 0,
            client_id=client.id or 0,
            service_ids=[seed.services["Corte"].id or 0],
            staff_id=None,
            start=TEN.replace(hour=12),
            source=BookingSource.PANEL,
            idempotency_key=None,
            actor=Actor.provider(),
            on_behalf_of_provider=True,
        )

        await owner.press(p("pt_BR", "walkin.skip_phone"))

        assert owner.last.text == p("pt_BR", "walkin.taken")
