"""The provider runs the day from the chat; clients answer reminders. End to end, both backends.

Everything travels emulator -> webhook route -> dispatcher -> Bot API calls back to the
emulator; notifications go out when the test ticks the app's own poller with its clock.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from domain import booking as use_cases
from domain.linking import issue_link_code
from domain.model import Actor, Booking, BookingSource, BookingStatus
from i18n import load_catalog
from tests.conftest import Backend
from tests.e2e.bot_harness import Chat, RunningBot, Seed, running_bot, seed_business, t
from tests.e2e.test_bot_booking import first_booking, pick_time

OWNER = 7001
CLIENT = 8001
OTHER_CLIENT = 8002
PROVIDER = load_catalog("provider")
# Tuesday 10 March 2026, 10:00 in São Paulo; the app's clock starts Monday 9 March, 09:00.
TUESDAY_10 = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


def p(locale: str, key: str, **values: object) -> str:
    return PROVIDER.text(locale, key, **values)


async def link(bot: RunningBot, seed: Seed, user_id: int, *, staff: str | None = None) -> Chat:
    """A provider opens the link the panel showed them."""
    staff_id = seed.staff[staff].id if staff else None
    code, _ = await issue_link_code(
        bot.container.uow_factory(),
        now=bot.clock(),
        business_id=seed.business.id or 0,
        staff_id=staff_id,
    )
    chat = bot.chat(user_id, locale="pt_BR", first_name="Dono")
    await chat.send(f"/start link-{code}")
    return chat


async def tick(bot: RunningBot) -> None:
    await bot.container.scheduler.poller.tick()


async def get_booking(bot: RunningBot, booking_id: int) -> Booking:
    async with bot.container.uow_factory(read_only=True) as uow:
        booking = await uow.bookings.get(booking_id)
    assert booking is not None
    return booking


async def only_booking(bot: RunningBot, seed: Seed) -> Booking:
    async with bot.container.uow_factory(read_only=True) as uow:
        found = await uow.bookings.for_business_between(
            seed.business.id or 0,
            datetime(2026, 1, 1, tzinfo=UTC),
            datetime(2027, 1, 1, tzinfo=UTC),
        )
    [booking] = found
    return booking


async def book_for(bot: RunningBot, seed: Seed, chat: Chat, start: datetime) -> Booking:
    """A client who opened the business's link, booked straight through the use case."""
    await chat.send("/start barbearia-central")
    async with bot.container.uow_factory(read_only=True) as uow:
        client = await uow.clients.get_by_telegram(seed.business.id or 0, chat.user_id)
    assert client is not None
    return await use_cases.book(
        bot.container.uow_factory(),
        now=bot.clock(),
        business_id=seed.business.id or 0,
        client_id=client.id or 0,
        service_ids=[seed.services["Corte"].id or 0],
        staff_id=seed.staff["Ana"].id,
        start=start,
        source=BookingSource.TELEGRAM,
        idempotency_key=None,
        actor=Actor.client(client.id),
    )


def commands_of(bot: RunningBot, scope: dict[str, object], language: str = "") -> list[str]:
    key = (json.dumps(scope, sort_keys=True), language)
    return [c["command"] for c in bot.emulator.bot(bot.bot_id).commands.get(key, [])]


# ----------------------------------------------------------------------------- linking


