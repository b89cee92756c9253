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
