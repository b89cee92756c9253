"""When daily actions are due, and what a planner writes (pure: domain/daily.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from domain import actions
from domain.daily import DailyRow, local_instant, plan_daily
from domain.model import Business, Policies

NY = ZoneInfo("America/New_York")


def business(digest: time | None = None) -> Business:
    return Business(
        name="B",
        slug="b",
        timezone="America/New_York",
        id=7,
        policies=Policies(daily_digest_at=digest),
    )


def test_a_skipped_wall_clock_time_moves_past_the_gap_and_others_keep_their_wall_time() -> None:
    # 2026-03-08 02:00 EST -> 03:00 EDT: 02:30 does not exist that night.
    assert local_instant(date(2026, 3, 7), time(2, 30), NY) == datetime(
        2026, 3, 7, 7, 30, tzinfo=UTC
    )
    assert local_instant(date(2026, 3, 8), time(2, 30), NY) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )
    assert local_instant(date(2026, 3, 9), time(2, 30), NY) == datetime(
        2026, 3, 9, 6, 30, tzinfo=UTC
    )
    assert local_instant(date(2026, 3, 8), time(8), NY) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    # Fall back (2026-11-01): 01:30 happens twice; the first one counts.
    assert local_instant(date(2026, 11, 1), time(1, 30), NY) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )


def test_the_next_occurrence_is_planned_once_and_the_digest_only_when_set() -> None:
    now = datetime(2026, 3, 8, 11, 0, tzinfo=UTC)  # Sunday 07:00 EDT
    plan = plan_daily(business(), [], now)
    assert [(o.kind, o.day, o.due_at) for o in plan.insert] == [
        (actions.MORNING_AFTER, date(2026, 3, 8), datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    ]
    planned = [DailyRow(1, o.kind, 7, o.day, o.due_at, "pending") for o in plan.insert]
    assert plan_daily(business(), planned, now) == plan_daily(business(), planned, now)
    assert plan_daily(business(), planned, now).insert == ()
    # Done today: tomorrow's is next.
    done = [dataclasses.replace(planned[0], status="done")]
    [tomorrow] = plan_daily(business(), done, now).insert
    assert tomorrow.day == date(2026, 3, 9) and tomorrow.key.endswith(":7:2026-03-09")


def test_a_changed_or_cleared_digest_time_retires_the_pending_row() -> None:
    now = datetime(2026, 3, 8, 11, 0, tzinfo=UTC)
    digest = plan_daily(business(time(9)), [], now).insert[1]
    row = DailyRow(5, digest.kind, 7, digest.day, digest.due_at, "pending")
    moved = plan_daily(business(time(10)), [row], now)
    assert moved.retire == (5,)
    assert [o.due_at for o in moved.insert if o.kind == actions.DAILY_DIGEST] == [
        datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    ]
    off = plan_daily(business(None), [row], now)
    assert off.retire == (5,) and all(o.kind != actions.DAILY_DIGEST for o in off.insert)
