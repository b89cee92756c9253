"""The morning-after list in the provider's chat: each booking marked from its own row.

End to end on both backends: the app's own poller (planning daily actions) sends the list; the
presses travel emulator -> webhook -> dispatcher and change the bookings.
"""

from __future__ import annotations

from datetime import UTC, datetime

from domain.model import BookingStatus
from tests.conftest import Backend
from tests.e2e.bot_harness import running_bot, seed_business
from tests.e2e.test_provider_chat import (
    CLIENT,
    OTHER_CLIENT,
    OWNER,
    book_for,
    get_booking,
    link,
    p,
    tick,
)

# Monday 9 March 2026 in São Paulo (UTC-3): visits at 11:00 and 12:00 local.
ELEVEN = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
NOON = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
TUESDAY_08 = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


async def test_the_morning_after_list_marks_completed_and_no_show(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        first = await book_for(bot, seed, bot.chat(CLIENT), ELEVEN)
        second = await book_for(bot, seed, bot.chat(OTHER_CLIENT), NOON)
        await tick(bot)

        bot.clock.now = TUESDAY_08
        await tick(bot)
        text = owner.last.text or ""
        assert text.startswith("🧾 Ontem") and "11:00" in text and "12:00" in text
        completed, no_show = p("pt_BR", "button.completed"), p("pt_BR", "button.no_show")
        assert owner.buttons() == [
            f"1 · {completed}",
            f"1 · {no_show}",
            f"2 · {completed}",
            f"2 · {no_show}",
        ]

        await owner.press(f"1 · {completed}")
        assert (await get_booking(bot, first.id or 0)).status is BookingStatus.COMPLETED
        # Only the pressed booking's row is gone; the other one is still pressable.
        assert owner.buttons() == [f"2 · {completed}", f"2 · {no_show}"]
        assert f"1 · {p('pt_BR', 'done.completed')}" in (owner.last.text or "")

        await owner.press(f"2 · {no_show}")
        assert (await get_booking(bot, second.id or 0)).status is BookingStatus.NO_SHOW
        assert owner.buttons() == []

        # A stale press (the booking is already marked) changes nothing.
        await owner.press_forged(
            f"pv:dn:{second.id}:{second.version}:1", message_id=owner.last.message_id
        )
        assert (await get_booking(bot, second.id or 0)).status is BookingStatus.NO_SHOW


async def test_a_stranger_pressing_a_morning_after_button_changes_nothing(
    backend: Backend,
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        await link(bot, seed, OWNER)
        booking = await book_for(bot, seed, bot.chat(CLIENT), ELEVEN)
        bot.clock.now = TUESDAY_08
        await tick(bot)
        stranger = bot.chat(OTHER_CLIENT)
        await stranger.send("oi")
        await stranger.press_forged(
            f"pv:ns:{booking.id}:{booking.version}:1", message_id=stranger.last.message_id
        )
        assert (await get_booking(bot, booking.id or 0)).status is BookingStatus.CONFIRMED
