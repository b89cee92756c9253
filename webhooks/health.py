"""``/healthz``: 200 when every dependency answers, 503 naming the one that does not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse

HealthCheck = Callable[[], Awaitable[None]]

log = logging.getLogger(__name__)


def health_router(checks: Mapping[str, HealthCheck], *, timeout: float = 3.0) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), timeout)
                results[name] = "ok"
            except Exception as error:  # any failure means "not healthy", never a 500
                log.warning("health check %s failed: %s", name, type(error).__name__)
                results[name] = "unavailable"
        healthy = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ok" if healthy else "unavailable", "checks": results},
            status_code=200 if healthy else 503,
        )

    return router
