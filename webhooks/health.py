"""``/healthz``: the process is alive. ``/readyz``: 200 when every dependency answers (database,
Redis, the scheduler on time), 503 naming the one that does not.

An orchestrator restarts on a failed ``/healthz`` and only stops sending traffic on a failed
``/readyz``: a database outage must not make it restart every instance.
"""

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
        return JSONResponse({"status": "ok"})

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), timeout)
                results[name] = "ok"
            except Exception as error:  # any failure means "not ready", never a 500
                log.warning("readiness check %s failed: %s", name, error or type(error).__name__)
                results[name] = "unavailable"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": results},
            status_code=200 if ready else 503,
        )

    return router
