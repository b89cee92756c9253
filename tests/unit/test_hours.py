"""Spans of working time: the overnight rule, overlaps across midnight and the week's end."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from domain.errors import InvalidInput
from domain.hours import (
    ends_next_day,
    overlapping_in_day,
    overlapping_in_week,
    span_length,
    span_minutes,
)
from domain.model import WeeklyInterval
from domain.validation import check_weekly
from panel.forms import Form, parse_clock


def test_a_span_lasts_end_minus_start_modulo_a_day() -> None:
    assert span_minutes(time(9), time(12)) == 180
    assert span_minutes(time(18), time(2)) == 8 * 60  # ends the next day
    assert span_minutes(time(18), time(0)) == 6 * 60  # until midnight
    assert span_minutes(time(0), time(0)) == 24 * 60  # 0 means the whole day
    assert ends_next_day(time(18), time(2)) and not ends_next_day(time(18), time(0))


def test_span_length_rule_is_the_one_the_slot_search_uses() -> None:
    assert span_length(time(18), time(2)) == timedelta(hours=8)
    assert span_length(time(18), time(0)) == timedelta(hours=6)  # until midnight
    assert span_length(time(0), time(0)) == timedelta(hours=24)  # the whole day
    assert span_length(time(9), time(9)) == timedelta(hours=24)
    assert span_length(time(9), time(12)) == timedelta(hours=3)
    assert span_length(time(9, 0, 30), time(9, 30)) == timedelta(minutes=29, seconds=30)  # exact


def test_overlaps_within_a_day_and_across_midnight_and_the_week() -> None:
    assert overlapping_in_day([(time(9), time(12)), (time(13), time(18))]) is None
    assert overlapping_in_day([(time(9), time(12)), (time(12), time(18))]) is None  # touching
    assert overlapping_in_day([(time(9), time(12)), (time(11), time(14))]) is not None
    # Monday 20:00-03:00 runs into Tuesday 02:00.
    assert overlapping_in_week([(0, time(20), time(3)), (1, time(2), time(10))]) == 1
    assert overlapping_in_week([(0, time(20), time(3)), (1, time(3), time(10))]) is None
    # Sunday night into Monday morning.
    assert overlapping_in_week([(6, time(22), time(4)), (0, time(3), time(9))]) == 0


def test_check_weekly_accepts_overnight_and_refuses_overlaps() -> None:
    kept = check_weekly([WeeklyInterval(4, time(18), time(2))])
    assert kept == [WeeklyInterval(4, time(18), time(2))]
    with pytest.raises(InvalidInput) as refused:
        check_weekly([WeeklyInterval(0, time(9), time(12)), WeeklyInterval(0, time(11), time(13))])
    assert refused.value.field == "hours_0" and refused.value.message == "overlap"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("9", time(9)),
        ("9h", time(9)),
        ("09h30", time(9, 30)),
        ("18:00", time(18)),
        ("21.15", time(21, 15)),
        ("meia-noite", time(0)),
        ("até meia-noite", time(0)),
        ("24:00", time(0)),
        ("25:00", None),
        ("abc", None),
    ],
)
def test_times_are_read_forgivingly(typed: str, expected: time | None) -> None:
    assert parse_clock(typed) == expected


@pytest.mark.parametrize(
    ("typed", "minor", "code"),
    [
        ("35,00", 3500, None),
        ("R$ 35", 3500, None),
        ("1.234,56", 123456, None),
        ("-10", None, "money_negative"),
        ("R$ -10,00", None, "money_negative"),
        ("abc", None, "money"),
        ("", None, "required"),
    ],
)
def test_prices_refuse_negatives_and_say_what_a_price_looks_like(
    typed: str, minor: int | None, code: str | None
) -> None:
    form = Form({"price": typed})
    assert form.money("price") == minor
    assert form.errors.get("price") == code
