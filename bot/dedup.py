"""Update de-duplication stores: Redis (SET NX EX) or the database (``processed_updates``).

A claim is first taken with a short lease and extended to the full TTL once the update took
effect (``done``). If processing fails the claim is released, so Telegram's redelivery is
processed; if the whole process dies mid-update, the short lease runs out and the redelivery is
processed too. Both stores work that way: Redis with SET NX EX then EXPIRE, the database with one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (a lease) then one ``UPDATE`` (the full TTL).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from redis.asyncio import Redis

from domain.ports import UpdateLogUnitOfWork

TTL_SECONDS = 48 * 3600  # Telegram gives up redelivering after about a day
LEASE_SECONDS = 120  # while an update is being processed
PURGE_EVERY = 500  # database log: drop expired rows every this many claims

log = logging.getLogger(__name__)


class RedisDedup:
    def __init__(self, redis: Redis, *, prefix: str = "agendei:tg-update") -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, bot_id: int, update_id: int) -> str:
        return f"{self._prefix}:{bot_id}:{update_id}"

    async def claim(self, bot_id: int, update_id: int) -> bool:
        return bool(
            await self._redis.set(self._key(bot_id, update_id), b"1", nx=True, ex=LEASE_SECONDS)
        )

    async def done(self, bot_id: int, update_id: int) -> None:
        await self._redis.expire(self._key(bot_id, update_id), TTL_SECONDS)

    async def release(self, bot_id: int, update_id: int) -> None:
        await self._redis.delete(self._key(bot_id, update_id))


class DatabaseDedup:
    def __init__(
        self, uow_factory: Callable[..., UpdateLogUnitOfWork], clock: Callable[[], datetime]
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._claims = 0

    async def claim(self, bot_id: int, update_id: int) -> bool:
        now = self._clock()
        uow = self._uow_factory()
        async with uow:
            fresh = await uow.updates.claim(
                bot_id, update_id, now=now, ttl_seconds=TTL_SECONDS, lease_seconds=LEASE_SECONDS
            )
            self._claims += 1
            if self._claims % PURGE_EVERY == 0:
                purged = await uow.updates.purge_before(now - timedelta(seconds=TTL_SECONDS))
                log.debug("purged %s expired update marks", purged)
            await uow.commit()
            return fresh

    async def done(self, bot_id: int, update_id: int) -> None:
        uow = self._uow_factory()
        async with uow:
            await uow.updates.keep(bot_id, update_id, now=self._clock())
            await uow.commit()

    async def release(self, bot_id: int, update_id: int) -> None:
        uow = self._uow_factory()
        async with uow:
            await uow.updates.release(bot_id, update_id)
            await uow.commit()
