"""/healthz answers 200 with the database reachable and 503 when it is not."""

from __future__ import annotations

from pathlib import Path

import httpx

from app.settings import load_settings
from app.wiring import build_app, build_container
from tests.conftest import Backend


async def _get_health(database_url: str) -> httpx.Response:
    container = build_container(load_settings(database_url=database_url))
    app = build_app(container)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            return await client.get("/healthz")
    finally:
        await container.close()


async def test_healthz_ok_when_the_database_answers(backend: Backend) -> None:
    response = await _get_health(backend.database_url)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


async def test_healthz_503_when_the_database_is_down(backend: Backend, tmp_path: Path) -> None:
    if backend.name == "sqlite":
        broken = tmp_path / "broken.db"
        broken.write_bytes(b"this is not a SQLite database" * 100)
        url = f"sqlite+aiosqlite:///{broken}"
    else:
        url = "postgresql+asyncpg://postgres@127.0.0.1:1/test"  # nothing listens on port 1
    response = await _get_health(url)
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unavailable"}
