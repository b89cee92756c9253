"""A button acts only on the booking as it was when the button was drawn. End to end, both backends.

The bug (issue 11 item 4): the provider's "Cancel" under an /agenda message sent before the
client rescheduled cancelled the moved booking. Every booking button now carries the booking's
version; a press on an older version changes nothing and shows the booking as it is now, with
buttons that work. Presses here go by the label on a given message, as a person would tap them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import booking as use_cases
from domain.model import Actor, Booking, BookingStatus
from i18n import load_catalog
from tests.conftest import Backend
from tests.e2e.bot_harness import Chat, RunningBot, running_bot, seed_business
from tests.e2e.test_bot_booking import pick_time
from tests.e2e.test_provider_chat import (
    CLIENT,
    OWNER,
    TUESDAY_10,
    book_for,
    get_booking,
    link,
    p,
    tick,
)

TUESDAY_14 = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)  # 14:00 in São Paulo
TUESDAY_15 = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
NOTIFY = load_catalog("notify")


async def _client_moves(bot: RunningBot, chat: Chat, booking: Booking) -> None:
    """The client moves the booking to Tuesday 14:00 in the bot: My bookings, Reschedule."""
    await chat.send("/start barbearia-central")
    await chat.press_key("menu.my_bookings")
    await chat.press(chat.buttons()[0])  # the booking
    await chat.press_key("mine.reschedule")
    await chat.press(chat.buttons()[1])  # Tuesday 10 (Monday 9, today, comes first)
    await pick_time(chat, "14:00")
    await chat.press_key("review.confirm")
    moved = await get_booking(bot, booking.id or 0)
    assert moved.start == TUESDAY_14


def _changed(domain: str, locale: str, when: str, status: str) -> str:
    """What the presser reads: "Esta reserva mudou: agora é terça-feira, 10 mar. 14:00, ..."."""
    catalog = load_catalog(domain)
    status_text = catalog.text(locale, f"changed.status.{status}")
    return catalog.text(locale, "changed.now", when=when, status=status_text)


def _buttons_of(chat: Chat, message_id: int) -> list[str]:
    record = chat.state.chat(chat.bot.bot_id, chat.user_id).find(message_id)
    assert record is not None
    return chat.buttons(record)


async def test_a_stale_provider_cancel_after_the_client_moved_the_booking_changes_nothing(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        client = bot.chat(CLIENT, first_name="Maria")
        booking = await book_for(bot, seed, client, TUESDAY_10)
        await owner.send("/agenda 10/03")
        drawn = owner.last  # "10:00–10:30 ... confirmado" with [Cancelar] [Remarcar]
        assert owner.buttons(drawn) == [
            p("pt_BR", "button.cancel"),
            p("pt_BR", "button.reschedule"),
        ]

        await _client_moves(bot, client, booking)  # to 14:00
        await owner.press(p("pt_BR", "button.cancel"), message_id=drawn.message_id)

        now = await get_booking(bot, booking.id or 0)
        assert now.status is BookingStatus.CONFIRMED and now.start == TUESDAY_14
        assert owner.last.text == (
            "Esta reserva mudou: agora é terça-feira, 10 mar. 14:00, confirmada."
        )
        assert _buttons_of(owner, drawn.message_id) == []  # the stale buttons are gone
        # The fresh buttons act on the booking as it is now.
        assert owner.buttons() == [p("pt_BR", "button.cancel")]
        await owner.press(p("pt_BR", "button.cancel"))
        await owner.press(p("pt_BR", "reason.unavailable"))
        assert (await get_booking(bot, booking.id or 0)).status is BookingStatus.CANCELLED


async def test_a_stale_agenda_move_after_the_client_moved_the_booking_changes_nothing(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        client = bot.chat(CLIENT, first_name="Maria")
        booking = await book_for(bot, seed, client, TUESDAY_10)
        await owner.send("/agenda 10/03")
        await owner.press(p("pt_BR", "button.reschedule"))
        times = owner.last  # the free times of that Tuesday, drawn for the 10:00 booking
        assert "15:00" in owner.buttons(times)

        await _client_moves(bot, client, booking)  # to 14:00
        await owner.press("15:00", message_id=times.message_id)

        now = await get_booking(bot, booking.id or 0)
        assert now.status is BookingStatus.CONFIRMED and now.start == TUESDAY_14
        assert owner.last.text == (
            "Esta reserva mudou: agora é terça-feira, 10 mar. 14:00, confirmada."
        )
        assert _buttons_of(owner, times.message_id) == []  # the stale times are gone


async def test_a_reason_picked_after_the_client_moved_the_booking_changes_nothing(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        client = bot.chat(CLIENT, first_name="Maria")
        booking = await book_for(bot, seed, client, TUESDAY_10)
        await owner.send("/agenda 10/03")
        await owner.press(p("pt_BR", "button.cancel"))  # the reasons are shown...
        reasons = owner.last
        await _client_moves(bot, client, booking)  # ...and then the client moves it

        await owner.press(p("pt_BR", "reason.unavailable"), message_id=reasons.message_id)

        now = await get_booking(bot, booking.id or 0)
        assert now.status is BookingStatus.CONFIRMED and now.start == TUESDAY_14
        assert now.reason == ""
        assert owner.last.text == _changed(
            "provider", "pt_BR", "terça-feira, 10 mar. 14:00", "confirmed"
        )
        assert owner.buttons() == [p("pt_BR", "button.cancel")]


async def test_a_stale_attendance_cancel_after_the_provider_moved_the_booking(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        client = bot.chat(CLIENT, locale="en")
        booking = await book_for(bot, seed, client, TUESDAY_10)
        bot.clock.now = TUESDAY_10 - timedelta(hours=23)
        await tick(bot)  # the attendance request, with I'll be there / Reschedule / Cancel
        request = client.last
        cancel = NOTIFY.text("en", "button.cancel")
        assert cancel in client.buttons(request)

        await use_cases.reschedule(  # the provider moves it to 15:00
            bot.container.uow_factory(),
            now=bot.clock(),
            business_id=seed.business.id or 0,
            booking_id=booking.id or 0,
            new_start=TUESDAY_15,
            actor=Actor.provider(),
        )
        await client.press(cancel, message_id=request.message_id)

        now = await get_booking(bot, booking.id or 0)
        assert now.status is BookingStatus.CONFIRMED and now.start == TUESDAY_15
        assert client.last.text == (
            "This booking changed: it is now Tuesday, 10 Mar 15:00, confirmed."
        )
        # Fresh answers for the booking as it is now; the old ones are gone.
        assert cancel in client.buttons()
        assert _buttons_of(client, request.message_id) == []
        await client.press(NOTIFY.text("en", "button.attend"))
        assert (await get_booking(bot, booking.id or 0)).attendance_confirmed_at == bot.clock()


async def test_a_stale_cancel_in_my_bookings_after_the_provider_moved_the_booking(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        client = bot.chat(CLIENT)
        booking = await book_for(bot, seed, client, TUESDAY_10)
        await client.press_key("menu.my_bookings")
        await client.press(client.buttons()[0])  # the booking's detail: Reschedule / Cancel
        await use_cases.reschedule(  # the provider moves it to 14:00
            bot.container.uow_factory(),
            now=bot.clock(),
            business_id=seed.business.id or 0,
            booking_id=booking.id or 0,
            new_start=TUESDAY_14,
            actor=Actor.provider(),
        )
        await client.press_key("mine.cancel")

        now = await get_booking(bot, booking.id or 0)
        assert now.status is BookingStatus.CONFIRMED and now.start == TUESDAY_14
        text = client.last.text or ""
        assert text.startswith(_changed("bot", "pt_BR", "terça-feira, 10 mar. 14:00", "confirmed"))
        # The detail is drawn again for the booking as it is now; its Cancel works.
        await client.press_key("mine.cancel")
        await client.press_key("mine.cancel_yes")
        assert (await get_booking(bot, booking.id or 0)).status is BookingStatus.CANCELLED
