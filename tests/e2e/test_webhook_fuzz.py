"""Hypothesis-generated Telegram updates against the real webhook route and bot.

Updates are drawn from a strategy shaped like Telegram's: messages and button presses with any
text (invisible characters included), any callback data, huge ids, senders that are bots or
not. A fixed seed and a bounded number keep the run repeatable and short. Every answer is below
500, the bot never logs a failed update, and junk never turns into bookings.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.conftest import Backend
from tests.e2e.bot_harness import SECRET, running_bot, seed_business

EXAMPLES = 60
# Chats that exist in the emulator (Telegram only ever sends updates of real chats).
USERS = (8101, 8102, 8103)
TEXTS = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["/start", "/start barbearia-central", "/cancel", "\u200b", "\x00"]),
    st.text(alphabet="\u200b\u202e\u2066\x00\r\t /startbarbeia-cn", max_size=30),
)


def _sender(user_id: int, is_bot: bool, name: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": is_bot, "first_name": name or "X"}


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    user_id = draw(st.sampled_from(USERS))
    sender = _sender(user_id, draw(st.booleans()), draw(st.text(max_size=20)))
    chat = {"id": user_id, "type": "private"}
    message = {
        "message_id": draw(st.integers(1, 2**31)),
        "date": draw(st.integers(0, 2**31)),
        "chat": chat,
        "from": sender,
        "text": draw(TEXTS),
    }
    update_id = draw(st.integers(0, 2**62))
    if draw(st.booleans()):
        return {"update_id": update_id, "message": message}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(draw(st.integers(0, 2**40))),
            "from": sender,
            "chat_instance": "x",
            "message": message,
            "data": draw(st.one_of(st.text(max_size=64), st.just("\x1d"), st.just("pv:cf:9"))),
        },
    }


def _draw_updates() -> list[dict[str, Any]]:
    drawn: list[dict[str, Any]] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(updates())
    def collect(update: dict[str, Any]) -> None:
        drawn.append(update)

    collect()
    return drawn


async def test_generated_updates_never_get_a_5xx_nor_break_the_bot(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        for user_id in USERS:
            await bot.chat(user_id).send("/start barbearia-central")
        caplog.set_level(logging.WARNING)
        statuses = []
        async with httpx.AsyncClient(timeout=30) as http:
            for update in _draw_updates():
                response = await http.post(
                    bot.webhook_url,
                    content=json.dumps(update).encode(),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                )
                statuses.append(response.status_code)
        assert statuses and max(statuses) < 500, statuses
        failed = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
        assert failed == []
        async with bot.container.engine.connect() as conn:
            bookings = await conn.execute(
                text("SELECT count(*) FROM bookings WHERE business_id = :b"),
                {"b": seed.business.id},
            )
            assert bookings.scalar_one() == 0