async def test_a_provider_links_once_and_gets_commands_only_in_their_chat(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        stranger = bot.chat(7999)
        await stranger.send("/start link-not-a-real-code")
        assert stranger.last.text == p("pt_BR", "link.invalid")

        owner = await link(bot, seed, OWNER)
        assert owner.last.text is not None
        assert owner.last.text.startswith(
            p("pt_BR", "link.done_owner", business="Barbearia Central")
        )
        chat_scope = {"type": "chat", "chat_id": OWNER}
        assert "agenda" in commands_of(bot, chat_scope, "pt")
        assert "agenda" in commands_of(bot, chat_scope, "en")
        assert "agenda" not in commands_of(bot, {"type": "default"}, "pt")

        # The stranger's bad code linked nobody.
        async with bot.container.uow_factory(read_only=True) as uow:
            links = await uow.links.links_for_business(seed.business.id or 0)
        assert [lk.telegram_user_id for lk in links] == [OWNER]


async def test_a_used_code_is_refused(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        code, _ = await issue_link_code(
            bot.container.uow_factory(), now=bot.clock(), business_id=seed.business.id or 0
        )
        first = bot.chat(OWNER)
        await first.send(f"/start link-{code}")
        second = bot.chat(7002, locale="en")
        await second.send(f"/start link-{code}")
        assert second.last.text == p("en", "link.invalid")
        bot.clock.now += timedelta(minutes=16)  # and an expired one too
        code, _ = await issue_link_code(
            bot.container.uow_factory(),
            now=bot.clock() - timedelta(minutes=16),
            business_id=seed.business.id or 0,
        )
        await second.send(f"/start link-{code}")
        assert second.last.text == p("en", "link.invalid")


# ----------------------------------------------------------------------------- commands


async def test_the_provider_confirms_from_pending_then_cancels_with_a_typed_reason(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, manual=True)
        owner = await link(bot, seed, OWNER)
        client = bot.chat(CLIENT, first_name="Maria")
        await first_booking(client, at="11:00")
        booking = await only_booking(bot, seed)
        assert booking.status is BookingStatus.PENDING
        await tick(bot)  # the owner hears about the request
        assert owner.last.text is not None and "Maria" in owner.last.text

        await owner.send("/pending")
        assert p("pt_BR", "pending.title", count=1) in owner.bot_texts()
        await owner.press_data(f"pv:cf:{booking.id}:{booking.version}:0")
        booking = await get_booking(bot, booking.id or 0)  # confirmed: a newer version
        assert booking.status is BookingStatus.CONFIRMED
        await tick(bot)
        assert (client.last.text or "").startswith("✅")

        await owner.send("/agenda hoje")
        line = owner.last.text or ""
        assert "11:00" in line and "Maria Souza" in line and p("pt_BR", "status.confirmed") in line
        await owner.press_data(f"pv:cx:{booking.id}:{booking.version}:0")
        await owner.press(p("pt_BR", "reason.other"))
        assert owner.last.text == p("pt_BR", "reason.ask")
        await owner.send("Energia caiu no salão")
        assert owner.last.text == p("pt_BR", "done.cancelled")
        cancelled = await get_booking(bot, booking.id or 0)
        assert cancelled.status is BookingStatus.CANCELLED
        assert cancelled.reason == "Energia caiu no salão"
        await tick(bot)
        assert "Energia caiu no salão" in (client.last.text or "")


async def test_agenda_marks_completed_and_no_show_after_the_start(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        one = await book_for(bot, seed, bot.chat(CLIENT), datetime(2026, 3, 9, 14, 0, tzinfo=UTC))
        two = await book_for(
            bot, seed, bot.chat(OTHER_CLIENT), datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
        )
        await owner.send("/agenda")
        # Before the start only Cancel (and the agenda's Reschedule) are offered.
        assert owner.buttons() == [p("pt_BR", "button.cancel"), p("pt_BR", "button.reschedule")]
        await owner.send("/next")
        assert "11:00" in (owner.last.text or "")

        bot.clock.now = datetime(2026, 3, 9, 16, 30, tzinfo=UTC)  # 13:30 local
        await owner.send("/agenda 09/03")
        assert p("pt_BR", "button.no_show") in owner.buttons()
        await owner.press_data(f"pv:dn:{one.id}:{one.version}:0")
        await owner.press_data(f"pv:ns:{two.id}:{two.version}:0")
        assert (await get_booking(bot, one.id or 0)).status is BookingStatus.COMPLETED
        assert (await get_booking(bot, two.id or 0)).status is BookingStatus.NO_SHOW
        await owner.send("/agenda hoje")
        assert p("pt_BR", "status.no_show") in (owner.last.text or "")


async def test_block_lists_clashes_without_cancelling_them(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        booking = await book_for(bot, seed, bot.chat(CLIENT), TUESDAY_10)
        await owner.send("/block amanhã 25:00-26:00")
        assert owner.last.text == p("pt_BR", "block.help")

        await owner.send("/block 10/03 09:30-11:00 médico")
        text = owner.last.text or ""
        assert p("pt_BR", "block.clashes") in text and "10:00" in text
        assert (await get_booking(bot, booking.id or 0)).status is BookingStatus.CONFIRMED
        async with bot.container.uow_factory(read_only=True) as uow:
            [off] = await uow.schedule.time_off_between(
                seed.business.id or 0,
                TUESDAY_10 - timedelta(days=1),
                TUESDAY_10 + timedelta(days=1),
            )
        assert (off.start, off.end, off.reason) == (
            datetime(2026, 3, 10, 12, 30, tzinfo=UTC),
            datetime(2026, 3, 10, 14, 0, tzinfo=UTC),
            "médico",
        )


async def test_a_walk_in_is_booked_in_a_few_taps(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, manual=True)
        owner = await link(bot, seed, OWNER)
        await owner.send("/book")
        await owner.press("Corte · 30 min")
        await owner.press(owner.buttons()[0])  # today, Monday: notice does not apply
        assert "09:00" in owner.buttons()
        await owner.press("09:00")
        assert owner.last.text == p("pt_BR", "walkin.name")
        await owner.send("João Balcão")
        await owner.press(p("pt_BR", "walkin.skip_phone"))
        assert (owner.last.text or "").startswith("✅")
        booking = await only_booking(bot, seed)
        assert booking.status is BookingStatus.CONFIRMED  # manual business, yet no request
        assert booking.source is BookingSource.PROVIDER_CHAT
        assert booking.start == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


# ----------------------------------------------------------------------------- outsiders


async def test_a_client_using_provider_commands_and_buttons_changes_nothing(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, manual=True)
        await link(bot, seed, OWNER)
        client = bot.chat(CLIENT, first_name="Maria")
        await first_booking(client, at="11:00")
        booking = await only_booking(bot, seed)

        before = len(client.bot_texts())
        await client.send("/agenda")
        await client.send("/pending")
        await client.send("/book")
        await client.send("/block hoje 10:00-12:00")
        said = client.bot_texts()[before:]
        assert said  # the client experience answered, not silence...
        provider_words = [
            p("pt_BR", "agenda.empty", day=""),
            p("pt_BR", "pending.title", count=1),
            p("pt_BR", "walkin.service"),
            p("pt_BR", "block.help"),
        ]
        for text in said:  # ...and nothing of the provider's
            assert not any(text.startswith(w[:12]) for w in provider_words), text
        menu = client.last
        await client.press_forged(
            f"pv:cf:{booking.id}:{booking.version}:0", message_id=menu.message_id
        )
        await client.press_forged("pw:s:1", message_id=menu.message_id)
        assert (await get_booking(bot, booking.id or 0)).status is BookingStatus.PENDING
        async with bot.container.uow_factory(read_only=True) as uow:
            offs = await uow.schedule.time_off_between(
                seed.business.id or 0, TUESDAY_10 - timedelta(days=2), TUESDAY_10
            )
        assert offs == []


# ----------------------------------------------------------------------------- attendance


async def test_the_client_confirms_attendance_from_the_request(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        client = bot.chat(CLIENT)
        booking = await book_for(bot, seed, client, TUESDAY_10)
        await tick(bot)  # the owner's "new booking" notice
        bot.clock.now = TUESDAY_10 - timedelta(hours=24)
        await tick(bot)
        attend = load_catalog("notify").text("pt_BR", "button.attend")
        assert attend in client.buttons()

        # Another client forging the same button changes nothing.
        other = bot.chat(OTHER_CLIENT)
        await other.send("/start barbearia-central")
        await other.press_forged(
            f"at:ok:{booking.id}:{booking.version}", message_id=other.last.message_id
        )
        assert (await get_booking(bot, booking.id or 0)).attendance_confirmed_at is None

        await client.press(attend)
        confirmed = await get_booking(bot, booking.id or 0)
        assert confirmed.attendance_confirmed_at == bot.clock()
        assert confirmed.status is BookingStatus.CONFIRMED
        assert p("pt_BR", "attend.confirmed") in (client.last.text or "")
        assert client.buttons() == []  # the request is answered
        told = len(owner.bot_texts())
        await tick(bot)
        assert len(owner.bot_texts()) == told + 1  # the provider hears it
        await owner.send("/agenda amanhã")
        assert "10:00" in (owner.last.text or "")


async def test_the_client_cancels_from_the_request_only_within_the_policy(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        early, late = bot.chat(CLIENT), bot.chat(OTHER_CLIENT)
        first = await book_for(bot, seed, early, TUESDAY_10)
        second = await book_for(bot, seed, late, TUESDAY_10 + timedelta(hours=1))
        bot.clock.now = TUESDAY_10 - timedelta(hours=23)  # both requests are due
        await tick(bot)
        cancel = load_catalog("notify").text("pt_BR", "button.cancel")

        await early.press(cancel)
        assert (await get_booking(bot, first.id or 0)).status is BookingStatus.CANCELLED
        assert p("pt_BR", "attend.cancelled") in (early.last.text or "")

        bot.clock.now = TUESDAY_10 + timedelta(minutes=30)  # 30 min before the second visit
        await late.press(cancel)
        assert (await get_booking(bot, second.id or 0)).status is BookingStatus.CONFIRMED
        assert "+55 11 3333-4444" in (late.last.text or "")


async def test_reschedule_from_the_request_opens_the_clients_reschedule_flow(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        client = bot.chat(CLIENT)
        booking = await book_for(bot, seed, client, TUESDAY_10)
        bot.clock.now = TUESDAY_10 - timedelta(hours=24)  # Monday 10:00 local
        await tick(bot)
        await client.press(load_catalog("notify").text("pt_BR", "button.reschedule"))
        await client.press(client.buttons()[0])  # the first day offered: Monday
        await pick_time(client, "16:00")
        assert (client.last.text or "").startswith(t("pt_BR", "review.title_reschedule"))
        await client.press_key("review.confirm")
        moved = await get_booking(bot, booking.id or 0)
        assert moved.start == datetime(2026, 3, 9, 19, 0, tzinfo=UTC)


async def test_book_again_opens_the_booking_flow_for_a_known_client_only(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, manual=True)
        owner = await link(bot, seed, OWNER)
        client = bot.chat(CLIENT, first_name="Maria")
        await first_booking(client, at="11:00")
        booking = await only_booking(bot, seed)
        await owner.send("/pending")
        await owner.press_data(f"pv:dc:{booking.id}:{booking.version}:0")
        await owner.press(p("pt_BR", "reason.closed"))
        await tick(bot)
        assert client.button_data(load_catalog("notify").text("pt_BR", "button.book_again")) == (
            f"bk:{seed.business.id}"
        )
        await client.press(load_catalog("notify").text("pt_BR", "button.book_again"))
        assert t("pt_BR", "book.service_item", name="Corte", minutes=30, price="R$ 45,00") in (
            client.buttons()
        )
        # "Book again" only opens a flow anyone may open from the business's link; forged data
        # naming no business (or one this chat never used) opens nothing.
        stranger = bot.chat(OTHER_CLIENT)
        await stranger.send("oi")
        before = len(stranger.messages)
        await stranger.press_forged("bk:999999", message_id=stranger.last.message_id)
        answers = bot.emulator.chat(bot.bot_id, OTHER_CLIENT).callback_answers
        assert answers[-1].text == p("pt_BR", "attend.not_found")
        assert len(stranger.messages) == before
