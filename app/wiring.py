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
from typing import Any

from fastapi import FastAPI
from redis.asyncio import Redis

from storage.engine import AsyncEngine, create_engine, ping
from storage.uow import UnitOfWorkFactory, make_uow_factory
from webhooks.health import HealthCheck, health_router

from .settings import Settings

log = logging.getLogger("agendei")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    """Everything built from settings, handed to entry points explicitly."""

    settings: Settings
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    redis: Redis | None = None
    clock: Clock = system_clock
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)
    # Started with the web app, stopped in reverse order (bots, scheduler, ...).
    startups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    shutdowns: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Parts built by the wiring modules (bot, dispatcher, scheduler...), by name.
    parts: dict[str, Any] = field(default_factory=dict)

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
    for plug in _plugins():
        plug(app, container, with_workers)
    return app


def _plugins() -> list[Callable[[FastAPI, Container, bool], None]]:
    """Wiring of each entry point that has landed; imported here, not at module import."""
    plugins: list[Callable[[FastAPI, Container, bool], None]] = []
    from . import bot_wiring, panel_wiring, scheduler_wiring

    plugins += [bot_wiring.plug, scheduler_wiring.plug, panel_wiring.plug]
    return plugins
