"""``POST /webhooks/telegram/{bot_id}``: where Telegram (or the emulator) delivers updates.

Order matters:

1. the secret header is compared in constant time *before* the body is read (401 otherwise),
   so an unauthenticated caller cannot make us parse anything;
2. the body must be a valid ``Update`` (400 otherwise, nothing changes);
3. (bot_id, update_id) is claimed in the de-duplication log; a redelivery of an update already
   handled answers 200 at once and does nothing. The claim is a short lease renewed while this
   worker handles the update; a redelivery while it is still leased answers 503 (Telegram asks
   again later), so a worker that dies does not swallow the press;
4. the update is processed. A handled error (bad input, stale button, domain refusal) was
   already answered to the user by the dispatcher's error handlers: 200, or Telegram would
   redeliver it forever. An infrastructure outage (database/Redis unreachable) releases the claim
   and answers 503, so Telegram's retry is processed once things are back.

The route knows nothing of aiogram's dispatcher or of storage: ``app/`` hands it a
:class:`TelegramWebhook` with the callables to use.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram import Bot
from aiogram.types import Update
from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/webhooks/telegram/{bot_id}"

log = logging.getLogger(__name__)


class UpdateDedup(Protocol):
    """Membership log of updates taken, with a TTL (Redis or the database)."""

    async def claim(self, bot_id: int, update_id: int) -> bool:
        """True if this update was not taken yet (and is now); False for a duplicate."""
        ...

    async def release(self, bot_id: int, update_id: int) -> None:
        """Undo a claim whose processing failed, so the redelivery is processed."""
        ...

    async def in_progress(self, bot_id: int, update_id: int) -> bool:
        """Claimed but not finished (a worker holds it, or held it and died, until its lease
        runs out) — as opposed to done."""
        ...

    async def renew(self, bot_id: int, update_id: int) -> None:
        """Still working on it: extend the claim's short lease (a dead worker stops renewing,
        so its claim runs out and Telegram's redelivery is processed)."""
        ...

    async def done(self, bot_id: int, update_id: int) -> None:
        """The update took effect: keep the mark for the whole TTL."""
        ...


@dataclass(frozen=True)
class TelegramWebhook:
    secret: str
    bots: Mapping[int, Bot]
    dedup: UpdateDedup
    process: Callable[[Bot, Update], Awaitable[None]]
    is_outage: Callable[[BaseException], bool]
    renew_every: float = 5.0  # a third of the de-dup store's lease


def webhook_path(bot_id: int) -> str:
    return PATH.format(bot_id=bot_id)


def _secret_ok(expected: str, given: str | None) -> bool:
    # compare_digest on bytes: constant time whatever the content (str needs ASCII).
    return hmac.compare_digest(expected.encode(), (given or "").encode())


def _parse(body: bytes, bot: Bot) -> Update | None:
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deep nesting
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        # Validated with the bot in context, so handlers' shortcuts (message.answer) work
        # without aiogram re-validating the whole update.
        return Update.model_validate(data, context={"bot": bot})
    except (ValidationError, RecursionError):
        return None


def telegram_webhook_router(hook: TelegramWebhook) -> APIRouter:
    router = APIRouter()

    @router.post(PATH, include_in_schema=False)
    async def receive(bot_id: int, request: Request) -> Response:
        if not _secret_ok(hook.secret, request.headers.get(SECRET_HEADER)):
            log.warning("telegram webhook: wrong secret token (bot %s)", bot_id)
            return Response(status_code=401)
        bot = hook.bots.get(bot_id)
        if bot is None:
            log.warning("telegram webhook: unknown bot %s", bot_id)
            return Response(status_code=404)
        update = _parse(await request.body(), bot)
        if update is None:
            log.warning("telegram webhook: body is not a valid update (bot %s)", bot_id)
            return Response(status_code=400)
        update_id = update.update_id
        try:
            fresh = await hook.dedup.claim(bot_id, update_id)
            busy = not fresh and await hook.dedup.in_progress(bot_id, update_id)
        except Exception as error:
            if hook.is_outage(error):
                log.error("telegram webhook: de-dup log unavailable: %s", type(error).__name__)
                return Response(status_code=503)
            raise
        if busy:
            # Being handled, or its worker died: Telegram must ask again later (a 200 would
            # drop the press if that worker never finishes).
            log.info("telegram webhook: update %s of bot %s still in progress", update_id, bot_id)
            return Response(status_code=503)
        if not fresh:
            log.info("telegram webhook: update %s of bot %s already handled", update_id, bot_id)
            return Response(status_code=200)
        try:
            async with _kept_claimed(hook, bot_id, update_id):
                await hook.process(bot, update)
        except Exception as error:
            await _release(hook, bot_id, update_id)
            if hook.is_outage(error):
                log.error(
                    "telegram webhook: outage while processing update %s: %s",
                    update_id,
                    type(error).__name__,
                )
                return Response(status_code=503)
            # Unhandled by the bot's error handlers (a bug). The user was not answered by
            # them, but retrying a bug forever helps nobody: log it and accept the update.
            log.exception("telegram webhook: update %s failed", update_id)
            return Response(status_code=200)
        try:
            await hook.dedup.done(bot_id, update_id)
        except Exception:  # the claim stays as it was; at worst a redelivery is ignored sooner
            log.warning("telegram webhook: could not extend the de-dup mark of %s", update_id)
        return Response(status_code=200)

    return router


@asynccontextmanager
async def _kept_claimed(hook: TelegramWebhook, bot_id: int, update_id: int) -> AsyncIterator[None]:
    """Renew the claim's lease while the update is being handled."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(hook.renew_every)
            try:
                await hook.dedup.renew(bot_id, update_id)
            except Exception as error:  # the store is away: the handler will find out too
                log.warning("telegram webhook: could not renew claim of %s: %s", update_id, error)

    keeper = asyncio.create_task(renew())
    try:
        yield
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper


async def _release(hook: TelegramWebhook, bot_id: int, update_id: int) -> None:
    try:
        await hook.dedup.release(bot_id, update_id)
    except Exception as error:  # the store itself may be what is down
        log.error("telegram webhook: could not release update %s: %s", update_id, error)
