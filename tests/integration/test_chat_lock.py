"""The per-chat Redis lock dies with its holder: a process killed mid-update leaves the chat
free within a lock lifetime (not aiogram's 60 s), while a live slow handler keeps its lock."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from redis.asyncio import Redis

from bot.isolation import LOCK_SECONDS, KeptRedisEventIsolation
from tests.conftest import REDIS_URL, postgres_available

pytestmark = pytest.mark.skipif(not postgres_available(), reason="Redis not answering")


def _isolation(redis: Redis, prefix: str) -> KeptRedisEventIsolation:
    isolation = KeptRedisEventIsolation(redis, key_builder=DefaultKeyBuilder(prefix=prefix))
    isolation.lock_seconds = 0.6
    return isolation


async def test_a_dead_holder_leaves_the_chat_free_within_a_lock_lifetime() -> None:
    redis = Redis.from_url(REDIS_URL)
    prefix = f"test:lock:{uuid.uuid4().hex}"
    isolation = _isolation(redis, prefix)
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    try:
        # What a killed process leaves behind: the lock, with the lifetime it was given.
        await redis.set(isolation.key_builder.build(key, "lock"), b"dead", px=600)
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with isolation.lock(key):
            waited = loop.time() - started
        assert waited < 5  # bounded by the lock's lifetime, not a minute
    finally:
        await redis.delete(isolation.key_builder.build(key, "lock"))
        await redis.aclose()


async def test_a_live_slow_handler_keeps_its_lock() -> None:
    redis = Redis.from_url(REDIS_URL)
    prefix = f"test:lock:{uuid.uuid4().hex}"
    isolation = _isolation(redis, prefix)
    key = StorageKey(bot_id=1, chat_id=3, user_id=3)
    name = isolation.key_builder.build(key, "lock")
    try:
        async with isolation.lock(key):
            token = await redis.get(name)
            loop = asyncio.get_running_loop()
            held_until = loop.time() + 2 * isolation.lock_seconds
            while loop.time() < held_until:  # a handler twice as long as the lock's lifetime
                assert await redis.get(name) == token, "the lock ran out under a live holder"
                await asyncio.sleep(0.05)
        assert not await redis.exists(name)  # released on the way out
    finally:
        await redis.delete(name)
        await redis.aclose()


async def test_what_a_killed_holder_leaves_lives_seconds_not_a_minute() -> None:
    redis = Redis.from_url(REDIS_URL)
    prefix = f"test:lock:{uuid.uuid4().hex}"
    isolation = KeptRedisEventIsolation(redis, key_builder=DefaultKeyBuilder(prefix=prefix))
    key = StorageKey(bot_id=1, chat_id=4, user_id=4)
    name = isolation.key_builder.build(key, "lock")
    try:
        async with isolation.lock(key):
            assert 0 < await redis.pttl(name) <= LOCK_SECONDS * 1000
    finally:
        await redis.delete(name)
        await redis.aclose()
