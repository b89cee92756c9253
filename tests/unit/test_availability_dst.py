"""Daylight saving time: candidates live on the local wall clock.

Rules under test (see ``domain/availability.py``): a wall time in a spring-forward gap is
skipped; a wall time that happens twice (fall back) is offered at both instants when both are
working time (a person typing it picks one by its offset);
an interval boundary in a gap moves to the instant of the jump; the service must fit in *real*
time (a fall-back night makes an interval longer, a spring-forward night shorter).

Expected values are "HH:MM" plus the UTC offset at that instant.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.availability import LocalClock, available_days, find_slots
from domain.availability_naive import find_slots_naive

from .builders import at, booked, business, hhmm_off, member, query, service, snapshot, wall


def slots_on(
    zone: str, day: str, spans: list[str], minutes: int, step: int = 30, **kw: object
) -> list[str]:
    biz = business(zone, slot_step_minutes=step)
    snap = snapshot(biz, [member(1, spans)], [service(10, minutes)], **kw)  # type: ignore[arg-type]
    now = datetime.combine(date.fromisoformat(day) - timedelta(days=3), time(0), ZoneInfo(zone))
    q = query((10,), day, now=now)
    found = find_slots(snap, q)
    assert found == find_slots_naive(snap, q)
    assert [s.start for s in found] == sorted(s.start for s in found)
    return hhmm_off(found)


CASES = [
    # --- America/Sao_Paulo, 2018-11-04: 00:00 -> 01:00 (-03 -> -02) -----------------------
    # wall   00:00 00:30 | 01:00 01:30 02:00 02:30 03:00
    # exists   no    no  |  yes ...
    # The interval 00:00-03:00 starts at the jump (01:00 -02): two real hours.
    pytest.param(
        "America/Sao_Paulo",
        "2018-11-04",
        ["00:00-03:00"],
        60,
        30,
        ["01:00-0200", "01:30-0200", "02:00-0200"],
        id="sao-paulo-gap-at-midnight",
    ),
    # --- America/Sao_Paulo, 2019-02-16: 24:00 -> 23:00 (-02 -> -03) -----------------------
    # 23:00-23:59 happens twice; 23:00 and 23:30 are offered once, with -02 (first pass).
    pytest.param(
        "America/Sao_Paulo",
        "2019-02-16",
        ["22:00-23:59"],
        30,
        30,
        ["22:00-0200", "22:30-0200", "23:00-0200"],
        id="sao-paulo-fall-back-at-midnight",
    ),
    # The interval ends at 23:59 of the *first* pass (fold=0), so a 60-minute service at the
    # first 23:00 would end at 23:00 of the second pass: after closing.
    pytest.param(
        "America/Sao_Paulo",
        "2019-02-16",
        ["22:00-23:59"],
        60,
        30,
        ["22:00-0200", "22:30-0200"],
        id="sao-paulo-fall-back-boundary-first-pass",
    ),
    # --- America/New_York, 2026-03-08: 02:00 -> 03:00 (EST -> EDT) -------------------------
    # wall  00:00 00:30 01:00 01:30 | 02:00 02:30 (gap) | 03:00 03:30
    # 01:30 EST + 60 min = 03:30 EDT: a service may run across the gap.
    pytest.param(
        "America/New_York",
        "2026-03-08",
        ["00:00-04:00"],
        60,
        30,
        ["00:00-0500", "00:30-0500", "01:00-0500", "01:30-0500", "03:00-0400"],
        id="new-york-gap",
    ),
    # An interval starting inside the gap starts at the jump (03:00 EDT); the step stays
    # aligned to its nominal start 02:30.
    pytest.param(
        "America/New_York",
        "2026-03-08",
        ["02:30-05:00"],
        60,
        30,
        ["03:00-0400", "03:30-0400", "04:00-0400"],
        id="new-york-interval-starts-in-gap",
    ),
    # --- America/New_York, 2026-11-01: 02:00 -> 01:00 (EDT -> EST) -------------------------
    # 00:00-04:00 is five real hours. 01:00 and 01:30 happen twice and are offered twice (EDT
    # then EST): they are different moments, both working time.
    pytest.param(
        "America/New_York",
        "2026-11-01",
        ["00:00-04:00"],
        60,
        30,
        [
            *("00:00-0400", "00:30-0400", "01:00-0400", "01:30-0400"),
            *("01:00-0500", "01:30-0500", "02:00-0500", "02:30-0500", "03:00-0500"),
        ],
        id="new-york-fall-back",
    ),
    # --- Europe/Lisbon, 2026-03-29: 01:00 -> 02:00 (WET -> WEST) ---------------------------
    pytest.param(
        "Europe/Lisbon",
        "2026-03-29",
        ["00:00-03:00"],
        30,
        30,
        ["00:00+0000", "00:30+0000", "02:00+0100", "02:30+0100"],
        id="lisbon-gap",
    ),
    # --- Europe/Lisbon, 2026-10-25: 02:00 -> 01:00 (WEST -> WET) ---------------------------
    pytest.param(
        "Europe/Lisbon",
        "2026-10-25",
        ["00:00-03:00"],
        30,
        30,
        [
            *("00:00+0100", "00:30+0100", "01:00+0100", "01:30+0100"),
            *("01:00+0000", "01:30+0000", "02:00+0000", "02:30+0000"),
        ],
        id="lisbon-fall-back",
    ),
    # --- Australia/Lord_Howe, 2026-04-05: 02:00 -> 01:30 (+11 -> +10:30) -------------------
    # Only half an hour repeats: 01:30-01:59. 01:30 is offered at +11 and again at +10:30.
    pytest.param(
        "Australia/Lord_Howe",
        "2026-04-05",
        ["00:00-03:00"],
        30,
        30,
        [
            *("00:00+1100", "00:30+1100", "01:00+1100", "01:30+1100"),
            *("01:30+1030", "02:00+1030", "02:30+1030"),
        ],
        id="lord-howe-fall-back-30-min",
    ),
    # --- Australia/Lord_Howe, 2026-10-04: 02:00 -> 02:30 (+10:30 -> +11) -------------------
    # Only 02:00-02:29 is missing; with a 30-minute step, 02:00 is skipped and 02:30 exists.
    pytest.param(
        "Australia/Lord_Howe",
        "2026-10-04",
        ["00:00-04:00"],
        60,
        30,
        ["00:00+1030", "00:30+1030", "01:00+1030", "01:30+1030", "02:30+1100", "03:00+1100"],
        id="lord-howe-gap-30-min",
    ),
    # An interval from 02:15 (in the gap) starts at the jump (02:30
    # +11); candidates stay aligned to 02:15 every 30 minutes, so the first is 02:45.
    pytest.param(
        "Australia/Lord_Howe",
        "2026-10-04",
        ["02:15-04:00"],
        30,
        30,
        ["02:45+1100", "03:15+1100"],
        id="lord-howe-interval-starts-in-gap",
    ),
]


@pytest.mark.parametrize(("zone", "day", "spans", "minutes", "step", "expected"), CASES)
def test_dst(
    zone: str, day: str, spans: list[str], minutes: int, step: int, expected: list[str]
) -> None:
    assert slots_on(zone, day, spans, minutes, step) == expected


@pytest.mark.parametrize(
    ("zone", "wall_time", "jump_utc"),
    [
        ("America/Sao_Paulo", "2018-11-04 00:00", "2018-11-04 03:00"),
        ("America/Sao_Paulo", "2018-11-04 00:40", "2018-11-04 03:00"),
        ("America/New_York", "2026-03-08 02:30", "2026-03-08 07:00"),
        ("Europe/Lisbon", "2026-03-29 01:59", "2026-03-29 01:00"),
        ("Australia/Lord_Howe", "2026-10-04 02:15", "2026-10-03 15:30"),
    ],
)
def test_boundary_in_a_gap_moves_to_the_jump(zone: str, wall_time: str, jump_utc: str) -> None:
    clock = LocalClock(ZoneInfo(zone))
    naive = datetime.fromisoformat(wall_time)
    assert clock.start_to_utc(naive) is None
    assert clock.boundary_to_utc(naive) == at(jump_utc)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/Sao_Paulo", "2018-11-04", 23),
        ("America/Sao_Paulo", "2019-02-16", 25),
        ("America/New_York", "2026-03-08", 23),
        ("America/New_York", "2026-11-01", 25),
        ("Europe/Lisbon", "2026-03-29", 23),
        ("Europe/Lisbon", "2026-10-25", 25),
        ("Australia/Lord_Howe", "2026-04-05", 24.5),
        ("Australia/Lord_Howe", "2026-10-04", 23.5),
    ],
)
def test_day_length(zone: str, day: str, hours: float) -> None:
    clock = LocalClock(ZoneInfo(zone))
    first = date.fromisoformat(day)
    length = clock.day_start(first + timedelta(days=1)) - clock.day_start(first)
    assert length == timedelta(hours=hours)


def test_a_booking_in_the_repeated_hour_blocks_by_instant() -> None:
    # New York 2026-11-01. A booking at 01:00 EST (the *second* 01:00, 06:00 UTC), made in the
    # panel, occupies 06:00-07:00 UTC. 01:30 EDT (05:30 UTC) + 60 min would reach 06:30: refused;
    # 01:00 EDT (05:00 UTC) ends 06:00 exactly: fine; 02:00 EST (07:00 UTC): fine.
    zone = "America/New_York"
    second_one = wall(zone, "2026-11-01 01:00", fold=1)
    assert second_one == at("2026-11-01 06:00")
    got = slots_on(
        zone,
        "2026-11-01",
        ["00:00-04:00"],
        60,
        bookings=[booked(1, second_one, [service(10, 60)], ident=1)],
    )
    assert got == [
        "00:00-0400",
        "00:30-0400",
        "01:00-0400",
        "02:00-0500",
        "02:30-0500",
        "03:00-0500",
    ]


def test_available_days_across_a_dst_month() -> None:
    # Lisbon, March 2026, open every day 00:00-02:00 (an hour is missing on the 29th, but
    # 00:00-01:00 remains). Every day has a slot, including the change.
    biz = business("Europe/Lisbon")
    snap = snapshot(biz, [member(1, ["00:00-02:00"])], [service(10, 60)])
    q = query((10,), "2026-03-01", "2026-03-31", now=wall("Europe/Lisbon", "2026-02-28 12:00"))
    days = available_days(snap, q)
    assert len(days) == 31
    assert {s.local_day for s in find_slots(snap, q)} == days
