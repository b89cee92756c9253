"""The provider web panel: FastAPI routers, Jinja2 templates and static files.

:func:`build_panel` makes everything from what ``app/panel_wiring.py`` hands over (a unit-of-work
factory, the clock, options derived from settings, the rate-limit storage); nothing is built at
import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from limits.aio.storage import Storage

from .bounds import check_request
from .context import Clock, PanelContext, UowFactory
from .errors import install_handlers
from .options import PanelOptions
from .routes.sandbox import SandboxChats
from .routes.setup_check import CheckSetup, SetupCheck
from .throttle import LoginThrottle

STATIC = Path(__file__).parent / "static"


@dataclass
class Panel:
    context: PanelContext
    router: APIRouter
    # Wakes the outbox poller; None leaves notifications to the next scheduler tick.
    wake: Callable[[], None] | None = None

    def install(self, app: FastAPI) -> None:
        app.include_router(self.router)
        app.mount("/panel/static", StaticFiles(directory=STATIC), name="panel-static")
        install_handlers(app, self.context)
        wake = self.wake
        if wake is not None:

            @app.middleware("http")
            async def wake_after_changes(request: Request, call_next: Any) -> Response:
                # Any form the panel accepted may have written notifications (a cancelled
                # booking, a confirmation...): send them now, not at the next tick.
                response: Response = await call_next(request)
                changed = request.method == "POST" and response.status_code < 400
                if changed and request.url.path.startswith("/panel"):
                    wake()
                return response


def build_panel(
    *,
    uow_factory: UowFactory,
    clock: Clock,
    options: PanelOptions,
    limiter_storage: Storage,
    throttle_prefix: str = "agendei:login",
    bot_username: Callable[[], str | None] | None = None,
    sandbox: SandboxChats | None = None,
    wake: Callable[[], None] | None = None,
    check_setup: CheckSetup | None = None,
) -> Panel:
    from .routes import (
        agenda,
        auth,
        catalog,
        clients,
        export,
        portability,
        rebook,
        settings,
        setup,
        team,
    )

    throttle = LoginThrottle(
        limiter_storage,
        account_limit=options.account_limit,
        address_limit=options.address_limit,
        signup_limit=options.signup_limit,
        prefix=throttle_prefix,
    )
    ctx = PanelContext(
        uow_factory=uow_factory,
        clock=clock,
        options=options,
        throttle=throttle,
        bot_username=bot_username,
    )
    # Every route: ids that fit the database, no NUL bytes (a 400 page before any query runs).
    router = APIRouter(dependencies=[Depends(check_request)])
    # rebook before agenda: its POST .../again must not reach agenda's POST .../{action}.
    for module in (
        auth,
        setup,
        rebook,
        agenda,
        catalog,
        team,
        clients,
        settings,
        export,
        portability,
    ):
        router.include_router(module.build(ctx))
    if check_setup is not None:  # "check my set-up": the doctor's checks, from app/
        from .routes import setup_check

        router.include_router(setup_check.build(ctx, check_setup))
    if sandbox is not None:  # "try your bot": only when app/ hands over an emulator
        from .routes import sandbox as sandbox_routes

        router.include_router(sandbox_routes.build(ctx, sandbox))
        ctx.env.globals["sandbox_enabled"] = True
    return Panel(context=ctx, router=router, wake=wake)


__all__ = ["CheckSetup", "Panel", "PanelOptions", "SetupCheck", "build_panel"]
