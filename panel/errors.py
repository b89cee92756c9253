"""Refusals of the panel and the pages they become (never a stack trace)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from domain.errors import NotAllowed, NotFound

if TYPE_CHECKING:
    from .context import PanelContext


class LoginRequired(Exception):
    """No valid session: go to the log-in page."""


class SetupRequired(Exception):
    """The wizard is not finished: go back to it."""


class CsrfFailed(Exception):
    """A state-changing request without the right token."""


class BadRequest(Exception):
    """Input no form could have sent (a NUL byte, an id past the database's integers...)."""


def _is_panel(request: Request) -> bool:
    return request.url.path == "/panel" or request.url.path.startswith("/panel/")


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
        if not _is_panel(request):
            return JSONResponse({"detail": "not found"}, status_code=404)
        return ctx.render(request, "error.html", status=404, message_key="error.not_found")

    async def bad_request(request: Request, _exc: Exception) -> Response:
        if not _is_panel(request):
            return JSONResponse({"detail": "bad request"}, status_code=400)
        return ctx.render(request, "error.html", status=400, message_key="error.bad_request")

    async def http_error(request: Request, exc: Exception) -> Response:
        # Unknown /panel URLs, wrong methods...: a page with a way back, not FastAPI's JSON.
        assert isinstance(exc, HTTPException)
        if not _is_panel(request):
            return await http_exception_handler(request, exc)
        key = "error.not_found" if exc.status_code == 404 else "error.bad_request"
        response = ctx.render(request, "error.html", status=exc.status_code, message_key=key)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def invalid_request(request: Request, exc: Exception) -> Response:
        # A path or query parameter of the wrong type or out of bounds (e.g. an id >= 2**31).
        assert isinstance(exc, RequestValidationError)
        if not _is_panel(request):
            return await request_validation_exception_handler(request, exc)
        return ctx.render(request, "error.html", status=400, message_key="error.bad_request")

    app.add_exception_handler(BadRequest, bad_request)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(SetupRequired, setup_required)
    app.add_exception_handler(CsrfFailed, csrf_failed)
    # Another business's ids look exactly like ids that do not exist.
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(NotAllowed, not_found)
