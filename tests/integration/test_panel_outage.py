"""The panel while the database is unreachable: a short "try again in a moment" page (503,
Retry-After), in the visitor's language, never a 500 or a stack trace."""

from __future__ import annotations

from pathlib import Path

import httpx

from app.settings import load_settings
from app.wiring import build_app, build_container
from i18n import load_catalog
from tests.conftest import Backend


async def test_panel_page_during_a_database_outage_says_try_again(
    backend: Backend, tmp_path: Path
) -> None:
    if backend.name == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'agendei.db'}"  # its folder is missing
    else:
        url = "postgresql+asyncpg://postgres@127.0.0.1:1/test"  # nothing listens on port 1
    container = build_container(load_settings(database_url=url, redis_url=""))
    app = build_app(container, with_workers=False)
    catalog = load_catalog("panel")
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://test",
            cookies={"agendei_session": "a-session-token"},  # the cookie's name without HTTPS
        ) as client:
            for language, locale in (("pt-BR,pt;q=0.9", "pt_BR"), ("en-US,en;q=0.8", "en")):
                response = await client.get(
                    "/panel/agenda",
                    headers={"Accept-Language": language},
                )
                assert response.status_code == 503
                assert response.headers["Retry-After"]
                assert catalog.text(locale, "outage.title") in response.text
                assert "Traceback" not in response.text
    finally:
        await container.close()
