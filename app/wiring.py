"""The one place that builds engines, Redis clients, bots, the scheduler and the web app.

Each entry point plugs in through its own module here (``app/bot_wiring.py``,
``app/scheduler_wiring.py``, ``app/panel_wiring.py``), so this file stays a table of contents.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from fastapi import FastAPI
from redis.asyncio import Redis

from storage.engine import AsyncEngine, create_engine, ping
from storage.uow import UnitOfWorkFactory, make_uow_factory
from webhooks.health import HealthCheck, health_router

from .identity import BotIdentity
from .observability import Metrics, metrics_router
from .settings import Settings

if TYPE_CHECKING:  # the parts' types only: their packages are imported when wired
    from aiogram import Bot, Dispatcher
    from aiogram.fsm.storage.base import BaseStorage

    from bot.notifier import TelegramNotifier
    from emulator import EmulatorState
    from panel import Panel
    from scheduler import Ticker
    from scheduler.daily import PlanningPoller

log = logging.getLogger("agendei")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class Waker:
    """Wakes the outbox poller so notifications a change just wrote go out at once.

    Handed to the bot and the panel before the scheduler exists; the scheduler wiring points it
    at its ticker (tests may point it elsewhere)."""

    def __init__(self) -> None:
        self.target: Callable[[], None] | None = None

    def __call__(self) -> None:
        if self.target is not None:
            self.target()


@dataclass
class TelegramParts:
    """Built by ``app/bot_wiring.py``."""

    bot: Bot
    dispatcher: Dispatcher
    bot_id: int
    webhook_secret: str
    webhook_url: str
    # The sandbox's emulator or, with a real token, the preview's (see sandbox_wiring).
    emulator: EmulatorState | None = None
    preview_bot: Bot | None = None


@dataclass
class SchedulerParts:
    """Built by ``app/scheduler_wiring.py``; tests tick ``poller`` by hand."""

    notifier: TelegramNotifier | None
    poller: PlanningPoller
    ticker: Ticker


class PartMissing(RuntimeError):
    """A part read before ``build_app`` built it."""


@dataclass
class Container:
    """Everything built from settings, handed to entry points explicitly."""

    settings: Settings
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    redis: Redis | None = None
    clock: Clock = system_clock
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)
    # The bot's username from getMe (start-up); every t.me link and QR code reads it.
    bot_identity: BotIdentity = field(default_factory=BotIdentity)
    # Started with the web app, stopped in reverse order (bots, scheduler, ...).
    startups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    shutdowns: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    wake: Waker = field(default_factory=Waker)
    metrics: Metrics = field(default_factory=Metrics)
    # Choices made before build_app (the CLI, tests).
    polling: bool = False
    fsm_storage: BaseStorage | None = None  # tests swap in e.g. JsonMemoryStorage
    panel_throttle_prefix: str = "agendei:login"
    # Parts built once by build_app, each by its wiring module.
    telegram_parts: TelegramParts | None = None
    scheduler_parts: SchedulerParts | None = None
    panel: Panel | None = None

    @property
    def telegram(self) -> TelegramParts:
        if self.telegram_parts is None:
            raise PartMissing("the bot is built by build_app()")
        return self.telegram_parts

    @property
    def scheduler(self) -> SchedulerParts:
        if self.scheduler_parts is None:
            raise PartMissing("the scheduler is built by build_app()")
        return self.scheduler_parts

    # Called at once when SIGTERM/SIGINT arrives, before in-flight requests drain (e.g. the
    # scheduler stops claiming): synchronous and quick.
    stop_signals: list[Callable[[], None]] = field(default_factory=list)

    async def close(self) -> None:
        for shutdown in reversed(self.shutdowns):
            try:
                await shutdown()
            except Exception:  # closing must go on for the rest
                log.exception("error while shutting down")
        self.shutdowns.clear()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


def build_container(settings: Settings, *, clock: Clock = system_clock) -> Container:
    engine = create_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None

    async def database_check() -> None:
        await ping(engine)

    checks: dict[str, HealthCheck] = {"database": database_check}
    if redis is not None:
        redis_client = redis

        async def redis_check() -> None:
            await redis_client.ping()  # type: ignore[misc]

        checks["redis"] = redis_check
    return Container(
        settings=settings,
        engine=engine,
        uow_factory=make_uow_factory(engine),
        redis=redis,
        clock=clock,
        health_checks=checks,
    )


def build_app(container: Container, *, with_workers: bool = True) -> FastAPI:
    """The ASGI app: health, webhooks and the panel, all over one container.

    ``with_workers`` False leaves out background work (scheduler ticks, polling): tests drive
    those by hand.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(container.close)
            for startup in container.startups:
                await startup()
            yield

    from .security import fastapi_options, install_security

    app = FastAPI(title="Agendei", lifespan=lifespan, **fastapi_options(container.settings))
    install_security(app, container.settings)
    app.include_router(health_router(container.health_checks))
    app.include_router(metrics_router(container))
    for plug in _plugins():
        plug(app, container, with_workers)
    return app


def _plugins() -> list[Callable[[FastAPI, Container, bool], None]]:
    """Wiring of each entry point that has landed; imported here, not at module import."""
    plugins: list[Callable[[FastAPI, Container, bool], None]] = []
    from . import bot_wiring, panel_wiring, scheduler_wiring

    plugins += [bot_wiring.plug, scheduler_wiring.plug, panel_wiring.plug]
    return plugins
