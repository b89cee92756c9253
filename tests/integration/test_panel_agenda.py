"""Agenda, requests and booking actions over HTTP; each change notifies through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.model import BookingStatus
from tests.conftest import Backend
from tests.integration.panel_support import (
    client_booking,
    outbox_kinds,
    panel_app,
    provider,
)

# 2026-03-02 is a Monday; the test clock starts at 12:00 UTC (09:00 in São Paulo).
TUESDAY_10_LOCAL = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
TUESDAY_11_LOCAL = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


async def _status(app: Any, booking_id: int) -> BookingStatus:
    async with app.container.uow_factory(read_only=True) as uow:
        booking = await uow.bookings.get(booking_id)
    assert booking is not None
    return BookingStatus(booking.status)


async def test_day_and_week_show_bookings_in_local_time(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        await client_booking(app, business_id, TUESDAY_10_LOCAL, name="Maria Souza")
        day = await client.get("/panel/agenda?day=2026-03-03")
        assert day.status_code == 200
        assert "Maria Souza" in day.text and "10:00–10:30" in day.text
        assert "R$ 45,00" in day.text
        week = await client.get("/panel/agenda?day=2026-03-04&view=week")
        assert "Maria Souza" in week.text
        empty = await client.get("/panel/agenda?day=2026-03-05")
        assert "Maria Souza" not in empty.text and "Nenhum agendamento." in empty.text
        junk = await client.get("/panel/agenda?day=not-a-date&staff=abc")
        assert junk.status_code == 200


async def test_confirm_a_request_from_the_requests_page(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app, manual=True)
        booking_id = await client_booking(app, business_id, TUESDAY_10_LOCAL)
        page = await client.get("/panel/requests")
        assert f'id="booking-{booking_id}"' in page.text
        response = await client.post(
            f"/panel/bookings/{booking_id}/confirm", {"next": "/panel/requests"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/panel/requests?done=confirmed"
        assert await _status(app, booking_id) is BookingStatus.CONFIRMED
        assert ("notify_client_status", "confirmed") in await outbox_kinds(app, booking_id)
        page = await client.get("/panel/requests?done=confirmed")
        assert f'id="booking-{booking_id}"' not in page.text
        assert "Agendamento confirmado" in page.text
        # Confirming twice changes nothing and says so.
        again = await client.post(f"/panel/bookings/{booking_id}/confirm")
        assert "invalid_transition" in again.headers["location"]


async def test_decline_cancel_complete_and_no_show(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app, manual=True)
        declined = await client_booking(app, business_id, TUESDAY_10_LOCAL, tg=1)
        await client.post(f"/panel/bookings/{declined}/decline", {"reason": "fechado"})
        assert await _status(app, declined) is BookingStatus.DECLINED
        cancelled = await client_booking(app, business_id, TUESDAY_11_LOCAL, tg=2)
        await client.post(f"/panel/bookings/{cancelled}/confirm")
        response = await client.post(
            f"/panel/bookings/{cancelled}/cancel", {"reason": "imprevisto"}
        )
        assert response.status_code == 303
        assert await _status(app, cancelled) is BookingStatus.CANCELLED
        assert ("notify_client_status", "cancelled") in await outbox_kinds(app, cancelled)
        came = await client_booking(app, business_id, TUESDAY_10_LOCAL, tg=3)
        await client.post(f"/panel/bookings/{came}/confirm")
        early = await client.post(f"/panel/bookings/{came}/complete")
        assert "too_early" in early.headers["location"]
        app.clock.now = TUESDAY_10_LOCAL.replace(hour=14)
        await client.post(f"/panel/bookings/{came}/complete")
        assert await _status(app, came) is BookingStatus.COMPLETED
        missed = await client_booking(app, business_id, datetime(2026, 3, 4, 13, tzinfo=UTC), tg=4)
        await client.post(f"/panel/bookings/{missed}/confirm")
        app.clock.now = datetime(2026, 3, 4, 15, tzinfo=UTC)
        await client.post(f"/panel/bookings/{missed}/no-show")
        assert await _status(app, missed) is BookingStatus.NO_SHOW
        clients = await client.get("/panel/clients")
        assert "1 falta(s)" in clients.text


async def test_reschedule_and_refusal_with_alternatives(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        first = await client_booking(app, business_id, TUESDAY_10_LOCAL, tg=1)
        await client_booking(app, business_id, TUESDAY_11_LOCAL, tg=2)
        await client.get(f"/panel/bookings/{first}")
        taken = await client.post(
            f"/panel/bookings/{first}/reschedule", {"date": "2026-03-03", "time": "11:00"}
        )
        assert taken.status_code == 400
        assert "já está ocupado" in taken.text and "11:30" in taken.text
        assert 'value="11:00"' in taken.text  # what was typed stays
        moved = await client.post(
            f"/panel/bookings/{first}/reschedule", {"date": "2026-03-03", "time": "15:00"}
        )
        assert moved.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(first)
        assert booking is not None
        assert booking.start == datetime(2026, 3, 3, 18, tzinfo=UTC)
        assert ("notify_client_status", "rescheduled") in await outbox_kinds(app, first)
        bad = await client.post(
            f"/panel/bookings/{first}/reschedule", {"date": "03/03/2026", "time": "25:00"}
        )
        assert bad.status_code == 400 and "Data inválida." in bad.text


async def test_manual_booking_for_a_walk_in(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        page = await client.get("/panel/agenda/new?day=2026-03-03")
        assert page.status_code == 200
        async with app.container.uow_factory(read_only=True) as uow:
            [service] = await uow.services.list_for_business(business_id)
        form = {
            "service_id": str(service.id),
            "staff_id": "",
            "date": "2026-03-03",
            "time": "16:30",
            "client_name": "João Balcão",
            "client_phone": "+55 11 91234-5678",
            "notes": "walk-in",
        }
        response = await client.post("/panel/agenda/new", form)
        assert response.status_code == 303
        assert response.headers["location"] == "/panel/agenda?day=2026-03-03&done=booked"
        day = await client.get("/panel/agenda?day=2026-03-03")
        assert "João Balcão" in day.text and "16:30" in day.text
        clash = await client.post("/panel/agenda/new", {**form, "client_name": "Outro"})
        assert clash.status_code == 400 and "não está disponível" in clash.text
        assert 'value="Outro"' in clash.text
        sunday = await client.post("/panel/agenda/new", {**form, "date": "2026-03-08"})
        assert sunday.status_code == 400
        missing = await client.post("/panel/agenda/new", {**form, "client_name": ""})
        assert missing.status_code == 400 and "Preencha este campo." in missing.text
        async with app.container.uow_factory(read_only=True) as uow:
            clients = await uow.panel.search_clients(business_id, "")
        assert [c.name for c in clients] == ["João Balcão"]  # refused forms wrote nothing
