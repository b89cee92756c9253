"""Telegram's send limits (≈30 messages/s per bot, 1/s per chat) shared by every instance.

Telegram counts per bot, not per process: two instances pacing themselves separately send
twice the rate and meet flood control (429). With Redis configured, each send first asks Redis
for its turn with GCRA (generic cell rate algorithm) in one Lua script per key — the bot's and
the chat's — which answers "go" or "wait N ms"; the theoretical arrival time is the only state
kept, with an expiry. Redis' own clock is used, so instances' clocks don't matter.

If Redis fails, pacing falls back to the process's own limiter (the Notifier's aiolimiter
buckets still apply): a Redis outage must not stop reminders, and 429 answers are still
honoured by the Notifier.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("agendei.notifier")

# KEYS[1]: the limit's key. ARGV[1]: emission interval (ms), ARGV[2]: burst tolerance (ms).
# Returns 0 (take the turn, now recorded) or the milliseconds to wait before asking again.
_GCRA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allowed_at = tat - burst
if now < allowed_at then return allowed_at - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now + burst + 1000)
return 0
"""


class RedisSendPacer:
    """Waits for this bot's and this chat's turn, shared through Redis."""

    def __init__(
        self,
        redis: Redis,
        bot_id: int,
        *,
        global_rate: float,
        chat_rate: float,
        headroom: float = 0.95,
        prefix: str = "agendei:send",
    ) -> None:
        self._script = redis.register_script(_GCRA)
        self._bot_key = f"{prefix}:{bot_id}"
        # A small burst for the bot (1/20 s of traffic), none for a chat.
        used = global_rate * headroom
        self._bot_interval = max(1, round(1000 / used))
        self._bot_burst = max(0, round(1000 * 0.05) - self._bot_interval)
        # Turns are granted by Redis' clock, counted by Telegram's on arrival: the headroom
        # absorbs the network jitter between the two.
        self._chat_interval = max(1, round(1000 / (chat_rate * headroom)))

    async def _turn(self, key: str, interval: int, burst: int) -> None:
        while True:
            wait_ms = int(await self._script(keys=[key], args=[interval, burst]))
            if wait_ms <= 0:
                return
            await asyncio.sleep(wait_ms / 1000)

    async def wait_turn(self, chat_id: int) -> bool:
        """True once both turns are taken; False if Redis failed (pace locally instead)."""
        try:
            await self._turn(f"{self._bot_key}:chat:{chat_id}", self._chat_interval, 0)
            await self._turn(self._bot_key, self._bot_interval, self._bot_burst)
        except RedisError as error:
            log.warning("shared send pacing unavailable (%s): pacing locally", error)
            return False
        return True
