"""A booking, cancellation or reschedule made in the chat wakes the scheduler at once, so the
provider hears of it within a moment instead of at the next tick. Both backends.

The scheduler's own ticker is off in these tests (``with_workers=False``); the app's
``wake_scheduler`` part is replaced by one that records the call and runs the app's real poller
right away, as the ticker's wake does. The test itself never ticks.
"""

from __future__ import annotations

import asyncio

from tests.conftest import Backend
from tests.e2e.bot_harness import RunningBot, running_bot, seed_business, t
from tests.e2e.test_bot_booking import first_booking, pick_time
from tests.e2e.test_provider_chat import OWNER, link


class WakeRecorder:
    def __init__(self, bot: RunningBot) -> None:
        self.bot = bot
        self.calls = 0
        self.ticks: list[asyncio.Task[object]] = []

    def __call__(self) -> None:
        self.calls += 1
        self.ticks.append(asyncio.ensure_future(self.bot.container.scheduler.poller.tick()))

    async def settled(self) -> None:
        await asyncio.gather(*self.ticks)


def provider_texts(bot: RunningBot) -> list[str]:
    return [m.text or "" for m in bot.emulator.transcript(bot.bot_id, OWNER) if m.sender == "bot"]


async def test_booking_cancel_and_reschedule_wake_the_scheduler(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        owner = await link(bot, seed, OWNER)
        wake = WakeRecorder(bot)
        bot.container.wake.target = wake
        linked = len(provider_texts(bot))

        chat = bot.chat(901)
        await first_booking(chat, at="15:00")
        assert (chat.last.text or "").startswith("✅")
        assert wake.calls == 1
        await wake.settled()
        after_booking = provider_texts(bot)
        assert len(after_booking) == linked + 1  # "new booking", without anybody ticking
        assert "Maria Souza" in after_booking[-1]
        assert "Corte" in after_booking[-1]

        await chat.press_key("menu.my_bookings")
        await chat.press(chat.buttons()[0])
        await chat.press_key("mine.reschedule")
        await chat.press(chat.buttons()[0])
        await pick_time(chat, "16:00")
        await chat.press_key("review.confirm")
        assert (chat.last.text or "").startswith("🔁")
        assert wake.calls == 2
        await wake.settled()
        assert len(provider_texts(bot)) == linked + 2

        await chat.press_key("menu.my_bookings")
        await chat.press(chat.buttons()[0])
        await chat.press_key("mine.cancel")
        await chat.press_key("mine.cancel_yes")
        assert t("pt_BR", "mine.cancelled") in (chat.last.text or "")
        assert wake.calls == 3
        await wake.settled()
        assert len(provider_texts(bot)) == linked + 3
        assert owner.user_id == OWNER
