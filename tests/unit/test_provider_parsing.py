"""What providers type after /agenda and /block."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.provider.agenda import parse_day
from bot.provider.block import parse_block, parse_span

TODAY = date(2026, 12, 20)


def test_days_in_both_languages_and_dd_mm() -> None:
    assert parse_day("", TODAY) == TODAY
    assert parse_day("Hoje", TODAY) == TODAY
    assert parse_day("amanhã", TODAY) == date(2026, 12, 21)
    assert parse_day("tomorrow", TODAY) == date(2026, 12, 21)
    assert parse_day("25/12", TODAY) == date(2026, 12, 25)
    assert parse_day("05/01", TODAY) == date(2027, 1, 5)  # January typed in December
    assert parse_day("31/02", TODAY) is None
    assert parse_day("next week", TODAY) is None


def test_spans_and_block_lines() -> None:
    assert parse_span("14:00-16:00") == (time(14), time(16))
    assert parse_span("9h-12h30") is None
    assert parse_span("9-12") == (time(9), time(12))
    assert parse_span("16:00-14:00") is None
    assert parse_span("25:00-26:00") is None
    now = datetime(2026, 12, 20, 10, 0)
    assert parse_block("25/12 14:00-16:00 dentista à tarde", now) == (
        datetime(2026, 12, 25, 14),
        datetime(2026, 12, 25, 16),
        "dentista à tarde",
    )
    assert parse_block("25/12", now) is None
