"""Money, dates and times shown in the user's locale (Babel)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time as _format_time
from babel.numbers import format_currency, get_currency_precision


def format_money(minor: int, currency: str, locale: str) -> str:
    """4500 BRL in pt_BR -> "R$ 45,00" (a non-breaking space, as Babel writes it)."""
    digits = get_currency_precision(currency)
    amount = Decimal(minor).scaleb(-digits)
    return format_currency(amount, currency, locale=locale).replace("\xa0", " ")


def format_date(day: date, locale: str, pattern: str = "medium") -> str:
    return _format_date(day, pattern, locale=locale)


# A day as a title: the weekday and the day of the month in words. pt-BR spells the month out:
# its abbreviation ends in a period ("dez."), which doubled with the period of the sentence
# around it ("Nenhum agendamento em ... dez.."). English abbreviations carry no period.
_DAY_PATTERNS = {"pt_BR": "EEEE, d 'de' MMMM"}
_DAY_PATTERN = "EEEE, d MMM"


def format_day(day: date, locale: str) -> str:
    """ "segunda-feira, 7 de dezembro" / "Monday, 7 Dec"."""
    return _format_date(day, _DAY_PATTERNS.get(locale, _DAY_PATTERN), locale=locale)


def format_time(moment: time | datetime, locale: str) -> str:
    return _format_time(moment, "HH:mm", locale=locale)


def format_datetime(moment: datetime, locale: str, pattern: str = "medium") -> str:
    """``moment`` must already be in the business's zone."""
    return _format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=locale)


def format_day_time(moment: datetime, locale: str) -> str:
    """A local moment as a day and a time: "terça-feira, 10 mar. 14:00" / "Tuesday, 10 Mar 14:00"
    (used where a booking's current time is told again, e.g. after a stale button)."""
    return f"{format_date(moment.date(), locale, 'EEEE, d MMM')} {format_time(moment, locale)}"
