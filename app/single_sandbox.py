"""The sandbox runs as one instance only, and says so clearly.

The sandbox's Bot API emulator keeps its chats in the memory of the process that serves it: a
second instance behind the same address would answer the browser from an emulator that never
saw the conversation. Rather than half-work, a second sandbox instance sharing the Redis of the
first refuses to start with one line saying why. The first instance holds a Redis key with a
short expiry, renewed while it runs, so a killed instance does not block a restart for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from redis.asyncio import Redis

KEY = "agendei:sandbox:instance"
HOLD_SECONDS = 15

log = logging.getLogger("agendei")


class SandboxAlreadyRunning(RuntimeError):
    pass


class SingleSandbox:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._token = secrets.token_hex(8)
        self._keeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        taken = await self._redis.set(KEY, self._token, nx=True, ex=HOLD_SECONDS)
        if not taken and await self._redis.get(KEY) != self._token.encode():
            raise SandboxAlreadyRunning(
                "another instance already runs the sandbox on this Redis (the Bot API "
                "emulator lives in one process): run the sandbox as a single instance, or set "
                "AGENDEI_TELEGRAM_TOKEN to run several"
            )
        self._keeper = asyncio.create_task(self._keep())

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(HOLD_SECONDS / 3)
            try:
                await self._redis.set(KEY, self._token, ex=HOLD_SECONDS)
            except Exception as error:  # Redis away: try again at the next beat
                log.warning("sandbox instance mark not renewed: %s", error)

    async def stop(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
        with contextlib.suppress(Exception):
            if await self._redis.get(KEY) == self._token.encode():
                await self._redis.delete(KEY)
