"""Hostile input to the panel: a clear 4xx page (never a 500), nothing stored, nothing leaked."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import text

from tests.conftest import Backend
from tests.integration.panel_support import PanelApp, client_booking, panel_app, provider

TUESDAY_10_LOCAL = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)


async def _count(app: PanelApp, table: str) -> int:
    async with app.container.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_nul_bytes_in_names_get_a_400_page_and_store_nothing(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, _ = await provider(app)
        services = await _count(app, "services")
        await client.get("/panel/services/new")
        response = await client.post(
            "/panel/services/new",
            {"name": "Cor\x00te", "duration_minutes": "30", "price": "45", "capacity": "1"},
        )
        assert response.status_code == 400
        assert "text/html" in response.headers["content-type"]
        assert 'href="/panel"' in response.text
        assert await _count(app, "services") == services

        users = await _count(app, "users")
        fresh = app.client()
        signup = await fresh.signup("nul@example.com", business="Bar\x00bearia")
        assert signup.status_code == 400
        assert await _count(app, "users") == users


async def test_dates_past_the_calendar_edges_never_500(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, _ = await provider(app)
        for day in ("9999-12-31", "0001-01-01", "2026-02-30", "x"):
            for view in ("day", "week"):
                page = await client.get(f"/panel/agenda?day={day}&view={view}")
                assert page.status_code == 200, (day, view)
        for first, last in (("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-02")):
            export = await client.get(f"/panel/export/bookings.csv?first={first}&last={last}")
            assert export.status_code == 400
            assert "text/html" in export.headers["content-type"]
            assert "Data inválida." in export.text


async def test_ids_past_the_database_integers_get_a_4xx_page(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, _ = await provider(app)
        for path in (
            "/panel/bookings/2147483648",
            "/panel/clients/99999999999999999999",
            "/panel/services/-2147483649",
            "/panel/team/2147483648",
            "/panel/agenda?staff=2147483648",
            "/panel/clients?q=%00",
        ):
            response = await client.get(path)
            assert 400 <= response.status_code < 500 or response.status_code == 200, path
            assert "text/html" in response.headers["content-type"], path
        await client.get("/panel/team")
        posted = await client.post("/panel/team/2147483648/deactivate")
        assert posted.status_code == 400


async def test_unknown_panel_urls_show_a_page_with_a_way_back(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client()
        for path in ("/panel/nope", "/panel/services/abc/edit/more"):
            response = await client.get(path)
            assert response.status_code in (400, 404), path
            assert "text/html" in response.headers["content-type"], path
            assert 'href="/panel"' in response.text, path
        # Outside the panel, machines keep getting JSON.
        assert (await client.get("/nope")).headers["content-type"] == "application/json"


async def test_csv_export_neutralises_formulas_in_every_column(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        async with app.container.uow_factory() as uow:
            [member] = await uow.staff.list_for_business(business_id)
            member.name = '=HYPERLINK("http://evil")'
            await uow.staff.update(member)
            [service] = await uow.services.list_for_business(business_id)
            service.name = "\t=1+1"
            await uow.services.update(service)
            await uow.commit()
        await client_booking(app, business_id, TUESDAY_10_LOCAL, name="\r@SUM(A1)")
        response = await client.get("/panel/export/bookings.csv?first=2026-03-01&last=2026-03-31")
        [row] = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
        assert row["professional"] == '\'=HYPERLINK("http://evil")'
        assert row["services"] == "'\t=1+1"
        assert row["client"] == "'\r@SUM(A1)"


async def test_https_sends_hsts_and_production_hides_the_api_schema(backend: Backend) -> None:
    async with panel_app(
        backend,
        public_url="https://agenda.example.com",
        env="production",
        secret_key="x" * 32,
    ) as app:
        client = app.client(https=True)
        landing = await client.get("/panel/login")
        assert landing.headers["strict-transport-security"].startswith("max-age=")
        assert (await client.get("/openapi.json")).status_code == 404
        assert (await client.get("/docs")).status_code == 404
    async with panel_app(backend, env="production", secret_key="x" * 32, openapi=True) as app:
        client = app.client()
        assert (await client.get("/openapi.json")).status_code == 200
        assert "strict-transport-security" not in (await client.get("/")).headers
