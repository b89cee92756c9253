"""Wiring of the scheduler: the poller, its Notifier-backed handler and the APScheduler ticker.

Sets ``container.scheduler_parts`` (:class:`app.wiring.SchedulerParts`):

* ``poller``: the :class:`scheduler.Poller`; tests call ``await poller.tick()`` by hand with
  the container's controllable clock;
* ``notifier``: the :class:`bot.notifier.TelegramNotifier` (None without a bot); with a real
  token, messages to emulated users go through the preview bot instead (``EmulatedChatRouter``);

and points ``container.wake`` (called after committing a change that wrote a notification,
so it goes out at once instead of at the next interval) at the ticker.

The ticker only starts with the workers (``with_workers``); tests drive the poller themselves.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from fastapi import FastAPI

from bot.notifications import DeliveryHandler
from bot.notifications.daily import DailyHandler, DailyRouting
from bot.notifier import TelegramNotifier
from bot.preview import EmulatedChatRouter
from bot.send_pacing import RedisSendPacer
from domain.ports import DeliveryDeferred, Notifier, OutgoingMessage
from scheduler import Ticker
from scheduler.daily import PlanningPoller

from .wiring import SchedulerParts

if TYPE_CHECKING:
    from .wiring import Container

log = logging.getLogger("agendei.scheduler")


class _NoBot:
    """Without a bot nothing can be sent: keep the actions for when one is configured."""

    async def send(self, bot_id: int, message: OutgoingMessage) -> bool:
        raise DeliveryDeferred(300.0, "no Telegram bot configured")


def _bot(container: Container) -> Bot | None:
    """The bot the bot wiring built, or one of our own when only a token is configured."""
    if container.telegram_parts is not None:
        return container.telegram_parts.bot
    settings = container.settings
    if not settings.telegram_token:
        return None
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
        if settings.telegram_api_base
        else AiohttpSession()
    )
    own = Bot(settings.telegram_token, session=session)

    async def close() -> None:
        await own.session.close()

    container.shutdowns.append(close)
    return own


def _route_emulated_chats(
    container: Container, notifier: TelegramNotifier | None
) -> Notifier | None:
    """With a preview bot (real token), emulated users hear from it, never from the real bot."""
    parts = container.telegram_parts
    preview = parts.preview_bot if parts is not None else None
    if notifier is None or preview is None:
        return notifier
    settings = container.settings
    preview_notifier = TelegramNotifier(
        preview,
        global_rate=settings.notifier_global_rate,
        chat_rate=settings.notifier_chat_rate,
        shared=_shared_pacing(container, preview.id),
    )
    return EmulatedChatRouter(notifier, preview_notifier, preview.id)


def _shared_pacing(container: Container, bot_id: int) -> RedisSendPacer | None:
    """Telegram's limits count per bot: with Redis, every instance paces through it."""
    if container.redis is None:
        return None
    settings = container.settings
    return RedisSendPacer(
        container.redis,
        bot_id,
        global_rate=settings.notifier_global_rate,
        chat_rate=settings.notifier_chat_rate,
    )


def plug(app: FastAPI, container: Container, with_workers: bool) -> None:
    settings = container.settings
    bot = _bot(container)
    notifier = (
        TelegramNotifier(
            bot,
            global_rate=settings.notifier_global_rate,
            chat_rate=settings.notifier_chat_rate,
            shared=_shared_pacing(container, bot.id),
        )
        if bot is not None
        else None
    )
    routed = _route_emulated_chats(container, notifier)
    sender = routed if routed is not None else _NoBot()
    bot_id = bot.id if bot is not None else 0
    handler = DailyRouting(  # daily kinds (morning after, digest) vs. everything else
        DailyHandler(container.uow_factory, sender, bot_id=bot_id),
        DeliveryHandler(container.uow_factory, sender, bot_id=bot_id),
    )
    # A Poller that plans the daily actions before each tick claims (scheduler/daily.py).
    poller = PlanningPoller(container.uow_factory, container.clock, handler)
    ticker = Ticker(poller, settings.scheduler_interval_seconds)
    container.scheduler_parts = SchedulerParts(notifier=notifier, poller=poller, ticker=ticker)
    container.wake.target = ticker.wake
    if with_workers:

        async def stop() -> None:
            await ticker.stop(settings.shutdown_grace_seconds)

        container.startups.append(ticker.start)
        container.shutdowns.append(stop)
        container.stop_signals.append(ticker.begin_stop)
        max_lag = settings.scheduler_max_lag_seconds

        async def scheduler_check() -> None:
            lag = ticker.lag_seconds()
            if lag is None:
                raise RuntimeError("scheduler not running")
            if lag > max_lag:
                raise RuntimeError(f"scheduler {lag:.0f} s late")

        container.health_checks["scheduler"] = scheduler_check
