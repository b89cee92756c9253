"""Hours with breaks and past midnight: what the provider types is what is kept and shown."""

from __future__ import annotations

from datetime import time

import httpx

from domain.model import WeeklyInterval
from tests.conftest import Backend
from tests.integration.form_reader import form_fields
from tests.integration.panel_support import PanelApp, PanelClient, panel_app, provider

MONDAY = 0


async def _owner(app: PanelApp, business_id: int) -> int:
    async with app.container.uow_factory(read_only=True) as uow:
        [member] = await uow.staff.list_for_business(business_id)
    assert member.id is not None
    return member.id


async def _set_hours(app: PanelApp, staff_id: int, hours: list[WeeklyInterval]) -> None:
    async with app.container.uow_factory() as uow:
        member = await uow.staff.get(staff_id)
        assert member is not None
        member.weekly_hours = hours
        await uow.staff.update(member)
        await uow.commit()


async def _hours(app: PanelApp, staff_id: int) -> list[tuple[int, time, time]]:
    async with app.container.uow_factory(read_only=True) as uow:
        member = await uow.staff.get(staff_id)
    assert member is not None
    return sorted((w.weekday, w.start, w.end) for w in member.weekly_hours)


async def _resave(client: PanelClient, url: str) -> httpx.Response:
    page = await client.get(url)
    assert page.status_code == 200
    data: dict[str, list[str]] = {}
    for name, value in [*form_fields(page.text, url), ("action", "save")]:
        data.setdefault(name, []).append(value)
    return await client.http.post(url, data=data)


async def test_resaving_a_professional_keeps_both_spans_of_a_day_with_a_break(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        staff_id = await _owner(app, business_id)
        split = [
            WeeklyInterval(MONDAY, time(9), time(12)),
            WeeklyInterval(MONDAY, time(13), time(18)),
            WeeklyInterval(1, time(9), time(18)),
        ]
        await _set_hours(app, staff_id, split)
        saved = await _resave(client, f"/panel/team/{staff_id}")
        assert saved.status_code == 303, saved.text
        assert await _hours(app, staff_id) == [
            (MONDAY, time(9), time(12)),
            (MONDAY, time(13), time(18)),
            (1, time(9), time(18)),
        ]


def _week(**days: str) -> dict[str, str]:
    """Form fields: day0="09:00-12:00,13:00-18:00" -> ticked Monday with two rows."""
    data: dict[str, str] = {"name": "Zé", "action": "save"}
    for key, spec in days.items():
        d = key.removeprefix("day")
        data[f"day{d}_open"] = "1"
        for n, span in enumerate(spec.split(",")):
            start, end = span.split("-", 1)
            suffix = f"_{n}" if n else ""
            data[f"day{d}_start{suffix}"] = start
            data[f"day{d}_end{suffix}"] = end
    return data


async def test_overnight_and_until_midnight_spans_are_kept_and_labelled(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        staff_id = await _owner(app, business_id)
        url = f"/panel/team/{staff_id}"
        await client.get(url)
        saved = await client.post(url, _week(day4="18:00-02:00", day5="18h-meia-noite"))
        assert saved.status_code == 303
        assert await _hours(app, staff_id) == [(4, time(18), time(2)), (5, time(18), time(0))]
        team = await client.get("/panel/team")
        assert "18:00–02:00 (+1 dia)" in team.text
        assert "18:00–00:00 (até meia-noite)" in team.text
        # Re-saving the page as shown keeps them too.
        assert (await _resave(client, url)).status_code == 303
        assert await _hours(app, staff_id) == [(4, time(18), time(2)), (5, time(18), time(0))]


async def test_overlapping_spans_are_refused_with_a_message_and_nothing_changes(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        staff_id = await _owner(app, business_id)
        before = await _hours(app, staff_id)
        url = f"/panel/team/{staff_id}"
        await client.get(url)
        refused = await client.http.post(
            url, data={**_week(day0="09:00-12:00,11:00-14:00"), "csrf_token": client.csrf}
        )
        # Post/Redirect/Get: a refresh of what the person sees never posts again.
        assert refused.status_code == 303 and refused.headers["location"] == url
        page = await client.get(url)
        assert page.status_code == 400
        assert "se sobrepõem" in page.text and 'value="11:00"' in page.text
        assert await _hours(app, staff_id) == before
        # The message is read once: reloading the page shows the saved hours, no error.
        again = await client.get(url)
        assert again.status_code == 200 and "se sobrepõem" not in again.text
        # Monday night running into Tuesday morning overlaps too.
        await client.http.post(
            url,
            data={**_week(day0="20:00-03:00", day1="02:00-10:00"), "csrf_token": client.csrf},
        )
        assert "se sobrepõem" in (await client.get(url)).text
        assert await _hours(app, staff_id) == before


async def test_adding_a_break_row_works_without_javascript(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        staff_id = await _owner(app, business_id)
        url = f"/panel/team/{staff_id}"
        await client.get(url)
        added = await client.http.post(
            url,
            data={**_week(day0="09:00-12:00"), "action": "add:day0", "csrf_token": client.csrf},
        )
        assert added.status_code == 303
        page = await client.get(url)
        assert 'name="day0_start_1"' in page.text and 'value="12:00"' in page.text
        data = form_fields(page.text, url)
        filled = [
            (k, "13:00" if k == "day0_start_1" else "18:00" if k == "day0_end_1" else v)
            for k, v in data
        ]
        body: dict[str, list[str]] = {}
        for k, v in [*filled, ("action", "save")]:
            body.setdefault(k, []).append(v)
        assert (await client.http.post(url, data=body)).status_code == 303
        assert [h for h in await _hours(app, staff_id) if h[0] == 0] == [
            (0, time(9), time(12)),
            (0, time(13), time(18)),
        ]


async def test_a_special_day_keeps_several_spans(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        await client.get("/panel/hours")
        page = await client.get("/panel/hours")
        once = form_fields(page.text, "/panel/hours/closures")
        data = dict(once) | {
            "first_day": "2026-03-20",
            "special": "1",
            "open_start": "08:00",
            "open_end": "12:00",
            "open_start_1": "14:00",
            "open_end_1": "01:00",
        }
        assert (await client.http.post("/panel/hours/closures", data=data)).status_code == 303
        shown = await client.get("/panel/hours")
        assert "08:00–12:00, 14:00–01:00 (+1 dia)" in shown.text
        # The same form sent twice (double tap) adds the day once.
        await client.http.post("/panel/hours/closures", data=data)
        async with app.container.uow_factory(read_only=True) as uow:
            from datetime import date

            found = await uow.schedule.exceptions_between(
                business_id, date(2026, 3, 20), date(2026, 3, 20)
            )
        assert [e.intervals for e in found] == [((time(8), time(12)), (time(14), time(1)))]
