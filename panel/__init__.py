"""The provider web panel: FastAPI routers, Jinja2 templates and static files.

:func:`build_panel` makes everything from what ``app/panel_wiring.py`` hands over (a unit-of-work
factory, the clock, options derived from settings, the rate-limit storage); nothing is built at
import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from limits.aio.storage import Storage

from .context import Clock, PanelContext, UowFactory
from .errors import install_handlers
from .options import PanelOptions
from .routes.sandbox import SandboxChats
from .throttle import LoginThrottle

STATIC = Path(__file__).parent / "static"


@dataclass
class Panel:
    context: PanelContext
    router: APIRouter

    def install(self, app: FastAPI) -> None:
        app.include_router(self.router)
        app.mount("/panel/static", StaticFiles(directory=STATIC), name="panel-static")
        install_handlers(app, self.context)


def build_panel(
    *,
    uow_factory: UowFactory,
    clock: Clock,
    options: PanelOptions,
    limiter_storage: Storage,
    throttle_prefix: str = "agendei:login",
    bot_username: Callable[[], str | None] | None = None,
    sandbox: SandboxChats | None = None,
) -> Panel:
    from .routes import agenda, auth, catalog, clients, export, rebook, settings, setup, team

    throttle = LoginThrottle(
        limiter_storage,
        account_limit=options.account_limit,
        address_limit=options.address_limit,
        prefix=throttle_prefix,
    )
    ctx = PanelContext(
        uow_factory=uow_factory,
        clock=clock,
        options=options,
        throttle=throttle,
        bot_username=bot_username,
    )
    router = APIRouter()
    # rebook before agenda: its POST .../again must not reach agenda's POST .../{action}.
    for module in (auth, setup, rebook, agenda, catalog, team, clients, settings, export):
        router.include_router(module.build(ctx))
    if sandbox is not None:  # "try your bot": only when app/ hands over an emulator
        from .routes import sandbox as sandbox_routes

        router.include_router(sandbox_routes.build(ctx, sandbox))
        ctx.env.globals["sandbox_enabled"] = True
    return Panel(context=ctx, router=router)


__all__ = ["Panel", "PanelOptions", "build_panel"]
