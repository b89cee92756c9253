"""Spans of working time typed as local wall-clock ``(start, end)`` pairs.

The one rule (decided for the whole product): ``end <= start`` means the span ends on the NEXT
day, so ``18:00–02:00`` is eight hours and ``18:00–00:00`` runs until midnight. A span lasts
``(end - start) mod 24 h``, where 0 means 24 h (``00:00–00:00`` is the whole day).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import time, timedelta

DAY = 24 * 60
WEEK = 7 * DAY
MIDNIGHT = time(0)
ONE_DAY = timedelta(days=1)
ONE_MINUTE = timedelta(minutes=1)


def minute_of_day(t: time) -> int:
    return t.hour * 60 + t.minute


def since_midnight(t: time) -> timedelta:
    """The wall time ``t`` as time since its date's midnight, exactly."""
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def span_length(start: time, end: time) -> timedelta:
    """How long ``start``–``end`` lasts: ``(end - start) mod 24 h``, 0 meaning 24 h.

    The one place the overnight rule is written: the panel's forms and the slot search both ask.
    """
    return (since_midnight(end) - since_midnight(start)) % ONE_DAY or ONE_DAY


def span_minutes(start: time, end: time) -> int:
    """How long ``start``–``end`` lasts, in whole minutes (1..1440)."""
    return span_length(start, end) // ONE_MINUTE


def ends_next_day(start: time, end: time) -> bool:
    """True when the span runs past midnight (``18:00–02:00``); until midnight does not count."""
    return end != MIDNIGHT and end <= start


def overlapping_in_day(spans: Sequence[tuple[time, time]]) -> int | None:
    """Index (in start order) of the first span that starts before the previous one ends."""
    ordered = sorted(spans)
    for n in range(1, len(ordered)):
        prev_start, prev_end = ordered[n - 1]
        if minute_of_day(prev_start) + span_minutes(prev_start, prev_end) > minute_of_day(
            ordered[n][0]
        ):
            return n
    return None


def overlapping_in_week(spans: Iterable[tuple[int, time, time]]) -> int | None:
    """The weekday of a span that starts before the previous one of the week has ended.

    Spans are ``(weekday, start, end)``; an overnight Monday span that runs into Tuesday's first
    span counts, and so does Sunday night running into Monday morning.
    """
    marks = sorted((day * DAY + minute_of_day(s), span_minutes(s, e), day) for day, s, e in spans)
    for n, (begin, _length, day) in enumerate(marks):
        prev_begin, prev_length, _ = marks[n - 1]
        if n == 0:
            if len(marks) < 2:
                return None
            prev_begin -= WEEK  # the last span of the week, seen from the week before
        if prev_begin + prev_length > begin:
            return day
    return None
