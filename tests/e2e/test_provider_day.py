"""The provider's day in the chat (issue 15), end to end through the webhook and the emulator.

/help for a provider, provider texts in the business's language, day titles, the agenda's
navigation, attendance and the actions on each booking; rebooking from a finished visit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import booking as use_cases
from domain.linking import issue_link_code
from domain.model import Actor, BookingSource, BookingStatus, Service
from i18n import load_catalog
from tests.conftest import Backend
from tests.e2e.bot_harness import Chat, running_bot, seed_business, t
from tests.e2e.test_bot_booking import first_booking
from tests.e2e.test_provider_chat import (
    CLIENT,
    OTHER_CLIENT,
    OWNER,
    TUESDAY_10,
    book_for,
    get_booking,
    link,
    p,
    tick,
)

NOTIFY = load_catalog("notify")


async def test_help_shows_a_provider_their_commands_and_a_client_the_clients(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        await owner.send("/help")
        text = owner.last.text or ""
        assert text.startswith(p("pt_BR", "help.title", business="Barbearia Central"))
        for command in ("/agenda", "/pending", "/next", "/block", "/book"):
            assert command in text
        assert t("pt_BR", "menu.book") not in owner.buttons()  # not the client's menu

        client = bot.chat(CLIENT)
        await client.send("/start barbearia-central")
        await client.send("/help")
        said = client.bot_texts()
        assert any(s.startswith(t("pt_BR", "help.client")) for s in said)
        assert not any("/agenda" in s for s in said)


async def test_provider_texts_follow_the_business_language_not_the_phone(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)  # a pt-BR business
        code, _ = await issue_link_code(
            bot.container.uow_factory(), now=bot.clock(), business_id=seed.business.id or 0
        )
        owner = bot.chat(OWNER, locale="en")  # the owner's phone is in English
        await owner.send(f"/start link-{code}")
        assert (owner.last.text or "").startswith(
            p("pt_BR", "link.done_owner", business="Barbearia Central")
        )
        await owner.send("/pending")
        assert owner.last.text == "Nenhum pedido aguardando. 👍"
        await owner.send("/next")
        assert owner.last.text == "Nenhum agendamento pela frente."


async def test_a_day_title_never_doubles_the_period(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        await owner.send("/agenda 07/12")
        text = next(s for s in owner.bot_texts() if s.startswith("📅 Nenhum"))
        assert ".." not in text
        assert text == "📅 Nenhum agendamento em segunda-feira, 7 de dezembro."


async def test_the_greeting_reads_well(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        await seed_business(bot.container)
        client = bot.chat(CLIENT)
        await client.send("/start barbearia-central")
        assert "Bem-vindo(a)! Você está em Barbearia Central." in client.bot_texts()
        assert not any("Bem-vindo(a) a " in s for s in client.bot_texts())


def all_callback_data(chat: Chat) -> list[str]:
    out = []
    for message in chat.messages:
        markup = message.reply_markup or {}
        for row in markup.get("inline_keyboard", []):
            out += [b["callback_data"] for b in row if "callback_data" in b]
    return out


async def test_the_agenda_moves_between_days_and_shows_who_confirmed(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        maria = bot.chat(CLIENT, first_name="Maria")
        joao = bot.chat(OTHER_CLIENT, first_name="João")
        first = await book_for(bot, seed, maria, TUESDAY_10)
        await book_for(bot, seed, joao, TUESDAY_10 + timedelta(hours=2))

        await owner.send("/agenda")  # Monday: nothing yet
        assert owner.last.text == p("pt_BR", "agenda.empty", day="segunda-feira, 9 de março")
        await owner.press(p("pt_BR", "agenda.tomorrow"))
        cards = [s for s in owner.bot_texts() if "10:00–10:30" in s]
        assert cards and p("pt_BR", "attendance.waiting") in cards[-1]
        assert p("pt_BR", "agenda.message", client=p("pt_BR", "agenda.no_name")) in cards[-1]

        # Maria answers the attendance request; João says he can't come.
        bot.clock.now = TUESDAY_10 - timedelta(hours=21)  # both requests are due
        await tick(bot)
        await maria.press(NOTIFY.text("pt_BR", "button.attend"))
        await joao.press(NOTIFY.text("pt_BR", "button.cancel"))
        await owner.send("/agenda amanhã")
        texts = owner.bot_texts()
        maria_card = next(s for s in reversed(texts) if "10:00–10:30" in s)
        joao_card = next(s for s in reversed(texts) if "12:00–12:30" in s)
        assert p("pt_BR", "attendance.confirmed") in maria_card
        assert p("pt_BR", "attendance.cant_come") in joao_card
        assert (await get_booking(bot, first.id or 0)).attendance_confirmed_at is not None

        # ▶ a day, ◀ back, and the week with a count per day.
        await owner.press("11/03 ▶")
        assert owner.last.text == p("pt_BR", "agenda.empty", day="quarta-feira, 11 de março")
        await owner.press(p("pt_BR", "agenda.week"))
        assert (owner.last.text or "").startswith("🗓")
        assert "ter. 10/03 · 1" in owner.buttons()
        await owner.press("ter. 10/03 · 1")
        assert any("10:00–10:30" in s for s in owner.bot_texts()[-3:])
        assert all(len(d.encode()) <= 64 for d in all_callback_data(owner))


async def test_the_provider_reschedules_from_the_agenda_to_a_free_time(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        client = bot.chat(CLIENT, first_name="Maria")
        booking = await book_for(bot, seed, client, TUESDAY_10)
        await owner.send("/agenda amanhã")
        await owner.press(p("pt_BR", "button.reschedule"))
        assert owner.last.text == p("pt_BR", "reschedule.times", day="terça-feira, 10 de março")
        assert "10:00" not in owner.buttons() and "14:00" in owner.buttons()
        await owner.press("14:00")
        moved = await get_booking(bot, booking.id or 0)
        assert moved.start == datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
        assert moved.status is BookingStatus.CONFIRMED
        assert owner.last.text == p(
            "pt_BR", "reschedule.done", day="terça-feira, 10 de março", time="14:00"
        )
        await tick(bot)
        assert "14:00" in (client.last.text or "")


async def test_a_finished_visit_is_booked_again_in_three_taps(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        client = bot.chat(CLIENT, first_name="Maria")
        visit = await book_for(bot, seed, client, datetime(2026, 3, 9, 14, 0, tzinfo=UTC))
        bot.clock.now = datetime(2026, 3, 9, 14, 40, tzinfo=UTC)  # 11:40, the visit is over
        await owner.send("/agenda")  # 1
        await owner.press(p("pt_BR", "button.book_again"))  # 2
        # The same weekday and time first: next Monday at 11:00.
        assert owner.buttons()[0] == "16/03 11:00"
        await owner.press("16/03 11:00")  # 3
        assert (owner.last.text or "").startswith("✅")
        async with bot.container.uow_factory(read_only=True) as uow:
            mine = await uow.bookings.for_client(visit.client_id)
        again = [b for b in mine if b.id != visit.id]
        assert [(b.start, b.service_ids, b.staff_id, b.status) for b in again] == [
            (
                datetime(2026, 3, 16, 14, 0, tzinfo=UTC),
                visit.service_ids,
                visit.staff_id,
                BookingStatus.CONFIRMED,
            )
        ]


async def test_no_shows_hold_a_clients_requests_until_the_provider_forgives(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)  # automatic confirmation
        async with bot.container.uow_factory() as uow:
            business = await uow.businesses.get(seed.business.id or 0)
            assert business is not None
            business.policies.no_show_limit = 2
            business.policies.no_show_window_days = 90
            await uow.businesses.update(business)
            await uow.commit()
        owner = await link(bot, seed, OWNER)
        client = bot.chat(CLIENT, first_name="Maria")
        missed = [
            await book_for(bot, seed, client, datetime(2026, 3, 9, hour, 0, tzinfo=UTC))
            for hour in (14, 15)
        ]
        bot.clock.now = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # 13:00 local
        for booking in missed:
            await use_cases.mark_no_show(
                bot.container.uow_factory(),
                now=bot.clock(),
                business_id=seed.business.id or 0,
                booking_id=booking.id or 0,
                actor=Actor.provider(),
            )

        await first_booking(client, at="17:00")
        told = client.last.text or ""
        assert told.startswith("📨") and "faltas recentes" in told  # told politely why
        async with bot.container.uow_factory(read_only=True) as uow:
            mine = await uow.bookings.for_client(missed[0].client_id)
        [held] = [b for b in mine if b.id not in {m.id for m in missed}]
        assert held.status is BookingStatus.PENDING

        await owner.send("/pending")
        card = owner.last.text or ""
        assert p("pt_BR", "agenda.held") in card
        await owner.press(p("pt_BR", "button.forgive"))
        assert p("pt_BR", "done.forgiven") in (owner.last.text or "")
        async with bot.container.uow_factory(read_only=True) as uow:
            forgiven = await uow.clients.get(missed[0].client_id)
        assert forgiven is not None and forgiven.no_shows_forgiven_at == bot.clock()

        again = await book_for(bot, seed, client, datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
        assert again.status is BookingStatus.CONFIRMED


async def test_a_class_shows_seats_left_and_a_service_can_need_approval(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)  # automatic confirmation
        async with bot.container.uow_factory() as uow:
            yoga = await uow.services.add(
                Service(
                    business_id=seed.business.id or 0,
                    name="Yoga",
                    duration_minutes=60,
                    price_minor=3000,
                    capacity=3,
                    position=2,
                )
            )
            ana = seed.staff["Ana"]
            ana.service_ids.add(yoga.id or 0)
            await uow.staff.update(ana)
            await uow.commit()
        for user in (CLIENT, OTHER_CLIENT):
            chat = bot.chat(user)
            await chat.send("/start barbearia-central")
            async with bot.container.uow_factory(read_only=True) as uow:
                client = await uow.clients.get_by_telegram(seed.business.id or 0, user)
            assert client is not None
            await use_cases.book(
                bot.container.uow_factory(),
                now=bot.clock(),
                business_id=seed.business.id or 0,
                client_id=client.id or 0,
                service_ids=[yoga.id or 0],
                staff_id=ana.id,
                start=TUESDAY_10,
                source=BookingSource.TELEGRAM,
                idempotency_key=None,
                actor=Actor.client(client.id),
            )
        third = bot.chat(8003)
        await third.send("/start barbearia-central")
        await third.press_key("menu.book")
        await third.press_key("book.service_item", name="Yoga", minutes=60, price="R$ 30,00")
        await third.press_key("book.day_item", day=10, weekday="ter.")
        assert "10:00 · 1 vaga(s)" in third.buttons()  # two of three seats taken
        assert "11:00 · 3 vaga(s)" in third.buttons()

        # Manual approval per service, in an automatic business.
        async with bot.container.uow_factory() as uow:
            yoga.needs_approval = True
            await uow.services.update(yoga)
            await uow.commit()
        async with bot.container.uow_factory(read_only=True) as uow:
            client = await uow.clients.get_by_telegram(seed.business.id or 0, CLIENT)
        assert client is not None
        waiting = await use_cases.book(
            bot.container.uow_factory(),
            now=bot.clock(),
            business_id=seed.business.id or 0,
            client_id=client.id or 0,
            service_ids=[yoga.id or 0],
            staff_id=ana.id,
            start=TUESDAY_10 + timedelta(days=1),
            source=BookingSource.TELEGRAM,
            idempotency_key=None,
            actor=Actor.client(client.id),
        )
        assert waiting.status is BookingStatus.PENDING
        corte = await book_for(bot, seed, bot.chat(CLIENT), TUESDAY_10 + timedelta(hours=3))
        assert corte.status is BookingStatus.CONFIRMED  # other services stay automatic
