"""The provider web panel: FastAPI routers, Jinja2 templates and static files.

:func:`build_panel` makes everything from what ``app/panel_wiring.py`` hands over (a unit-of-work
factory, the clock, options derived from settings, the rate-limit storage); nothing is built at
import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from limits.aio.storage import Storage
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .bounds import check_request
from .context import Clock, PanelContext, UowFactory
from .errors import install_handlers
from .options import PanelOptions
from .routes.sandbox import SandboxChats
from .routes.setup_check import CheckSetup, SetupCheck
from .throttle import LoginThrottle

STATIC = Path(__file__).parent / "static"


class WakeAfterChanges:
    """Any form the panel accepted may have written notifications (a cancelled booking, a
    confirmation...): wake the outbox poller so they go now, not at the next tick.

    Plain ASGI (no BaseHTTPMiddleware): it only watches the status line go by."""

    def __init__(self, app: ASGIApp, wake: Callable[[], None]) -> None:
        self.app = app
        self.wake = wake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith("/panel")
        ):
            await self.app(scope, receive, send)
            return
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if status < 400:
            self.wake()


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
        if self.wake is not None:
            app.add_middleware(WakeAfterChanges, wake=self.wake)


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
