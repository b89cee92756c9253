"""Wiring of the client bot: Bot, Dispatcher, FSM storage, de-dup and the webhook route.

Three ways to run:

* **sandbox** (no ``AGENDEI_TELEGRAM_TOKEN``): a fixed sandbox token, the Bot API emulator
  mounted in this very app under ``/telegram-emulator``, aiogram's HTTP session pointed at it,
  and the emulator's webhook pointed at our own route. Updates really travel emulator -> HTTP ->
  webhook route -> dispatcher -> HTTP -> emulator; nothing is simulated in between;
* **webhook** (token + ``AGENDEI_PUBLIC_URL``): on start-up ``setWebhook`` (secret token, the
  update types the dispatcher uses) and ``setMyCommands`` per language;
* **polling** (``agendei run --polling``): ``dp.start_polling`` in the background, for a real
  token on a laptop without a public URL.

Sets ``container.telegram_parts`` (:class:`app.wiring.TelegramParts`): bot, dispatcher, ids,
webhook secret and URL and, in the sandbox, ``emulator``; with a real token also
``preview_bot``, and ``emulator`` is the preview's (see :func:`app.sandbox_wiring.plug_preview`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import BotCommandScopeDefault, Update
from fastapi import FastAPI

from bot.commands import bot_commands
from bot.dedup import RENEW_EVERY_SECONDS, DatabaseDedup, RedisDedup
from bot.dispatcher import build_dispatcher
from bot.isolation import KeptRedisEventIsolation
from bot.provider import build_provider_router, install_link_start
from i18n import DEFAULT_LOCALE, LOCALES
from webhooks.telegram import TelegramWebhook, telegram_webhook_router, webhook_path

from .observability import instrument_bot
from .outage import is_outage
from .wiring import TelegramParts

if TYPE_CHECKING:
    from .wiring import Container

log = logging.getLogger("agendei.bot")

SANDBOX_TOKEN = "1000001:sandbox-agendei-emulator"
EMULATOR_PREFIX = "/telegram-emulator"
FSM_PREFIX = "agendei:fsm"
SANDBOX_USERNAME = "agendei_sandbox_bot"


def _local_url(container: Container) -> str:
    settings = container.settings
    if settings.public_url:
        return settings.public_url
    host = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    return f"http://{host}:{settings.port}"


def _webhook_secret(container: Container, token: str) -> str:
    """The configured secret, or one derived from SECRET_KEY and the token: the same on every
    instance, so any of them accepts what Telegram sends."""
    settings = container.settings
    if settings.webhook_secret:
        return settings.webhook_secret
    digest = hmac.new(settings.secret_key.encode(), token.encode(), hashlib.sha256)
    return digest.hexdigest()[:48]


def _storage(container: Container) -> tuple[BaseStorage, BaseEventIsolation]:
    if container.redis is None:
        return MemoryStorage(), SimpleEventIsolation()
    # with_destiny: aiogram-dialog keeps its stacks next to the chat's own data.
    key_builder = DefaultKeyBuilder(prefix=FSM_PREFIX, with_bot_id=True, with_destiny=True)
    storage = RedisStorage(container.redis, key_builder=key_builder)
    return storage, KeptRedisEventIsolation(container.redis, key_builder=key_builder)


def plug(app: FastAPI, container: Container, with_workers: bool) -> None:
    settings = container.settings
    sandbox = settings.sandbox
    token = SANDBOX_TOKEN if sandbox else settings.telegram_token
    bot_id = int(token.split(":", 1)[0])
    secret = secrets.token_urlsafe(24) if sandbox else _webhook_secret(container, token)
    local_url = _local_url(container)

    if sandbox:
        api = TelegramAPIServer.from_base(local_url + EMULATOR_PREFIX)
    elif settings.telegram_api_base:
        api = TelegramAPIServer.from_base(settings.telegram_api_base)
    else:
        api = None
    session = AiohttpSession(api=api) if api is not None else AiohttpSession()
    bot = Bot(token, session=session)

    storage, isolation = _storage(container)
    # Tests may swap the FSM storage (e.g. aiogram-dialog's JsonMemoryStorage, which proves
    # that everything kept in dialog state is JSON).
    if container.fsm_storage is not None:
        storage = container.fsm_storage
    wake = container.wake  # pointed at the scheduler, which is plugged after the bot

    extra_routers: list[Any] = [
        build_provider_router(uow_factory=container.uow_factory, clock=container.clock, wake=wake)
    ]
    dp = build_dispatcher(
        storage=storage,
        events_isolation=isolation,
        uow_factory=container.uow_factory,
        clock=container.clock,
        is_outage=is_outage,
        sandbox=sandbox,
        extra_routers=extra_routers,
        wake_scheduler=wake,
    )
    instrument_bot(container.metrics, dp, bot)
    # On the dispatcher itself, so it runs before the client's /start <slug>.
    install_link_start(dp, uow_factory=container.uow_factory, clock=container.clock)
    dedup = (
        RedisDedup(container.redis)
        if container.redis is not None
        else DatabaseDedup(container.uow_factory, container.clock)
    )

    async def process(target: Bot, update: Update) -> None:
        await dp.feed_update(target, update)

    bots: dict[int, Bot] = {bot_id: bot}  # and the preview bot, with a real token
    hook = TelegramWebhook(
        secret=secret,
        bots=bots,
        dedup=dedup,
        process=process,
        is_outage=is_outage,
        renew_every=RENEW_EVERY_SECONDS,
    )
    app.include_router(telegram_webhook_router(hook))
    webhook_url = local_url + webhook_path(bot_id)
    parts = TelegramParts(
        bot=bot, dispatcher=dp, bot_id=bot_id, webhook_secret=secret, webhook_url=webhook_url
    )
    container.telegram_parts = parts

    if not sandbox:
        identity = container.bot_identity

        async def get_me() -> str | None:
            return (await bot.get_me()).username

        identity.learn_from(get_me)
        container.startups.append(identity.start)
        container.shutdowns.append(identity.stop)
        # The panel's sandbox page talks to a preview bot (own emulator), never to this one.
        from .sandbox_wiring import plug_preview

        preview = plug_preview(app, container, real_bot=bot, dp=dp, secret=secret)
        bots[preview.id] = preview
        parts.preview_bot = preview

    if sandbox:
        _mount_emulator(app, container, token, secret, webhook_url, dp)
        if container.redis is not None and with_workers:
            # Several instances share Redis: only one may serve the sandbox (its emulator).
            from .single_sandbox import SingleSandbox

            single = SingleSandbox(container.redis)
            container.startups.append(single.start)
            container.shutdowns.append(single.stop)
    elif container.polling:
        if with_workers:
            _start_polling(container, bot, dp)
    elif settings.public_url:
        container.startups.append(lambda: register_webhook(bot, dp, webhook_url, secret))

    async def close() -> None:
        await dp.storage.close()
        await dp.fsm.events_isolation.close()
        await bot.session.close()

    container.shutdowns.append(close)


async def register_webhook(bot: Bot, dp: Dispatcher, url: str, secret: str) -> None:
    """setWebhook with the secret and the update types we use; the command menus per language."""
    await bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=dp.resolve_used_update_types(),
        drop_pending_updates=False,
    )
    await set_commands(bot)
    log.info("webhook registered at %s", url)


async def set_commands(bot: Bot) -> None:
    scope = BotCommandScopeDefault()
    await bot.set_my_commands(bot_commands(DEFAULT_LOCALE), scope=scope)
    for locale in LOCALES:
        language = locale.split("_")[0]
        await bot.set_my_commands(bot_commands(locale), scope=scope, language_code=language)


def _mount_emulator(
    app: FastAPI, container: Container, token: str, secret: str, url: str, dp: Dispatcher
) -> None:
    # Imported here: only the sandbox needs the emulator.
    from emulator import EmulatorState, create_emulator_app

    state = EmulatorState()
    record = state.add_bot(token, username=SANDBOX_USERNAME, first_name="Agendei")
    container.bot_identity.username = record.username
    # Configured directly, not through setWebhook: at start-up the server is not listening
    # yet, so the bot could not reach the emulator it serves.
    record.webhook.url = url
    record.webhook.secret_token = secret
    record.webhook.allowed_updates = dp.resolve_used_update_types()
    for locale in LOCALES:
        commands = [c.model_dump() for c in bot_commands(locale)]
        record.commands[('{"type": "default"}', locale.split("_")[0])] = commands
    app.mount(EMULATOR_PREFIX, create_emulator_app(state))
    container.telegram.emulator = state
    container.shutdowns.append(state.aclose)


def _start_polling(container: Container, bot: Bot, dp: Dispatcher) -> None:
    task: asyncio.Task[None] | None = None

    async def start() -> None:
        nonlocal task
        await bot.delete_webhook(drop_pending_updates=False)
        await set_commands(bot)
        task = asyncio.create_task(
            dp.start_polling(bot, handle_signals=False, close_bot_session=False)
        )

    async def stop() -> None:
        if task is None:
            return
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    container.startups.append(start)
    container.shutdowns.append(stop)
