"""LGPD in the panel: all of a business's data as one zip; one client's data exported or
erased at the client's request (upcoming bookings cancelled, the client told nothing: gone)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from domain.model import BookingStatus
from tests.conftest import Backend
from tests.integration.panel_support import client_booking, panel_app, provider
from tests.integration.test_panel_agenda import TUESDAY_11_LOCAL


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def test_the_provider_downloads_everything_as_one_archive(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        booking_id = await client_booking(app, business_id, TUESDAY_11_LOCAL, name="=Maria")
        response = await client.get("/panel/export/all.zip")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        files = unzip(response.content)
        for table in ("business", "services", "staff", "clients", "bookings"):
            assert f"{table}.json" in files and f"{table}.csv" in files
        [booking] = json.loads(files["bookings.json"])
        assert booking["id"] == booking_id and booking["events"]  # with its history
        [maria] = json.loads(files["clients.json"])
        assert maria["name"] == "=Maria"
        rows = list(csv.DictReader(io.StringIO(files["clients.csv"].decode())))
        assert rows[0]["name"] == "'=Maria"  # a spreadsheet shows it, never runs it
        [staff] = json.loads(files["staff.json"])
        assert staff["weekly_hours"]
        assert json.loads(files["services.json"])[0]["name"] == "Corte"


async def test_one_client_exported_then_erased(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        booking_id = await client_booking(app, business_id, TUESDAY_11_LOCAL)
        async with app.container.uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(booking_id)
        assert booking is not None
        client_id = booking.client_id
        page = await client.get(f"/panel/clients/{client_id}")
        assert f'href="/panel/clients/{client_id}/export.zip"' in page.text
        exported = unzip((await client.get(f"/panel/clients/{client_id}/export.zip")).content)
        assert json.loads(exported["client.json"])[0]["phone"] == "+5511988887777"
        assert [b["id"] for b in json.loads(exported["bookings.json"])] == [booking_id]

        erased = await client.post(f"/panel/clients/{client_id}/erase")
        assert erased.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            gone = await uow.clients.get(client_id)
            cancelled = await uow.bookings.get(booking_id)
        assert gone is not None and gone.name == "" and gone.phone == ""
        assert gone.telegram_user_id is None
        assert cancelled is not None and cancelled.status is BookingStatus.CANCELLED


async def test_another_business_client_is_not_found(backend: Backend) -> None:
    async with panel_app(backend) as app:
        _first, business_id = await provider(app)
        booking_id = await client_booking(app, business_id, TUESDAY_11_LOCAL)
        async with app.container.uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(booking_id)
        assert booking is not None
        second, _ = await provider(app)
        assert (
            await second.get(f"/panel/clients/{booking.client_id}/export.zip")
        ).status_code == 404
        refused = await second.post(f"/panel/clients/{booking.client_id}/erase")
        assert refused.status_code == 404
        async with app.container.uow_factory(read_only=True) as uow:
            kept = await uow.clients.get(booking.client_id)
        assert kept is not None and kept.name == "Maria"
