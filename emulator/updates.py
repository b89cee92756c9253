"""How a bot receives updates: webhook settings and long-polled ``getUpdates``."""

from __future__ import annotations

import asyncio
import re

from .errors import POLLING_CONFLICT, SECRET_TOKEN_INVALID, WEBHOOK_ACTIVE, ApiError, bad_request
from .models import JSON, BotRecord, WebhookConfig
from .registry import Call, Described, MethodTable

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

methods = MethodTable()


@methods.method("setWebhook")
async def set_webhook(call: Call) -> Described:
    """Switch the bot to webhook delivery (an empty url deletes the webhook)."""
    url = call.params.get_str("url") or ""
    secret = call.params.get_str("secret_token")
    if secret is not None and not _SECRET_TOKEN.match(secret):
        raise bad_request(SECRET_TOKEN_INVALID)
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    if call.params.get_bool("drop_pending_updates"):
        call.bot.pending.clear()
    if not url:
        return await delete_webhook(call)
    allowed = call.params.get_json("allowed_updates")
    already = call.bot.webhook.url == url
    call.bot.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        allowed_updates=list(allowed) if isinstance(allowed, list) and allowed else None,
        max_connections=call.params.get_int("max_connections", 40) or 40,
    )
    call.bot.wake_pollers()
    return Described(True, "Webhook is already set" if already else "Webhook was set")


@methods.method("deleteWebhook")
async def delete_webhook(call: Call) -> Described:
    """Back to getUpdates delivery."""
    if call.params.get_bool("drop_pending_updates"):
        call.bot.pending.clear()
    had = bool(call.bot.webhook.url)
    call.bot.webhook = WebhookConfig()
    return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")


@methods.method("getWebhookInfo")
async def get_webhook_info(call: Call) -> JSON:
    """Webhook settings and the last delivery error."""
    webhook = call.bot.webhook
    info: JSON = {
        "url": webhook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(call.bot.pending),
    }
    if webhook.url:
        info["max_connections"] = webhook.max_connections
        info["ip_address"] = "127.0.0.1"
    if webhook.allowed_updates:
        info["allowed_updates"] = webhook.allowed_updates
    if webhook.last_error_date is not None:
        info["last_error_date"] = webhook.last_error_date
        info["last_error_message"] = webhook.last_error_message
    return info


def _confirm(bot: BotRecord, offset: int) -> None:
    """Forget updates the bot acknowledged with ``offset`` (negative: keep the last -offset)."""
    if offset > 0:
        bot.pending = [u for u in bot.pending if u["update_id"] >= offset]
    elif offset < 0:
        bot.pending = bot.pending[offset:]


@methods.method("getUpdates")
async def get_updates(call: Call) -> list[JSON]:
    """Long poll the queue; a newer getUpdates call ends this one with 409, as Telegram does."""
    bot, state, params = call.bot, call.state, call.params
    if bot.webhook.url:
        raise ApiError(409, WEBHOOK_ACTIVE)
    allowed = params.get_json("allowed_updates")
    if isinstance(allowed, list):
        bot.polling_allowed_updates = list(allowed) or None
    _confirm(bot, params.get_int("offset", 0) or 0)
    limit = min(max(params.get_int("limit", 100) or 100, 1), 100)
    timeout = min(max(params.get_float("timeout", 0.0), 0.0), state.max_long_poll)
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.wake_pollers()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not bot.pending and not state.closing:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        waiter: asyncio.Future[None] = loop.create_future()
        bot.poll_waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, remaining)
        except TimeoutError:
            break
        finally:
            if waiter in bot.poll_waiters:
                bot.poll_waiters.remove(waiter)
        if bot.poll_generation != generation:
            raise ApiError(409, POLLING_CONFLICT)
        if bot.webhook.url:
            raise ApiError(409, WEBHOOK_ACTIVE)
    return bot.pending[:limit]
