"""Two instances share Telegram's send limits through Redis: together they stay within one
chat's 1 message/s, so a Bot API that enforces it (the emulator, like Telegram) never answers
429. Paced per process, as before, both would send at once and meet flood control."""

from __future__ import annotations

import asyncio
import random

import pytest
from redis.asyncio import Redis

from bot.notifier import TelegramNotifier
from bot.send_pacing import RedisSendPacer
from domain.ports import OutgoingMessage
from emulator import RateLimit
from tests.conftest import REDIS_URL, postgres_available
from tests.e2e.emulator_fixtures import emulator_bot, serve_emulator
from tests.integration.scheduler_kit import Sleeps

pytestmark = pytest.mark.skipif(not postgres_available(), reason="Redis not answering")


async def test_two_instances_together_stay_within_a_chats_limit() -> None:
    bot_id = random.randint(10_000_000, 2_000_000_000)
    token = f"{bot_id}:shared-limits"
    redis = Redis.from_url(REDIS_URL)
    prefix = f"test:send:{bot_id}"
    try:
        async with serve_emulator() as (base_url, state):
            state.add_bot(token)
            # A little looser than the pace asked for (1/s): the test machine's scheduling
            # jitter between a granted turn and its arrival must not decide the outcome.
            # Without shared pacing the two instances send at the same moment: 429.
            state.set_rate_limits(per_chat=RateLimit(1, 0.7))
            async with emulator_bot(base_url, token) as one, emulator_bot(base_url, token) as two:
                instances = [
                    TelegramNotifier(
                        bot,
                        sleep=Sleeps(),  # a 429 would be recorded here, not waited out
                        shared=RedisSendPacer(
                            redis, bot_id, global_rate=30, chat_rate=1, prefix=prefix
                        ),
                    )
                    for bot in (one, two)
                ]
                # Connections opened first: a first request's connection set-up would delay
                # its arrival after its turn was granted (pacing is by grant, not arrival).
                await asyncio.gather(one.get_me(), two.get_me())
                sends = [
                    n.send(bot_id, OutgoingMessage(chat_id=9, text=f"{i}-{k}"))
                    for i, n in enumerate(instances)
                    for k in range(2)
                ]
                assert all(await asyncio.gather(*sends))
            received = "\n\n".join(m.text or "" for m in state.transcript(token, 9))
            assert all(received.count(f"{i}-{k}") == 1 for i in range(2) for k in range(2))
        assert [n.flood_waits for n in instances] == [0, 0]
    finally:
        keys = [k async for k in redis.scan_iter(f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
