"""Per-chat isolation of updates (one update of a chat at a time, across instances) with a
Redis lock that dies with its holder.

aiogram's ``RedisEventIsolation`` takes a lock with a 60 s timeout and waits for it forever: a
process killed while handling an update froze that chat for up to a minute, and a handler
longer than the timeout lost its lock silently. Here the lock lives ``LOCK_SECONDS`` and is
extended every third of that while the handler runs, so a dead holder frees the chat within
seconds and a slow handler keeps it. Waiting for the lock is bounded too: past
``WAIT_SECONDS`` the update fails with redis' ``LockError`` — an outage, so the webhook answers
503 and Telegram redelivers it later, instead of holding a request open.

Releasing never replaces the handler's outcome: if the lock was lost meanwhile (Redis
restarted under it), the work is done (or its own error propagates); a warning is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

LOCK_SECONDS = 6.0
WAIT_SECONDS = 20.0

log = logging.getLogger(__name__)


class KeptRedisEventIsolation(RedisEventIsolation):
    lock_seconds = LOCK_SECONDS
    wait_seconds = WAIT_SECONDS

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock = Lock(
            self.redis,
            self.key_builder.build(key, "lock"),
            timeout=self.lock_seconds,
            sleep=0.05,
            blocking_timeout=self.wait_seconds,
        )
        if not await lock.acquire():
            raise LockError("chat is busy: could not take its lock in time")  # type: ignore[no-untyped-call]
        keeper = asyncio.create_task(self._keep(lock))
        try:
            yield None
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            try:
                await lock.release()
            except RedisError as error:
                log.warning("chat lock %s not released: %s", lock.name, type(error).__name__)

    async def _keep(self, lock: Lock) -> None:
        while True:
            await asyncio.sleep(self.lock_seconds / 3)
            try:
                await lock.reacquire()
            except RedisError as error:  # Redis away: the handler finds out on its own
                log.warning("chat lock %s not extended: %s", lock.name, type(error).__name__)
