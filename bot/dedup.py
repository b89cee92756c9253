"""Update de-duplication stores: Redis (SET NX EX) or the database (``processed_updates``).

A claim is first taken with a short lease (``LEASE_SECONDS``), renewed every third of it while
the update is being handled (``renew``, called by the webhook route), and extended to the full
TTL once the update took effect (``done``). If processing fails the claim is released, so
Telegram's redelivery is processed; if the whole process dies mid-update (kill -9, OOM), nobody
renews the lease, it runs out within seconds and the redelivery is processed too — the claim is
tied to the life of the worker holding it. A redelivery that finds the claim still leased
(``in_progress``: the first delivery timed out or its worker died) is answered 503, so
Telegram tries again later instead of dropping it. Duplicates of a finished update are
ignored for the TTL. Both stores work that way: Redis with SET NX EX then EXPIRE/SET, the
database with one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (a lease) then
``UPDATE`` (renewal, TTL).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from redis.asyncio import Redis

from domain.ports import UpdateLogUnitOfWork

TTL_SECONDS = 48 * 3600  # Telegram gives up redelivering after about a day
LEASE_SECONDS = 15  # while an update is being processed; renewed by its worker
RENEW_EVERY_SECONDS = LEASE_SECONDS / 3
PURGE_EVERY = 500  # database log: drop expired rows every this many claims

_WORKING = b"1"  # claimed, being handled under a lease
_DONE = b"done"  # took effect: duplicates are ignored

log = logging.getLogger(__name__)


class RedisDedup:
    def __init__(
        self, redis: Redis, *, prefix: str = "agendei:tg-update", lease_seconds: int = LEASE_SECONDS
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lease = lease_seconds

    def _key(self, bot_id: int, update_id: int) -> str:
        return f"{self._prefix}:{bot_id}:{update_id}"

    async def claim(self, bot_id: int, update_id: int) -> bool:
        return bool(
            await self._redis.set(self._key(bot_id, update_id), _WORKING, nx=True, ex=self._lease)
        )

    async def in_progress(self, bot_id: int, update_id: int) -> bool:
        value = await self._redis.get(self._key(bot_id, update_id))
        return bool(value == _WORKING)

    async def renew(self, bot_id: int, update_id: int) -> None:
        await self._redis.expire(self._key(bot_id, update_id), self._lease)

    async def done(self, bot_id: int, update_id: int) -> None:
        await self._redis.set(self._key(bot_id, update_id), _DONE, ex=TTL_SECONDS)

    async def release(self, bot_id: int, update_id: int) -> None:
        await self._redis.delete(self._key(bot_id, update_id))


class DatabaseDedup:
    def __init__(
        self,
        uow_factory: Callable[..., UpdateLogUnitOfWork],
        clock: Callable[[], datetime],
        *,
        lease_seconds: int = LEASE_SECONDS,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._lease = lease_seconds
        self._claims = 0

    async def claim(self, bot_id: int, update_id: int) -> bool:
        now = self._clock()
        uow = self._uow_factory()
        async with uow:
            fresh = await uow.updates.claim(
                bot_id, update_id, now=now, ttl_seconds=TTL_SECONDS, lease_seconds=self._lease
            )
            self._claims += 1
            if self._claims % PURGE_EVERY == 0:
                purged = await uow.updates.purge_before(now - timedelta(seconds=TTL_SECONDS))
                log.debug("purged %s expired update marks", purged)
            await uow.commit()
            return fresh

    async def in_progress(self, bot_id: int, update_id: int) -> bool:
        uow = self._uow_factory(read_only=True)
        async with uow:
            seen_at = await uow.updates.seen_at(bot_id, update_id)
        if seen_at is None:
            return False
        left = seen_at + timedelta(seconds=TTL_SECONDS) - self._clock()
        return left <= timedelta(seconds=self._lease)  # a lease, not the TTL of a done update

    async def renew(self, bot_id: int, update_id: int) -> None:
        uow = self._uow_factory()
        async with uow:
            await uow.updates.keep(
                bot_id,
                update_id,
                now=self._clock() - timedelta(seconds=TTL_SECONDS - self._lease),
            )
            await uow.commit()

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
