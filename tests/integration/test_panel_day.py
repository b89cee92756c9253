"""The provider's day in the panel (issue 15): attendance and its filter, client history and
search, booking a finished visit again. The real app over httpx, on both backends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from domain import booking as use_cases
from tests.conftest import Backend
from tests.integration.panel_support import client_booking, panel_app, provider

# 2026-03-02 is a Monday; the test clock starts at 12:00 UTC (09:00 in São Paulo).
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
TUESDAY_10 = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
TUESDAY_11 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
TUESDAY_12 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def item(page: str, booking_id: int) -> str:
    return page.split(f'id="booking-{booking_id}"')[1].split("</li>")[0]


async def client_of(app: Any, booking_id: int) -> int:
    async with app.container.uow_factory(read_only=True) as uow:
        booking = await uow.bookings.get(booking_id)
    assert booking is not None
    return int(booking.client_id)


async def test_the_agenda_shows_attendance_and_filters_to_not_confirmed_yet(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        yes = await client_booking(app, business_id, TUESDAY_10, name="Maria", tg=5001)
        silent = await client_booking(app, business_id, TUESDAY_11, name="João", tg=5002)
        cant = await client_booking(app, business_id, TUESDAY_12, name="Rita", tg=5003)
        await use_cases.confirm_attendance(
            app.container.uow_factory(),
            now=app.clock(),
            booking_id=yes,
            client_id=await client_of(app, yes),
        )
        await use_cases.cancel_by_client(
            app.container.uow_factory(),
            now=app.clock(),
            booking_id=cant,
            client_id=await client_of(app, cant),
        )
        day = (await client.get("/panel/agenda?day=2026-03-03")).text
        assert 'data-attendance="confirmed"' in item(day, yes)
        assert 'data-attendance="waiting"' in item(day, silent)
        assert 'data-attendance="cant_come"' in item(day, cant)
        assert "Cliente avisou que não vem" in item(day, cant)

        assert "Só quem ainda não confirmou" in day
        waiting = (await client.get("/panel/agenda?day=2026-03-03&attendance=waiting")).text
        assert f'id="booking-{silent}"' in waiting
        assert f'id="booking-{yes}"' not in waiting and f'id="booking-{cant}"' not in waiting
        # The filter survives moving to the next day.
        assert re.search(r'href="/panel/agenda\?day=2026-03-04[^"]*attendance=waiting', waiting)


async def test_a_client_page_lists_past_and_future_with_who_changed_them(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        came = await client_booking(app, business_id, TUESDAY_10, name="Maria Souza")
        missed = await client_booking(app, business_id, TUESDAY_11, name="Maria Souza")
        later = await client_booking(
            app, business_id, datetime(2026, 3, 10, 13, 0, tzinfo=UTC), name="Maria Souza"
        )
        gone = await client_booking(
            app, business_id, datetime(2026, 3, 11, 13, 0, tzinfo=UTC), name="Maria Souza"
        )
        await use_cases.cancel_by_client(
            app.container.uow_factory(),
            now=app.clock(),
            booking_id=gone,
            client_id=await client_of(app, gone),
        )
        app.clock.now = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # Tuesday afternoon
        assert (await client.post(f"/panel/bookings/{came}/complete")).status_code == 303
        assert (await client.post(f"/panel/bookings/{missed}/no-show")).status_code == 303

        # Search by part of the name, and by the phone typed with punctuation.
        client_id = await client_of(app, came)
        for query in ("maria", "98888-7777", "(11) 98888"):
            found = await client.get("/panel/clients", params={"q": query})
            assert f'id="client-{client_id}"' in found.text, query
        nobody = await client.get("/panel/clients", params={"q": "zzz"})
        assert f'id="client-{client_id}"' not in nobody.text

        page = (await client.get(f"/panel/clients/{client_id}")).text
        upcoming = page.split('id="upcoming"')[1].split("</ul>")[0]
        past = page.split('id="past"')[1].split("</ul>")[0]
        assert f'id="history-{later}"' in upcoming and f'id="history-{gone}"' in upcoming
        assert f'id="history-{came}"' in past and f'id="history-{missed}"' in past
        gone_item = upcoming.split(f'id="history-{gone}"')[1].split("</li>")[0]
        assert 'data-changed-by="client"' in gone_item
        missed_item = past.split(f'id="history-{missed}"')[1].split("</li>")[0]
        assert 'data-changed-by="provider"' in missed_item
        assert "1 falta(s)" in page
        assert "comparecimento: 50%" in page


async def test_a_finished_visit_is_booked_again_in_two_clicks(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        visit = await client_booking(app, business_id, TUESDAY_10, name="Maria Souza")
        app.clock.now = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
        await client.post(f"/panel/bookings/{visit}/complete")
        agenda = (await client.get("/panel/agenda?day=2026-03-03")).text
        assert f'href="/panel/bookings/{visit}/again"' in item(agenda, visit)

        posts = client.posts
        offer = await client.get(f"/panel/bookings/{visit}/again")  # click 1
        assert offer.status_code == 200
        # The same weekday and time first: next Tuesday, 10:00.
        first_at = re.search(r'data-at="(\d+)"', offer.text)
        assert first_at is not None
        next_tuesday = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
        assert int(first_at.group(1)) == int(next_tuesday.timestamp())
        done = await client.post(f"/panel/bookings/{visit}/again", {"at": first_at.group(1)})
        assert client.posts == posts + 1  # click 2
        assert done.status_code == 303
        assert done.headers["location"].startswith("/panel/agenda?day=2026-03-10&done=booked")
        async with app.container.uow_factory(read_only=True) as uow:
            mine = await uow.bookings.for_client(await client_of(app, visit))
        [again] = [b for b in mine if b.id != visit]
        assert again.start == next_tuesday and again.service_ids
        # A forged time is refused with a message, and books nothing.
        bad = await client.post(f"/panel/bookings/{visit}/again", {"at": "12"})
        assert bad.status_code == 409


async def test_the_link_code_validity_matches_the_readme(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, _ = await provider(app)
        ticking = app.clock

        class Ticking(type(ticking)):  # type: ignore[misc]
            """A real clock moves between two readings."""

            def __call__(self) -> datetime:
                self.now += timedelta(milliseconds=3)
                now: datetime = self.now
                return now

        ticking.__class__ = Ticking
        page = (await client.get("/panel/share")).text
        assert "O link vale por 15 minutos" in page
        assert "one-time t.me link, 15 min" in README


async def test_the_no_show_policy_is_set_in_settings_and_forgiven_on_the_client_page(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        settings = (await client.get("/panel/settings")).text
        assert 'name="no_show_limit"' in settings and 'value="0"' in settings  # off
        form = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', settings))
        form.pop("csrf_token", None)
        form |= {"no_show_limit": "2", "no_show_window_days": "90"}
        form["confirmation_mode"] = "automatic"
        form["slot_step_minutes"] = "15"
        form["locale"], form["currency"] = "pt_BR", "BRL"
        saved = await client.post("/panel/settings", form)
        assert saved.status_code == 303, saved.text[:2000]
        async with app.container.uow_factory(read_only=True) as uow:
            business = await uow.businesses.get(business_id)
        assert business is not None
        assert (business.policies.no_show_limit, business.policies.no_show_window_days) == (2, 90)

        first = await client_booking(app, business_id, TUESDAY_10, name="Maria")
        second = await client_booking(app, business_id, TUESDAY_11, name="Maria")
        app.clock.now = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
        for booking_id in (first, second):
            await client.post(f"/panel/bookings/{booking_id}/no-show")
        held = await client_booking(
            app, business_id, datetime(2026, 3, 4, 13, 0, tzinfo=UTC), name="Maria"
        )
        async with app.container.uow_factory(read_only=True) as uow:
            waiting = await uow.bookings.get(held)
        assert waiting is not None and waiting.status.value == "pending"

        client_id = await client_of(app, first)
        page = (await client.get(f"/panel/clients/{client_id}")).text
        assert "data-held" in page and "2 falta(s) recentes" in page
        done = await client.post(f"/panel/clients/{client_id}/forgive")
        assert done.headers["location"] == f"/panel/clients/{client_id}?done=forgiven"
        page = (await client.get(done.headers["location"])).text
        assert "data-held" not in page and "Faltas perdoadas" in page
        freed = await client_booking(
            app, business_id, datetime(2026, 3, 5, 13, 0, tzinfo=UTC), name="Maria"
        )
        async with app.container.uow_factory(read_only=True) as uow:
            confirmed = await uow.bookings.get(freed)
        assert confirmed is not None and confirmed.status.value == "confirmed"


async def test_a_class_shows_seats_left_and_approval_is_set_per_service(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        async with app.container.uow_factory() as uow:
            [service] = await uow.services.list_for_business(business_id)
        form = {
            "name": "Yoga",
            "duration_minutes": "60",
            "price": "30,00",
            "capacity": "3",
            "needs_approval": "1",
        }
        async with app.container.uow_factory(read_only=True) as uow:
            [member] = await uow.staff.list_for_business(business_id)
        form[f"staff_{member.id}"] = "1"
        await client.get(f"/panel/services/{service.id}")
        saved = await client.post(f"/panel/services/{service.id}", form)
        assert saved.status_code == 303
        page = (await client.get(f"/panel/services/{service.id}")).text
        assert re.search(r'name="needs_approval" value="1"\s+checked', page)

        first = await client_booking(app, business_id, TUESDAY_10, name="Ana", tg=6001)
        await client_booking(app, business_id, TUESDAY_10, name="Bia", tg=6002)
        day = (await client.get("/panel/agenda?day=2026-03-03")).text
        assert 'data-seats="1"' in item(day, first) and "1 vaga(s) na turma" in day
        async with app.container.uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(first)
        assert booking is not None and booking.status.value == "pending"  # needs approval
