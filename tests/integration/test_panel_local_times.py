"""Local times typed in the panel, and the iCal feed, on DST days (America/New_York).

2026-03-08: the clock jumps 02:00 -> 03:00, so 02:30 does not exist.
2026-11-01: the clock goes back 02:00 -> 01:00, so 01:00-01:59 happens twice.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from icalendar import Calendar

from domain.model import Service, WeeklyInterval
from tests.conftest import Backend
from tests.integration.panel_support import PanelApp, PanelClient, panel_app, provider


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


async def _night_business(app: PanelApp, business_id: int) -> int:
    """Move the business to New York, open 00:00-12:00 every day; returns the service id."""
    async with app.container.uow_factory() as uow:
        business = await uow.businesses.get(business_id)
        assert business is not None
        business.timezone = "America/New_York"
        await uow.businesses.update(business)
        [member] = await uow.staff.list_for_business(business_id)
        member.weekly_hours = [WeeklyInterval(d, time(0), time(12)) for d in range(7)]
        await uow.staff.update(member)
        [service] = await uow.services.list_for_business(business_id)
        await uow.commit()
    assert service.id is not None
    return service.id


def _walk_in(service_id: int, day: str, at: str, **extra: str) -> dict[str, str | list[str]]:
    return {
        "service_id": str(service_id),
        "staff_id": "",
        "date": day,
        "time": at,
        "client_name": "João Balcão",
        "client_phone": "",
        "notes": "",
        **extra,
    }


async def _starts(app: PanelApp, business_id: int) -> list[datetime]:
    async with app.container.uow_factory(read_only=True) as uow:
        found = await uow.bookings.for_business_between(
            business_id, utc("2026-01-01 00:00"), utc("2027-01-01 00:00")
        )
    return sorted(b.start for b in found)


async def _ready(app: PanelApp, now: str) -> tuple[PanelClient, int, int]:
    app.clock.now = utc(now)  # before signing in: a session does not outlive a clock jump
    client, business_id = await provider(app)
    service_id = await _night_business(app, business_id)
    return client, business_id, service_id


async def test_a_time_the_clock_skips_is_refused_with_a_clear_message(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id, service_id = await _ready(app, "2026-03-01 12:00")
        await client.get("/panel/agenda/new")
        refused = await client.post(
            "/panel/agenda/new", _walk_in(service_id, "2026-03-08", "02:30")
        )
        assert refused.status_code == 400
        assert "Esse horário não existe nesse dia" in refused.text
        assert await _starts(app, business_id) == []
        # 01:30 exists (EST): 06:30Z.
        done = await client.post("/panel/agenda/new", _walk_in(service_id, "2026-03-08", "01:30"))
        assert done.status_code == 303
        assert await _starts(app, business_id) == [utc("2026-03-08 06:30")]


async def test_a_time_that_happens_twice_is_offered_with_its_offset(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id, service_id = await _ready(app, "2026-10-20 12:00")
        await client.get("/panel/agenda/new")
        asked = await client.post("/panel/agenda/new", _walk_in(service_id, "2026-11-01", "01:30"))
        assert asked.status_code == 400
        assert "acontece duas vezes" in asked.text
        assert "01:30 (EDT)" in asked.text and "01:30 (EST)" in asked.text
        assert re.search(r'name="fold" value="1"', asked.text)
        assert await _starts(app, business_id) == []

        second = await client.post(
            "/panel/agenda/new", _walk_in(service_id, "2026-11-01", "01:30", fold="1")
        )
        assert second.status_code == 303
        first = await client.post(
            "/panel/agenda/new",
            _walk_in(service_id, "2026-11-01", "01:30", fold="0", client_name="Outra"),
        )
        assert first.status_code == 303
        assert await _starts(app, business_id) == [
            utc("2026-11-01 05:30"),
            utc("2026-11-01 06:30"),
        ]


async def test_rescheduling_to_a_repeated_time_asks_which(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id, service_id = await _ready(app, "2026-10-20 12:00")
        await client.get("/panel/agenda/new")
        made = await client.post("/panel/agenda/new", _walk_in(service_id, "2026-11-01", "09:00"))
        assert made.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            [booking] = await uow.bookings.for_business_between(
                business_id, utc("2026-11-01 00:00"), utc("2026-11-02 00:00")
            )
        url = f"/panel/bookings/{booking.id}"
        await client.get(url)
        move = {"date": "2026-11-01", "time": "01:00", "staff_id": str(booking.staff_id)}
        asked = await client.post(f"{url}/reschedule", move)
        assert asked.status_code == 400 and "01:00 (EST)" in asked.text
        moved = await client.post(f"{url}/reschedule", {**move, "fold": "1"})
        assert moved.status_code == 303
        assert await _starts(app, business_id) == [utc("2026-11-01 06:00")]
        gap = await client.post(
            f"{url}/reschedule", {**move, "date": "2027-03-14", "time": "02:15"}
        )
        assert gap.status_code == 400 and "não existe" in gap.text
        assert await _starts(app, business_id) == [utc("2026-11-01 06:00")]


async def test_the_ical_feed_keeps_a_visits_length_on_a_fall_back_night(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id, _ = await _ready(app, "2026-10-20 12:00")
        async with app.container.uow_factory() as uow:
            long_one = await uow.services.add(
                Service(business_id=business_id, name="Tattoo", duration_minutes=150, price_minor=1)
            )
            [member] = await uow.staff.list_for_business(business_id)
            member.service_ids = {*member.service_ids, long_one.id or 0}
            await uow.staff.update(member)
            token = await uow.panel.regenerate_ical_token(business_id)
            await uow.commit()
        await client.get("/panel/agenda/new")
        # 00:30 EDT + 150 minutes = 01:00 EST (the second 01:00): 04:30Z-07:00Z.
        made = await client.post(
            "/panel/agenda/new", _walk_in(long_one.id or 0, "2026-11-01", "00:30")
        )
        assert made.status_code == 303
        feed = await client.get(f"/ical/{token}.ics")
        assert feed.status_code == 200
        [event] = Calendar.from_ical(feed.content).walk("VEVENT")
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert end - start == timedelta(minutes=150)
        assert start == utc("2026-11-01 04:30")


async def test_a_booking_after_midnight_shows_under_the_evening_it_belongs_to(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)  # São Paulo, UTC-3
        async with app.container.uow_factory() as uow:
            [member] = await uow.staff.list_for_business(business_id)
            member.weekly_hours = [WeeklyInterval(4, time(18), time(2))]  # Fridays 18:00-02:00
            await uow.staff.update(member)
            [service] = await uow.services.list_for_business(business_id)
            await uow.commit()
        await client.get("/panel/agenda/new")
        # Typed as it happens: Saturday 2026-03-07 at 01:00, inside Friday night's span.
        made = await client.post(
            "/panel/agenda/new", _walk_in(service.id or 0, "2026-03-07", "01:00")
        )
        assert made.status_code == 303
        assert await _starts(app, business_id) == [utc("2026-03-07 04:00")]
        friday = await client.get("/panel/agenda?day=2026-03-06")
        saturday = await client.get("/panel/agenda?day=2026-03-07")
        assert "João Balcão" in friday.text and "01:00" in friday.text
        assert "João Balcão" not in saturday.text
        csv_text = (
            await client.get("/panel/export/bookings.csv?first=2026-03-06&last=2026-03-07")
        ).text
        [row] = [line for line in csv_text.splitlines() if "João Balcão" in line]
        assert row.split(",")[1:4] == ["2026-03-06", "01:00", "01:30"]
