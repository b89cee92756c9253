"""The client's conversation end to end: real webhook route, real aiogram HTTP client, emulator.

Every test runs on SQLite and on PostgreSQL + Redis (the ``backend`` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage

from domain.model import Booking, BookingStatus
from tests.conftest import Backend
from tests.e2e.bot_harness import Chat, RunningBot, Seed, running_bot, seed_business, t

CORTE = {"name": "Corte", "minutes": 30, "price": "R$ 45,00"}
CORTE_EN = {"name": "Corte", "minutes": 30, "price": "R$45.00"}


async def bookings_of(bot: RunningBot, seed: Seed) -> list[Booking]:
    uow = bot.container.uow_factory(read_only=True)
    async with uow:
        assert seed.business.id is not None
        return await uow.bookings.for_business_between(
            seed.business.id,
            datetime(2020, 1, 1, tzinfo=UTC),
            datetime(2030, 1, 1, tzinfo=UTC),
        )


async def pick_time(chat: Chat, at: str) -> None:
    """Tap ``at``, opening its period first when the times are grouped."""
    if at not in chat.buttons():
        hour = int(at[:2])
        period = "m" if hour < 12 else "a" if hour < 18 else "e"
        await chat.press_key(f"book.period_{period}")
    await chat.press(at)


async def first_booking(chat: Chat, *, at: str = "10:00", slug: str = "barbearia-central") -> None:
    """A first-time client: deep link, Book, Corte, first day, ``at``, name, phone, Confirm."""
    await chat.send(f"/start {slug}")
    await chat.press_key("menu.book")
    await chat.press_key("book.service_item", **(CORTE if chat.locale == "pt_BR" else CORTE_EN))
    await chat.press(chat.buttons()[0])
    await pick_time(chat, at)
    assert chat.last.text == t(chat.locale, "name.ask")
    await chat.send("Maria Souza")
    assert chat.last.text == t(chat.locale, "phone.ask")
    await chat.send("(11) 98765-4321")
    await chat.press_key("review.confirm")


async def test_first_time_client_books_through_the_deep_link(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        chat = bot.chat(501, first_name="Maria")
        await chat.send("/start barbearia-central")
        assert t("pt_BR", "start.welcome", business="Barbearia Central") in chat.bot_texts()
        await chat.press_key("menu.book")
        await chat.press_key("book.service_item", **CORTE)
        await chat.press(chat.buttons()[0])  # Monday 9 March: times after the notice remain
        await chat.press("10:00")
        await chat.press_key("name.use_telegram", first_name="Maria")
        await chat.share_contact("5511987654321")  # clients send it without "+"
        review = chat.last.text or ""
        assert "Corte" in review and "R$ 45,00" in review and "Rua Augusta" in review
        assert "10:00" in review and "2 h" in review
        await chat.press_key("review.confirm")
        assert (chat.last.text or "").startswith("✅")
        [booking] = await bookings_of(bot, seed)
        assert booking.status is BookingStatus.CONFIRMED
        assert booking.start == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
        uow = bot.container.uow_factory(read_only=True)
        async with uow:
            client = await uow.clients.get(booking.client_id)
        assert client is not None
        assert (client.name, client.phone) == ("Maria", "+5511987654321")


async def test_returning_client_books_in_five_taps_and_manual_business_requests(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, manual=True)
        chat = bot.chat(502, locale="en")
        await first_booking(chat)
        assert (chat.last.text or "").startswith("📨")  # Requested — the business will confirm
        await chat.press_key("nav.main_menu")
        taps = 0
        for label in (
            t("en", "menu.book"),
            t("en", "book.service_item", **CORTE_EN),
            None,  # the first day with free times
            "11:00",
            t("en", "review.confirm"),
        ):
            await chat.press(label or chat.buttons()[0])
            taps += 1
        assert taps <= 5
        assert t("en", "result.requested", business="Barbearia Central", when="x").split("—")[
            0
        ] in (chat.last.text or "")
        bookings = await bookings_of(bot, seed)
        assert [b.status for b in bookings] == [BookingStatus.PENDING] * 2


async def test_multi_service_with_a_chosen_professional(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        chat = bot.chat(503)
        await chat.send("/start barbearia-central")
        await chat.press_key("menu.book")
        await chat.press_key("book.service_item", **CORTE)
        await chat.press_key("book.add_service")
        await chat.press_key("book.service_item", name="Barba", minutes=30, price="R$ 30,00")
        await chat.press_key("book.change_staff")
        await chat.press("Bruno")
        assert "Corte + Barba" in (chat.last.text or "") and "Bruno" in (chat.last.text or "")
        await chat.press(chat.buttons()[0])
        await chat.press_key("book.period_a")  # many times: grouped, morning first
        await chat.press("14:00")
        await chat.send("João")
        await chat.send("11987654321")
        assert "R$ 75,00" in (chat.last.text or "") and "60 min" in (chat.last.text or "")
        await chat.press_key("review.confirm")
        [booking] = await bookings_of(bot, seed)
        assert booking.staff_id == seed.staff["Bruno"].id
        assert [i.name for i in booking.items] == ["Corte", "Barba"]


async def test_calendar_pages_by_month_and_times_group_by_period(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        await seed_business(bot.container)
        chat = bot.chat(504)
        await chat.send("/start barbearia-central")
        await chat.press_key("menu.book")
        await chat.press_key("book.service_item", **CORTE)
        assert "Março 2026" in (chat.last.text or "") or "março" in (chat.last.text or "").lower()
        assert "dom" not in " ".join(chat.buttons()).lower()  # closed on Sundays
        await chat.press_key("book.next_month")
        assert "abril" in (chat.last.text or "").lower()
        await chat.press_key("book.prev_month")
        await chat.press(chat.buttons()[1])  # Tuesday: 18 free half hours
        assert t("pt_BR", "book.period_m").join(["• ", ""]) in chat.buttons()
        assert "09:00" in chat.buttons() and "14:00" not in chat.buttons()
        await chat.press_key("book.period_a")
        assert "14:00" in chat.buttons() and "09:00" not in chat.buttons()


async def test_my_bookings_reschedule_and_cancel(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        chat = bot.chat(505)
        await first_booking(chat, at="15:00")
        await chat.press_key("menu.my_bookings")
        await chat.press(chat.buttons()[0])
        assert "15:00" in (chat.last.text or "")
        await chat.press_key("mine.reschedule")
        await chat.press(chat.buttons()[0])
        await pick_time(chat, "16:00")
        assert chat.last.text and chat.last.text.startswith(t("pt_BR", "review.title_reschedule"))
        await chat.press_key("review.confirm")
        assert (chat.last.text or "").startswith("🔁")
        [booking] = await bookings_of(bot, seed)
        assert booking.start == datetime(2026, 3, 9, 19, 0, tzinfo=UTC)

        await chat.press_key("menu.my_bookings")
        await chat.press(chat.buttons()[0])
        await chat.press_key("mine.cancel")
        await chat.press_key("mine.cancel_yes")
        assert t("pt_BR", "mine.cancelled") in (chat.last.text or "")
        [booking] = await bookings_of(bot, seed)
        assert booking.status is BookingStatus.CANCELLED
        await chat.press_key("mine.past")
        assert "cancelado" in (chat.last.text or "")


async def test_too_late_to_cancel_shows_the_business_contact(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        chat = bot.chat(506)
        await first_booking(chat, at="15:00")
        bot.clock.now = datetime(2026, 3, 9, 17, 30, tzinfo=UTC)  # 14:30 local, 30 min before
        await chat.press_key("nav.main_menu")
        await chat.press_key("menu.my_bookings")
        await chat.press(chat.buttons()[0])
        await chat.press_key("mine.cancel")
        assert "+55 11 3333-4444" in (chat.last.text or "")
        [booking] = await bookings_of(bot, seed)
        assert booking.status is BookingStatus.CONFIRMED


async def test_time_taken_meanwhile_offers_the_nearest_free_times(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, staff_names=("Ana",))
        slow, fast = bot.chat(507), bot.chat(508)
        await slow.send("/start barbearia-central")
        await slow.press_key("menu.book")
        await slow.press_key("book.service_item", **CORTE)
        await slow.press(slow.buttons()[0])
        await slow.press("10:00")
        await slow.send("Lenta")
        await slow.send("11987654321")
        await first_booking(fast, at="10:00")  # takes 10:00 while the first one reviews
        await slow.press_key("review.confirm")
        assert (slow.last.text or "").startswith(t("pt_BR", "taken.text"))
        nearest = [b for b in slow.buttons() if b.endswith(("10:30", "11:00", "11:30"))]
        assert len(nearest) == 3
        await slow.press(nearest[0])
        await slow.press_key("review.confirm")
        assert (slow.last.text or "").startswith("✅")
        starts = sorted(b.start for b in await bookings_of(bot, seed))
        assert starts == [
            datetime(2026, 3, 9, 13, 0, tzinfo=UTC),
            datetime(2026, 3, 9, 13, 30, tzinfo=UTC),
        ]


async def test_everything_in_dialog_state_is_json(backend: Backend) -> None:
    async with running_bot(backend, fsm_storage=JsonMemoryStorage()) as bot:
        seed = await seed_business(bot.container)
        chat = bot.chat(509)
        await first_booking(chat, at="15:00")  # outside the 2 h window: may be moved
        await chat.press_key("menu.my_bookings")
        await chat.press(chat.buttons()[0])
        await chat.press_key("mine.reschedule")
        await chat.press(chat.buttons()[0])
        await pick_time(chat, "12:00")
        await chat.press_key("review.confirm")
        [booking] = await bookings_of(bot, seed)
        assert booking.start == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
