"""Times typed in a professional's time-off form follow the walk-in form's rules (issue 11 item 1).

America/New_York: on 2026-03-08 the clock jumps 02:00 -> 03:00 (02:30 does not exist); on
2026-11-01 it goes back 02:00 -> 01:00 (01:30 happens twice). Both backends.
"""

from __future__ import annotations

import re
from datetime import datetime

from tests.conftest import Backend
from tests.integration.panel_support import PanelApp, PanelClient, panel_app
from tests.integration.test_panel_local_times import _ready, utc


async def _time_off(app: PanelApp, business_id: int) -> list[tuple[datetime, datetime]]:
    async with app.container.uow_factory(read_only=True) as uow:
        found = await uow.schedule.time_off_between(
            business_id, utc("2026-01-01 00:00"), utc("2027-01-01 00:00")
        )
    return sorted((x.start, x.end) for x in found)


def _off(day: str, start: str, end_day: str, end: str, **extra: str) -> dict[str, str]:
    return {
        "off_start_date": day,
        "off_start_time": start,
        "off_end_date": end_day,
        "off_end_time": end,
        "off_reason": "médico",
        **extra,
    }


async def test_a_time_off_at_a_time_the_clock_skips_is_refused(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id, page = await _member_page(app, "2026-03-01 12:00")
        refused = await client.post(
            f"{page}/time-off", _off("2026-03-08", "02:30", "2026-03-08", "05:00")
        )
        assert refused.status_code == 400
        assert "Esse horário não existe nesse dia" in refused.text
        assert await _time_off(app, business_id) == []

        done = await client.post(
            f"{page}/time-off", _off("2026-03-08", "01:30", "2026-03-08", "05:00")
        )
        assert done.status_code == 303
        # 01:30 EST and 05:00 EDT: three and a half hours, not four and a half.
        assert await _time_off(app, business_id) == [
            (utc("2026-03-08 06:30"), utc("2026-03-08 09:00"))
        ]


async def test_a_time_off_at_a_repeated_time_asks_which(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id, page = await _member_page(app, "2026-10-20 12:00")
        form = _off("2026-11-01", "00:30", "2026-11-01", "01:30")
        asked = await client.post(f"{page}/time-off", form)
        assert asked.status_code == 400
        assert "acontece duas vezes" in asked.text
        assert "01:30 (EDT)" in asked.text and "01:30 (EST)" in asked.text
        assert re.search(r'name="off_end_fold" value="1"', asked.text)
        assert not re.search(r'name="off_start_fold"', asked.text)  # 00:30 happens once
        assert await _time_off(app, business_id) == []

        done = await client.post(f"{page}/time-off", {**form, "off_end_fold": "1"})
        assert done.status_code == 303
        # 00:30 EDT to the second 01:30 (EST): two hours.
        assert await _time_off(app, business_id) == [
            (utc("2026-11-01 04:30"), utc("2026-11-01 06:30"))
        ]


async def _member_page(app: PanelApp, now: str) -> tuple[PanelClient, int, str]:
    """A New York provider signed in at ``now``, on their only professional's page."""
    client, business_id, _ = await _ready(app, now)
    async with app.container.uow_factory(read_only=True) as uow:
        [member] = await uow.staff.list_for_business(business_id)
    page = f"/panel/team/{member.id}"
    await client.get(page)
    return client, business_id, page
