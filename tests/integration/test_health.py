"""/healthz says the process is alive; /readyz checks the database, Redis and the scheduler,
200 when all answer and 503 naming the one that does not; /metrics stays private."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from app.settings import load_settings
from app.wiring import Container, build_app, build_container
from tests.conftest import Backend


@asynccontextmanager
async def _app(
    database_url: str, *, address: str = "127.0.0.1", with_workers: bool = False, **settings: object
) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    container = build_container(load_settings(database_url=database_url, **settings))
    app = build_app(container, with_workers=with_workers)
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield container, client
    finally:
        await container.close()


def _broken_database(backend: Backend, tmp_path: Path) -> str:
    if backend.name == "sqlite":
        broken = tmp_path / "broken.db"
        broken.write_bytes(b"this is not a SQLite database" * 100)
        return f"sqlite+aiosqlite:///{broken}"
    return "postgresql+asyncpg://postgres@127.0.0.1:1/test"  # nothing listens on port 1


async def test_ready_when_the_database_answers(backend: Backend) -> None:
    async with _app(backend.database_url) as (_, client):
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
        assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_database_down_is_not_ready_but_alive(backend: Backend, tmp_path: Path) -> None:
    async with _app(_broken_database(backend, tmp_path)) as (_, client):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "unavailable"}
        # Alive: an orchestrator must not restart every instance because the database is down.
        assert (await client.get("/healthz")).status_code == 200


async def test_redis_down_is_named(backend: Backend) -> None:
    async with _app(backend.database_url, redis_url="redis://127.0.0.1:1/0") as (_, client):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "ok", "redis": "unavailable"}


async def test_a_late_or_stopped_scheduler_is_not_ready(backend: Backend) -> None:
    async with _app(backend.database_url, with_workers=True, scheduler_interval_seconds=3600.0) as (
        container,
        client,
    ):
        not_started = await client.get("/readyz")
        assert not_started.status_code == 503
        assert not_started.json()["checks"]["scheduler"] == "unavailable"
        ticker = container.scheduler.ticker
        await ticker.start()
        try:
            assert (await client.get("/readyz")).json()["checks"]["scheduler"] == "ok"
            for _ in range(1000):  # the first tick runs at once; the next only in an hour
                if ticker.last_tick_at is not None:
                    break
                await asyncio.sleep(0.01)
            ticker.last_tick_at = time.monotonic() - 3600 - 120  # two minutes overdue
            late = await client.get("/readyz")
            assert late.status_code == 503 and late.json()["checks"]["scheduler"] == "unavailable"
        finally:
            await ticker.stop()


async def test_metrics_only_for_loopback_without_a_token(backend: Backend) -> None:
    async with _app(backend.database_url) as (_, client):
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert "agendei_outbox_depth 0.0" in response.text
        assert 'agendei_outcomes_total{outcome="booked"} 0.0' in response.text
    async with _app(backend.database_url, address="203.0.113.9") as (_, client):
        assert (await client.get("/metrics")).status_code == 404


async def test_metrics_want_the_bearer_token_when_one_is_set(backend: Backend) -> None:
    token = "m" * 24
    async with _app(backend.database_url, address="203.0.113.9", metrics_token=token) as (
        _,
        client,
    ):
        assert (await client.get("/metrics")).status_code == 404
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        right = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert right.status_code == 200 and "agendei_scheduler_lag_seconds" in right.text
