"""Services, team, hours, clients, settings and export pages; ownership on every route."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from domain.model import BookingStatus, ConfirmationMode
from tests.conftest import Backend
from tests.integration.panel_support import (
    PanelApp,
    client_booking,
    outbox_kinds,
    panel_app,
    provider,
)

TUESDAY_10_LOCAL = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
SP = ZoneInfo("America/Sao_Paulo")


async def _ids(app: PanelApp, business_id: int) -> tuple[int, int]:
    async with app.container.uow_factory(read_only=True) as uow:
        [service] = await uow.services.list_for_business(business_id, include_inactive=True)
        [member] = await uow.staff.list_for_business(business_id, include_inactive=True)
    assert service.id is not None and member.id is not None
    return service.id, member.id


async def test_services_create_edit_validate_and_deactivate(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        first_service, owner = await _ids(app, business_id)
        assert (await client.get("/panel/services")).status_code == 200
        await client.get("/panel/services/new")
        bad = await client.post(
            "/panel/services/new",
            {"name": "Barba", "duration_minutes": "0", "price": "abc", "capacity": "1"},
        )
        assert bad.status_code == 400 and 'value="Barba"' in bad.text
        assert "Use um número de 5 a 720." in bad.text and "35,00" in bad.text
        ok = await client.post(
            "/panel/services/new",
            {
                "name": "Barba",
                "duration_minutes": "20",
                "price": "30,50",
                "buffer_after_minutes": "10",
                "capacity": "1",
                f"staff_{owner}": "1",
            },
        )
        assert ok.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            services = await uow.services.list_for_business(business_id)
            member = await uow.staff.get(owner)
        barba = next(s for s in services if s.name == "Barba")
        assert (barba.price_minor, barba.buffer_after_minutes) == (3050, 10)
        assert member is not None and barba.id in member.service_ids
        edit = await client.get(f"/panel/services/{barba.id}")
        assert 'value="30,50"' in edit.text
        await client.post(
            f"/panel/services/{barba.id}",
            {"name": "Barba completa", "duration_minutes": "25", "price": "35", "capacity": "1"},
        )
        async with app.container.uow_factory(read_only=True) as uow:
            changed = await uow.services.get(barba.id or 0)
            member = await uow.staff.get(owner)
        assert changed is not None and changed.name == "Barba completa"
        assert member is not None and barba.id not in member.service_ids  # box left unticked
        # Deactivating a service with a future booking asks first.
        booking_id = await client_booking(app, business_id, TUESDAY_10_LOCAL)
        ask = await client.post(f"/panel/services/{first_service}/deactivate")
        assert ask.status_code == 200 and "1 agendamento(s) futuro(s)" in ask.text
        async with app.container.uow_factory(read_only=True) as uow:
            still = await uow.services.get(first_service)
        assert still is not None and still.active
        done = await client.post(
            f"/panel/services/{first_service}/deactivate", {"future": "cancel", "reason": "x"}
        )
        assert done.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            gone = await uow.services.get(first_service)
            booking = await uow.bookings.get(booking_id)
        assert gone is not None and not gone.active
        assert booking is not None and booking.status is BookingStatus.CANCELLED
        assert ("notify_client_status", "cancelled") in await outbox_kinds(app, booking_id)
        await client.post(f"/panel/services/{first_service}/activate")


async def test_team_member_hours_time_off_and_removal(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        service_id, _owner = await _ids(app, business_id)
        await client.get("/panel/team/new")
        week = {"day1_open": "1", "day1_start": "10:00", "day1_end": "16:00"}
        # Two spans of Tuesday that overlap (10-16 and 15-17) are refused.
        overlap = {"day1_start_1": "15:00", "day1_end_1": "17:00"}
        bad = await client.post("/panel/team/new", {"name": "", **week, **overlap})
        assert bad.status_code == 400 and "se sobrepõem" in bad.text
        ok = await client.post(
            "/panel/team/new", {"name": "Ana", f"service_{service_id}": "1", **week}
        )
        assert ok.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            ana = next(m for m in await uow.staff.list_for_business(business_id) if m.name == "Ana")
        assert ana.service_ids == {service_id}
        assert [(w.weekday, w.start, w.end) for w in ana.weekly_hours] == [(1, time(10), time(16))]
        page = await client.get(f"/panel/team/{ana.id}")
        assert page.status_code == 200 and 'value="10:00"' in page.text
        off = await client.post(
            f"/panel/team/{ana.id}/time-off",
            {
                "off_start_date": "2026-03-10",
                "off_start_time": "10:00",
                "off_end_date": "2026-03-10",
                "off_end_time": "12:00",
                "off_reason": "médico",
            },
        )
        assert off.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            [absence] = await uow.schedule.time_off_between(
                business_id, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
            )
        assert absence.start == datetime(2026, 3, 10, 10, tzinfo=SP)
        await client.post(f"/panel/team/{ana.id}/time-off/{absence.id}/delete")
        link = await client.post(f"/panel/team/{ana.id}/link-code")
        assert "start=link-" in link.text
        # Removing the owner, who has a booking ahead: asked, then kept.
        booking_id = await client_booking(app, business_id, TUESDAY_10_LOCAL)
        async with app.container.uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(booking_id)
        assert booking is not None
        ask = await client.post(f"/panel/team/{booking.staff_id}/deactivate")
        assert "Manter os agendamentos" in ask.text
        await client.post(f"/panel/team/{booking.staff_id}/deactivate", {"future": "keep"})
        async with app.container.uow_factory(read_only=True) as uow:
            kept = await uow.bookings.get(booking_id)
        assert kept is not None and kept.status is BookingStatus.CONFIRMED


async def test_business_closures(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        await client.get("/panel/hours")
        bad = await client.post(
            "/panel/hours/closures", {"first_day": "2026-03-10", "last_day": "2026-03-01"}
        )
        assert bad.status_code == 400 and 'value="2026-03-10"' in bad.text
        ok = await client.post(
            "/panel/hours/closures",
            {"first_day": "2026-03-16", "last_day": "2026-03-17", "note": "Carnaval"},
        )
        assert ok.status_code == 303
        page = await client.get("/panel/hours")
        assert page.text.count("· Carnaval") == 2
        async with app.container.uow_factory(read_only=True) as uow:
            days = await uow.schedule.exceptions_between(
                business_id, datetime(2026, 3, 1).date(), datetime(2026, 3, 31).date()
            )
        assert [d.day.day for d in days] == [16, 17] and all(d.closed for d in days)
        await client.post(f"/panel/hours/closures/{days[0].id}/delete")
        assert (await client.get("/panel/hours")).text.count("· Carnaval") == 1


async def test_clients_search_history_and_notes(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        await client_booking(app, business_id, TUESDAY_10_LOCAL, name="Maria Souza", tg=1)
        await client_booking(
            app, business_id, TUESDAY_10_LOCAL.replace(hour=15), name="Pedro", tg=2
        )
        found = await client.get("/panel/clients?q=mar")
        assert "Maria Souza" in found.text and "Pedro" not in found.text
        async with app.container.uow_factory(read_only=True) as uow:
            [maria] = await uow.panel.search_clients(business_id, "Maria")
        page = await client.get(f"/panel/clients/{maria.id}")
        assert page.status_code == 200 and "Corte" in page.text
        bad = await client.post(f"/panel/clients/{maria.id}", {"name": "", "notes": "alérgica"})
        assert bad.status_code == 400 and "alérgica" in bad.text
        await client.post(
            f"/panel/clients/{maria.id}", {"name": "Maria S.", "phone": "", "notes": "alérgica"}
        )
        async with app.container.uow_factory(read_only=True) as uow:
            updated = await uow.clients.get(maria.id or 0)
        assert updated is not None and updated.notes == "alérgica"


async def test_settings_validate_and_save(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        page = await client.get("/panel/settings")
        assert page.status_code == 200
        form = {
            "confirmation_mode": "manual",
            "min_notice_minutes": "30",
            "horizon_days": "90",
            "slot_step_minutes": "30",
            "cancellation_window_minutes": "240",
            "request_expiry_minutes": "120",
            "reminder_offsets": "1440, 60",
            "attendance_request_minutes": "0",
            "locale": "en",
            "currency": "BRL",
        }
        bad = await client.post(
            "/panel/settings", {**form, "horizon_days": "999", "reminder_offsets": "a,b"}
        )
        assert bad.status_code == 400 and 'value="999"' in bad.text
        assert "Use um número de 1 a 365." in bad.text and "separados por vírgula" in bad.text
        ok = await client.post("/panel/settings", form)
        assert ok.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            business = await uow.businesses.get(business_id)
        assert business is not None
        p = business.policies
        assert p.confirmation_mode is ConfirmationMode.MANUAL and p.horizon_days == 90
        assert p.reminder_offsets_minutes == (1440, 60) and business.locale == "en"
        english = await client.get("/panel/settings")
        assert "Settings" in english.text  # the panel follows the chosen language


async def test_csv_export_and_ical_feeds(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        booking_id = await client_booking(app, business_id, TUESDAY_10_LOCAL, name="=Maria")
        response = await client.get("/panel/export/bookings.csv?first=2026-03-01&last=2026-03-31")
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/csv"
        )
        rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
        assert len(rows) == 1
        row = rows[0]
        assert (row["id"], row["date"], row["start"], row["end"]) == (
            str(booking_id),
            "2026-03-03",
            "10:00",
            "10:30",
        )
        assert row["client"] == "'=Maria" and row["price"] == "45.00"
        bad = await client.get("/panel/export/bookings.csv?first=2026-03-31&last=2026-03-01")
        assert bad.status_code == 400
        page = await client.get("/panel/export")
        feeds = [x for x in page.text.split('"feed">')[1:]]
        business_url = feeds[0].split("<")[0]
        staff_url = feeds[1].split("<")[0]
        path = business_url.split("panel.test")[1]
        feed = await app.client().get(path)  # no session: the secret URL is the key
        assert feed.status_code == 200
        cal = icalendar.Calendar.from_ical(feed.content)
        [event] = [c for c in cal.walk("VEVENT")]
        assert event.decoded("dtstart") == datetime(2026, 3, 3, 10, tzinfo=SP)
        # UTC instants: never ambiguous, even in a repeated hour (calendar apps show local).
        assert event.decoded("dtstart").utcoffset() == timedelta(0)
        assert event.decoded("dtend") == datetime(2026, 3, 3, 10, 30, tzinfo=SP)
        assert "Corte" in str(event.get("summary"))
        assert str(cal["X-WR-TIMEZONE"]) == "America/Sao_Paulo"
        staff_feed = await app.client().get(staff_url.split("panel.test")[1])
        assert len(icalendar.Calendar.from_ical(staff_feed.content).walk("VEVENT")) == 1
        await client.post("/panel/export/ical/regenerate")
        assert (await app.client().get(path)).status_code == 404
        assert (await app.client().get("/ical/nope.ics")).status_code == 404


async def test_other_businesses_ids_are_404_and_change_nothing(backend: Backend) -> None:
    async with panel_app(backend) as app:
        mallory, _ = await provider(app)
        _victim, victim_business = await provider(app)
        service_id, staff_id = await _ids(app, victim_business)
        booking_id = await client_booking(app, victim_business, TUESDAY_10_LOCAL)
        async with app.container.uow_factory() as uow:
            booking = await uow.bookings.get(booking_id)
            assert booking is not None
            await uow.commit()
        from domain.days_off import add_closures, add_time_off

        [closure] = await add_closures(
            app.container.uow_factory(),
            business_id=victim_business,
            days=[datetime(2026, 3, 20).date()],
        )
        off = await add_time_off(
            app.container.uow_factory(),
            business_id=victim_business,
            staff_id=staff_id,
            start=TUESDAY_10_LOCAL.replace(day=10),
            end=TUESDAY_10_LOCAL.replace(day=10, hour=15),
        )
        client_id = booking.client_id
        gets = [
            f"/panel/bookings/{booking_id}",
            f"/panel/services/{service_id}",
            f"/panel/team/{staff_id}",
            f"/panel/clients/{client_id}",
        ]
        for url in gets:
            response = await mallory.get(url)
            assert response.status_code == 404, url
            assert "Página não encontrada." in response.text
        await mallory.get("/panel/agenda")
        posts: list[tuple[str, dict[str, str]]] = [
            (f"/panel/bookings/{booking_id}/{a}", {})
            for a in ("confirm", "decline", "cancel", "complete", "no-show")
        ]
        posts += [
            (f"/panel/bookings/{booking_id}/reschedule", {"date": "2026-03-03", "time": "15:00"}),
            (
                f"/panel/services/{service_id}",
                {"name": "X", "duration_minutes": "10", "price": "1", "capacity": "1"},
            ),
            (f"/panel/services/{service_id}/deactivate", {"future": "cancel"}),
            (f"/panel/services/{service_id}/activate", {}),
            (f"/panel/team/{staff_id}", {"name": "X"}),
            (f"/panel/team/{staff_id}/deactivate", {"future": "cancel"}),
            (f"/panel/team/{staff_id}/activate", {}),
            (
                f"/panel/team/{staff_id}/time-off",
                {"off_start_date": "2026-03-11", "off_end_date": "2026-03-12"},
            ),
            (f"/panel/team/{staff_id}/time-off/{off.id}/delete", {}),
            (f"/panel/team/{staff_id}/link-code", {}),
            (f"/panel/hours/closures/{closure.id}/delete", {}),
            (f"/panel/clients/{client_id}", {"name": "X"}),
            ("/panel/export/ical/regenerate", {"staff_id": str(staff_id)}),
        ]
        for url, data in posts:
            response = await mallory.post(url, data)
            assert response.status_code == 404, url
        async with app.container.uow_factory(read_only=True) as uow:
            after = await uow.bookings.get(booking_id)
            service = await uow.services.get(service_id)
            member = await uow.staff.get(staff_id)
            victim_client = await uow.clients.get(client_id)
            closures = await uow.schedule.exceptions_between(
                victim_business, closure.day, closure.day
            )
            offs = await uow.schedule.time_off_between(victim_business, off.start, off.end)
        assert after is not None and after.status is booking.status
        assert after.start == booking.start
        assert service is not None and service.active and service.name == "Corte"
        assert member is not None and member.active and member.name == "Zé"
        assert victim_client is not None and victim_client.name == "Maria"
        assert len(closures) == 1 and len(offs) == 1
        # A manual booking naming another business's service is refused too.
        refused = await mallory.post(
            "/panel/agenda/new",
            {
                "service_id": str(service_id),
                "date": "2026-03-03",
                "time": "15:00",
                "client_name": "X",
            },
        )
        assert refused.status_code == 400
