"""What the whole web app does for every request, whatever route answers it.

- bodies are capped while they stream in (:mod:`webhooks.body_limit`), before any route parses;
- with an ``https://`` PUBLIC_URL every answer carries HSTS, so browsers never try plain HTTP;
- the OpenAPI schema and its docs page are off in production unless AGENDEI_OPENAPI says on
  (they list every route of the panel to whoever asks);
- a bug that escapes every handler still gets a short 500 page (HTML in the panel), logged
  with its traceback, instead of the server dropping the kept-alive connection with it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI

from webhooks.body_limit import ASGIApp, BodyLimitMiddleware, Message, Receive, Scope, Send

from .outage import is_outage, outage_response
from .settings import Settings

HSTS = b"max-age=31536000; includeSubDomains"
ERROR_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Erro / Error</title>"
    b"<h1>Algo deu errado. / Something went wrong.</h1>"
    b'<p><a href="/panel">Voltar ao painel / Back to the panel</a></p>'
)

log = logging.getLogger("agendei")


def openapi_enabled(settings: Settings) -> bool:
    if settings.openapi is not None:
        return settings.openapi
    return settings.env != "production"


def fastapi_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of ``FastAPI(...)`` that depend on settings."""
    on = openapi_enabled(settings)
    return {
        "openapi_url": "/openapi.json" if on else None,
        "docs_url": "/docs" if on else None,
        "redoc_url": None,
    }


class StrictTransportSecurity:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"strict-transport-security", HSTS),
                ]
            await send(message)

        await self.app(scope, receive, with_hsts)


class ErrorSafetyNet:
    """Answers itself when the app raises, so the server keeps the connection open: an outage
    (database or Redis) gets the "try again in a moment" page (503, :mod:`app.outage`), any other
    error a short 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if started:
                raise  # half an answer went out: only closing the connection is honest
            if is_outage(error):
                await outage_response(scope, error)(scope, receive, send)
                return
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            panel = str(scope.get("path", "")).startswith("/panel")
            body = ERROR_PAGE if panel else b'{"detail":"internal error"}'
            kind = b"text/html; charset=utf-8" if panel else b"application/json"
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", kind),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


def install_security(app: FastAPI, settings: Settings) -> None:
    # add_middleware puts each one outside the previous: the body cap is nearest the routes
    # (nothing reads a body before it), the safety net outermost (it sees every failure).
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    if settings.public_url.startswith("https://"):
        app.add_middleware(StrictTransportSecurity)
    app.add_middleware(ErrorSafetyNet)
