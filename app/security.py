"""What the whole web app does for every request, whatever route answers it.

- bodies are capped while they stream in (:mod:`webhooks.body_limit`), before any route parses;
- with an ``https://`` PUBLIC_URL every answer carries HSTS, so browsers never try plain HTTP;
- the OpenAPI schema and its docs page are off in production unless AGENDEI_OPENAPI says on
  (they list every route of the panel to whoever asks).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from webhooks.body_limit import ASGIApp, BodyLimitMiddleware, Message, Receive, Scope, Send

from .settings import Settings

HSTS = b"max-age=31536000; includeSubDomains"


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


def install_security(app: FastAPI, settings: Settings) -> None:
    if settings.public_url.startswith("https://"):
        app.add_middleware(StrictTransportSecurity)
    # Added last: the outermost of our middlewares, so nothing reads a body before the cap.
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
