"""The one place that builds engines, Redis clients, bots, the scheduler and the web app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI

from storage.engine import AsyncEngine, create_engine, ping
from storage.uow import UnitOfWorkFactory, make_uow_factory
from webhooks.health import HealthCheck, health_router

from .settings import Settings

log = logging.getLogger("agendei")


@dataclass
class Container:
    """Everything built from settings, handed to entry points explicitly."""

    settings: Settings
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)

    async def close(self) -> None:
        await self.engine.dispose()


def build_container(settings: Settings) -> Container:
    engine = create_engine(settings.database_url)

    async def database_check() -> None:
        await ping(engine)

    return Container(
        settings=settings,
        engine=engine,
        uow_factory=make_uow_factory(engine),
        health_checks={"database": database_check},
    )


def build_app(container: Container) -> FastAPI:
    """The ASGI app: health, webhooks and the panel, all over one container."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await container.close()

    app = FastAPI(title="Agendei", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.include_router(health_router(container.health_checks))
    return app
