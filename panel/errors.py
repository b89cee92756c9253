"""Refusals of the panel and the pages they become (never a stack trace)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from domain.errors import NotAllowed, NotFound

if TYPE_CHECKING:
    from .context import PanelContext


class LoginRequired(Exception):
    """No valid session: go to the log-in page."""


class SetupRequired(Exception):
    """The wizard is not finished: go back to it."""


class CsrfFailed(Exception):
    """A state-changing request without the right token."""


def install_handlers(app: object, ctx: PanelContext) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)

    async def login_required(request: Request, _exc: Exception) -> Response:
        if request.method == "GET" and request.url.path.startswith("/panel"):
            return RedirectResponse(f"/panel/login?next={request.url.path}", status_code=303)
        return RedirectResponse("/panel/login", status_code=303)

    async def setup_required(_request: Request, _exc: Exception) -> Response:
        return RedirectResponse("/panel/setup", status_code=303)

    async def csrf_failed(request: Request, _exc: Exception) -> Response:
        return ctx.render(request, "error.html", status=403, message_key="error.csrf")

    async def not_found(request: Request, _exc: Exception) -> Response:
        if not request.url.path.startswith("/panel"):
            return JSONResponse({"detail": "not found"}, status_code=404)
        return ctx.render(request, "error.html", status=404, message_key="error.not_found")

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(SetupRequired, setup_required)
    app.add_exception_handler(CsrfFailed, csrf_failed)
    # Another business's ids look exactly like ids that do not exist.
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(NotAllowed, not_found)
