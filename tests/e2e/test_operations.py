"""A booking made in the chat shows in /metrics: the update counted and timed, the outcome
"booked", the Bot API calls made, the outbox depth. Both backends."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Backend
from tests.e2e.bot_harness import running_bot, seed_business
from tests.e2e.test_bot_booking import first_booking


def metric(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert found is not None, name
    return float(found.group(1))


async def test_a_booking_shows_in_the_metrics(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        await seed_business(bot.container)
        chat = bot.chat(901)
        await first_booking(chat, at="15:00")
        assert (chat.last.text or "").startswith("✅")
        async with httpx.AsyncClient(base_url=bot.url) as http:  # from 127.0.0.1: allowed
            text = (await http.get("/metrics")).text
        assert metric(text, 'agendei_outcomes_total{outcome="booked"}') == 1.0
        assert metric(text, 'agendei_outcomes_total{outcome="error"}') == 0.0
        assert metric(text, 'agendei_updates_total{result="handled"}') >= 8
        assert metric(text, "agendei_update_seconds_count") >= 8
        assert metric(text, 'agendei_telegram_requests_total{method="sendMessage"}') >= 1
        assert metric(text, "agendei_outbox_depth") >= 1  # the reminders, not yet due
