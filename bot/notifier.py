"""The one Notifier: every outbound message about a booking goes through here.

Limits (configurable): a global rate per bot and a rate per chat. With Redis they are shared by
every instance (:mod:`bot.send_pacing`); without it (or while Redis is away), ``aiolimiter``
leaky buckets per process. The global bucket is kept small (1/20 s of traffic) and runs at
95 % of the limit, so no sliding one-second window ever holds more than the limit: a Bot API
that enforces it (the emulator, Telegram's flood control) should never answer 429.

Errors:

* 429 ``retry_after``: every send of this bot pauses that long (flood control is per bot), then
  the message is tried again; if the wait would exceed ``max_wait`` the Notifier raises
  :class:`~domain.ports.DeliveryDeferred` and the scheduler retries the action later;
* network errors and 5xx: a few retries with exponential backoff, then ``DeliveryDeferred``;
* 403 (blocked, deactivated) and "chat not found": ``False``, never retried;
* any other 400: raised (a bug in the message; the scheduler retries and then gives up).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiolimiter import AsyncLimiter

from domain.ports import DeliveryDeferred, OutgoingMessage

from .send_pacing import RedisSendPacer

log = logging.getLogger("agendei.notifier")

Sleep = Callable[[float], Awaitable[None]]

# Share of the configured limit actually used, and the bucket's length in seconds.
_HEADROOM = 0.95
_BUCKET_SECONDS = 0.05
_MAX_CHAT_LIMITERS = 10_000
_DIGEST_MAX_CHARS = 4000  # Telegram's limit is 4096 characters per message
_UNREACHABLE = ("chat not found", "user is deactivated", "bot was blocked")


def _global_limiter(rate: float) -> AsyncLimiter:
    used = rate * _HEADROOM
    return AsyncLimiter(max(1.0, used * _BUCKET_SECONDS), max(1.0, used * _BUCKET_SECONDS) / used)


def keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
            for row in message.buttons
        ]
    )


class TelegramNotifier:
    """Implements :class:`domain.ports.Notifier` with one aiogram ``Bot``."""

    def __init__(
        self,
        bot: Bot,
        *,
        global_rate: float = 30.0,
        chat_rate: float = 1.0,
        max_wait: float = 10.0,
        transient_retries: int = 3,
        sleep: Sleep = asyncio.sleep,
        shared: RedisSendPacer | None = None,
    ) -> None:
        self.bot = bot
        self._shared = shared
        self._global = _global_limiter(global_rate)
        self._chat_period = 1.0 / chat_rate
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._max_wait = max_wait
        self._transient_retries = transient_retries
        self._sleep = sleep
        self._resume_at = 0.0  # loop time before which nobody sends (flood control)
        # Counters, for logs and the benchmark.
        self.sent = 0
        self.flood_waits = 0
        self.digests = 0  # sends that carried several messages
        # Per chat, while a send waits for its turn: messages queued to ride along with it.
        self._riders: dict[int, list[tuple[OutgoingMessage, asyncio.Future[bool | None]]]] = {}

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = AsyncLimiter(1, self._chat_period)
            self._chats[chat_id] = limiter
            if len(self._chats) > _MAX_CHAT_LIMITERS:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    async def send(self, bot_id: int, message: OutgoingMessage) -> bool:
        """Send one message; True once Telegram accepted it, False if the chat is unreachable.

        ``bot_id`` is accepted for the port's sake; this Notifier speaks for its own bot.

        A backlog for one chat (Telegram lets a chat get about one message a second) goes out
        as one digest: messages without buttons that queue up while a send to the same chat
        waits for its turn ride along in that send, texts one after the other. Each caller
        learns the outcome of the message that carried its text. Messages with buttons always
        go alone (their buttons act on one booking).
        """
        if message.buttons:
            return await self._deliver(message, lambda: message)
        loop = asyncio.get_running_loop()
        riders = self._riders.get(message.chat_id)
        if riders is not None:  # a send to this chat is waiting for its turn: ride along
            ride: asyncio.Future[bool | None] = loop.create_future()
            riders.append((message, ride))
            outcome = await ride
            if outcome is not None:
                return outcome
            return await self.send(bot_id, message)  # missed that send: go in the next one
        riders = self._riders[message.chat_id] = []
        carried: list[tuple[OutgoingMessage, asyncio.Future[bool | None]]] = []

        def compose() -> OutgoingMessage:
            """Called once this chat's turn came: the leader's text and whoever queued."""
            size = len(message.text) + sum(len(m.text) + 2 for m, _ in carried)
            while riders and size + len(riders[0][0].text) + 2 <= _DIGEST_MAX_CHARS:
                size += len(riders[0][0].text) + 2
                carried.append(riders.pop(0))
            if not carried:
                return message
            text = "\n\n".join([message.text, *(m.text for m, _ in carried)])
            return OutgoingMessage(chat_id=message.chat_id, text=text)

        try:
            delivered = await self._deliver(message, compose)
        except BaseException as error:
            for _, ride in carried:
                if not ride.done():
                    ride.set_exception(error if isinstance(error, Exception) else RuntimeError())
            raise
        else:
            for _, ride in carried:
                if not ride.done():
                    ride.set_result(delivered)
            if carried:
                self.digests += 1
            return delivered
        finally:
            for _, ride in self._riders.pop(message.chat_id, []):
                if not ride.done():
                    ride.set_result(None)  # came too late for this send: take the next one

    async def _deliver(
        self, message: OutgoingMessage, compose: Callable[[], OutgoingMessage]
    ) -> bool:
        markup = keyboard(message)
        waited = 0.0
        transient = 0
        loop = asyncio.get_running_loop()
        while True:
            pause = self._resume_at - loop.time()
            if pause > 0:
                await self._sleep(pause)
            paced = self._shared is not None and await self._shared.wait_turn(message.chat_id)
            async with contextlib.AsyncExitStack() as limits:
                if not paced:  # no shared pacing (or Redis is away): this process's buckets
                    await limits.enter_async_context(self._chat_limiter(message.chat_id))
                    await limits.enter_async_context(self._global)
                try:
                    outgoing = compose()
                    await self.bot.send_message(
                        outgoing.chat_id, outgoing.text, reply_markup=markup
                    )
                    self.sent += 1
                    return True
                except TelegramRetryAfter as flood:
                    self.flood_waits += 1
                    wait = float(flood.retry_after)
                    self._resume_at = max(self._resume_at, loop.time() + wait)
                except TelegramForbiddenError:
                    return False
                except TelegramBadRequest as error:
                    if any(s in error.message.lower() for s in _UNREACHABLE):
                        return False
                    raise
                except (TelegramNetworkError, TelegramServerError, RestartingTelegram) as error:
                    transient += 1
                    if transient > self._transient_retries:
                        raise DeliveryDeferred(30.0, f"telegram unavailable: {error}") from error
                    wait = 0.5 * 2 ** (transient - 1)
            if waited + wait > self._max_wait:
                raise DeliveryDeferred(wait, "flood control")
            log.info("notifier: waiting %.1fs before retrying chat %s", wait, message.chat_id)
            await self._sleep(wait)
            waited += wait
