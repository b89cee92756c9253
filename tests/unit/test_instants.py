"""Local times typed by people, and instants at the domain boundary (domain/instants.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput
from domain.instants import (
    AmbiguousLocalTime,
    NonexistentLocalTime,
    as_utc,
    is_utc,
    local_choices,
    local_to_utc,
    repeated_hour_label,
)

NEW_YORK = ZoneInfo("America/New_York")


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


def test_as_utc_refuses_naive_and_converts_aware() -> None:
    with pytest.raises(InvalidInput):
        as_utc(datetime(2026, 3, 8, 1, 30))
    second = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK, fold=1)
    assert as_utc(second) == utc("2026-11-01 06:30") and as_utc(second).tzinfo is UTC
    assert is_utc(as_utc(second)) and not is_utc(second)
    assert not is_utc(datetime(2026, 1, 10, 12, tzinfo=ZoneInfo("Europe/London")))  # GMT


def test_a_time_that_happens_once() -> None:
    assert local_to_utc(date(2026, 6, 1), time(9), NEW_YORK) == utc("2026-06-01 13:00")
    kathmandu = ZoneInfo("Asia/Kathmandu")
    assert local_to_utc(date(2026, 6, 1), time(9), kathmandu) == utc("2026-06-01 03:15")
    [only] = local_choices(date(2026, 6, 1), time(9), kathmandu)
    assert only.label == "UTC+05:45"


def test_a_time_the_clock_skips_is_refused() -> None:
    with pytest.raises(NonexistentLocalTime):
        local_to_utc(date(2026, 3, 8), time(2, 30), NEW_YORK)
    # Samoa skipped the whole of 2011-12-30.
    assert local_choices(date(2011, 12, 30), time(12), ZoneInfo("Pacific/Apia")) == ()
    # Nuuk 2026-03-28: 23:00-23:59 never happens (the clock goes to Sunday 00:00).
    assert local_choices(date(2026, 3, 28), time(23, 30), ZoneInfo("America/Nuuk")) == ()


def test_a_time_that_happens_twice_needs_a_choice() -> None:
    with pytest.raises(AmbiguousLocalTime) as asked:
        local_to_utc(date(2026, 11, 1), time(1, 30), NEW_YORK)
    first, second = asked.value.choices
    assert (first.label, first.instant) == ("EDT", utc("2026-11-01 05:30"))
    assert (second.label, second.instant) == ("EST", utc("2026-11-01 06:30"))
    assert local_to_utc(date(2026, 11, 1), time(1, 30), NEW_YORK, fold=1) == second.instant
    assert local_to_utc(date(2026, 11, 1), time(1, 30), NEW_YORK, fold=0) == first.instant
    # Lord Howe repeats half an hour only; its zone names are numeric.
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    a, b = local_choices(date(2026, 4, 5), time(1, 45), lord_howe)
    assert (a.label, b.label) == ("UTC+11", "UTC+10:30")
    assert b.instant - a.instant == timedelta(minutes=30)


def test_repeated_hour_label() -> None:
    assert repeated_hour_label(utc("2026-11-01 06:30"), NEW_YORK) == "EST"
    assert repeated_hour_label(utc("2026-11-01 05:30"), NEW_YORK) == "EDT"
    assert repeated_hour_label(utc("2026-11-01 12:00"), NEW_YORK) == ""
