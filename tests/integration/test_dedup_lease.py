"""A de-dup claim lives as long as the worker holding it: renewed while it works, running out
within a lease when it dies, so Telegram's redelivery of the update is then handled. A finished
update stays refused for the TTL. The database store on both backends (controllable clock);
the Redis store against real Redis (its own expiry, polled with a bound)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from bot.dedup import LEASE_SECONDS, TTL_SECONDS, DatabaseDedup, RedisDedup
from storage.uow import UnitOfWorkFactory
from tests.conftest import REDIS_URL, Backend, postgres_available

BOT = 4242


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_database_claim_of_a_dead_worker_runs_out_a_live_one_does_not(
    backend: Backend, uow_factory: UnitOfWorkFactory
) -> None:
    clock = Clock()
    dedup = DatabaseDedup(uow_factory, clock)
    assert await dedup.claim(BOT, 1)  # worker A takes update 1 and dies
    assert await dedup.claim(BOT, 2)  # worker B takes update 2 and keeps working
    clock.now += timedelta(seconds=LEASE_SECONDS - 2)
    assert not await dedup.claim(BOT, 1)  # a redelivery while A's lease lasts: not now...
    assert await dedup.in_progress(BOT, 1)  # ...but "in progress" (503: Telegram retries)
    await dedup.renew(BOT, 2)
    clock.now += timedelta(seconds=LEASE_SECONDS - 2)
    assert await dedup.claim(BOT, 1)  # A's lease ran out: the redelivery is handled
    assert not await dedup.claim(BOT, 2)  # B renewed: still its own
    await dedup.done(BOT, 2)
    clock.now += timedelta(seconds=TTL_SECONDS - 60)
    assert not await dedup.claim(BOT, 2)  # a finished update stays refused for the TTL
    assert not await dedup.in_progress(BOT, 2)  # as a duplicate (200), not "in progress"


@pytest.mark.skipif(not postgres_available(), reason="Redis not answering")
async def test_redis_claim_of_a_dead_worker_runs_out_a_live_one_does_not() -> None:
    redis = Redis.from_url(REDIS_URL)
    prefix = f"test:dedup:{uuid.uuid4().hex}"
    dedup = RedisDedup(redis, prefix=prefix, lease_seconds=1)
    try:
        assert await dedup.claim(BOT, 1)  # taken, then its worker dies
        assert await dedup.claim(BOT, 2)
        await dedup.done(BOT, 2)
        assert not await dedup.claim(BOT, 1)
        assert await dedup.in_progress(BOT, 1)
        assert not await dedup.in_progress(BOT, 2)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not await dedup.claim(BOT, 1):  # bounded poll: the lease runs out by itself
            assert loop.time() < deadline, "the dead worker's claim never ran out"
            await asyncio.sleep(0.1)
        assert not await dedup.claim(BOT, 2)  # finished: refused for the whole TTL
        assert await redis.ttl(f"{prefix}:{BOT}:2") > TTL_SECONDS - 60
    finally:
        keys = [k async for k in redis.scan_iter(f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
