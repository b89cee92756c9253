"""Reading posted forms: every field parsed, every problem kept beside its field.

A :class:`Form` wraps the submitted values (kept as typed, to show them again) and collects
error codes per field; the page turns codes into messages with ``error.<code>`` in the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation

from domain.hours import MIDNIGHT, ends_next_day, overlapping_in_day
from domain.instants import AmbiguousLocalTime, NonexistentLocalTime, local_to_utc
from domain.model import WeeklyInterval
from i18n.phones import DEFAULT_REGION, normalize_phone

from .bounds import parse_day, parse_id

WEEKDAYS = range(7)
ClockTime = time  # inside Form, "time" names the method that reads one
_MONEY = re.compile(r"^\d{1,9}([.,]\d{1,2})?$")
_THOUSANDS = re.compile(r"^\d{1,3}([.,]\d{3})+([.,]\d{1,2})?$")
_CURRENCY_PREFIX = re.compile(r"^(?:[A-Za-z]{1,3}\s*)?[$€£]?\s*")


@dataclass
class Form:
    values: dict[str, str]
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # Values a message needs, e.g. the bounds of "range" ("Use um número de {low} a {high}.").
    params: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: list[tuple[str, str]]) -> Form:
        values: dict[str, str] = {}
        lists: dict[str, list[str]] = {}
        for key, value in pairs:
            values.setdefault(key, value)
            lists.setdefault(key, []).append(value)
        return cls(values, lists)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, code: str, **params: object) -> None:
        if name not in self.errors:
            self.errors[name] = code
            if params:
                self.params[name] = {k: str(v) for k, v in params.items()}

    def text(self, name: str, *, required: bool = False, max_len: int = 200) -> str:
        value = self.values.get(name, "").strip()
        if required and not value:
            self.error(name, "required")
        elif len(value) > max_len:
            self.error(name, "too_long")
        return value

    def integer(
        self, name: str, low: int, high: int, *, required: bool = True, default: int = 0
    ) -> int | None:
        raw = self.values.get(name, "").strip()
        if not raw:
            if required:
                self.error(name, "required")
                return None
            return default
        if not re.fullmatch(r"-?\d{1,9}", raw):
            self.error(name, "number")
            return None
        value = int(raw)
        if not low <= value <= high:
            self.error(name, "range_between", low=low, high=high)
            return None
        return value

    def optional_int(self, name: str, low: int, high: int) -> int | None:
        if not self.values.get(name, "").strip():
            return None
        return self.integer(name, low, high)

    def money(self, name: str, *, digits: int = 2) -> int | None:
        """ "45", "45,5", "45.50", "R$ 45,00", "1.234,56" -> minor units; negatives refused."""
        raw = self.values.get(name, "").strip()
        if not raw:
            self.error(name, "required")
            return None
        # A currency sign or code in front is fine ("R$ 35", "US$ 35", "BRL 35"); nothing else.
        amount_text = _CURRENCY_PREFIX.sub("", raw).replace(" ", "")
        if amount_text.startswith(("-", "−")):
            self.error(name, "money_negative")
            return None
        if _THOUSANDS.match(amount_text):
            amount_text = re.sub(r"[.,](?=\d{3}\b)", "", amount_text)
        if not _MONEY.match(amount_text):
            self.error(name, "money")
            return None
        try:
            amount = Decimal(amount_text.replace(",", "."))
        except InvalidOperation:
            self.error(name, "money")
            return None
        return int(amount.scaleb(digits))

    def phone(self, name: str, *, region: str = DEFAULT_REGION) -> str:
        """A phone as the bot keeps it (E.164, e.g. +5511988887777); "" when left empty."""
        raw = self.values.get(name, "").strip()
        if not raw:
            return ""
        found = normalize_phone(raw, region)
        if found is None:
            self.error(name, "phone")
            return raw
        return found

    def date(self, name: str, *, required: bool = True) -> date | None:
        raw = self.values.get(name, "").strip()
        if not raw:
            if required:
                self.error(name, "required")
            return None
        day = parse_day(raw)
        if day is None:  # malformed, or outside the years the panel works with
            self.error(name, "date")
        return day

    def time(self, name: str, *, required: bool = True) -> time | None:
        raw = self.values.get(name, "").strip()
        if not raw:
            if required:
                self.error(name, "required")
            return None
        try:
            return time.fromisoformat(raw[:5]) if len(raw) >= 4 else time.fromisoformat(raw)
        except ValueError:
            self.error(name, "time")
            return None

    def ids(self, name: str) -> list[int]:
        out = []
        for raw in self.lists.get(name, []):
            found = parse_id(raw)
            if found is not None:
                out.append(found)
            else:
                self.error(name, "invalid")
        return out

    def checked(self, name: str) -> bool:
        return self.values.get(name, "") in ("1", "on", "true", "yes")

    def clock(self, name: str) -> ClockTime | None:
        """A time of day typed forgivingly: "9", "9h", "09h30", "9:30", "meia-noite" (00:00)."""
        raw = self.values.get(name, "")
        found = parse_clock(raw)
        if found is None:
            self.error(name, "time")
        return found

    def spans(self, prefix: str) -> list[tuple[ClockTime, ClockTime]]:
        """The rows ``{prefix}_start[_n]``/``{prefix}_end[_n]``; blank rows are skipped."""
        out: list[tuple[ClockTime, ClockTime]] = []
        for n in span_rows(self.values, prefix):
            start_key, end_key = row_keys(prefix, n)
            start_raw = self.values.get(start_key, "").strip()
            end_raw = self.values.get(end_key, "").strip()
            if not start_raw and not end_raw:
                continue
            if not start_raw or not end_raw:
                self.error(end_key if start_raw else start_key, "span_incomplete")
                continue
            start, end = self.clock(start_key), self.clock(end_key)
            if start is not None and end is not None:
                out.append((start, end))
        if overlapping_in_day(out) is not None:
            self.error(f"{prefix}_spans", "overlap_day")
        return out

    def weekly(self) -> list[WeeklyInterval]:
        """Every day ``d`` ticked ``day{d}_open`` with its rows of spans (0 = Monday)."""
        out: list[WeeklyInterval] = []
        for d in WEEKDAYS:
            if not self.checked(f"day{d}_open"):
                continue
            spans = self.spans(f"day{d}")
            if not spans and f"day{d}_spans" not in self.errors:
                self.error(f"day{d}_spans", "span_incomplete")
            out.extend(WeeklyInterval(d, start, end) for start, end in spans)
        return out


_CLOCK = re.compile(r"^(\d{1,2})(?:\s*[:h.]\s*(\d{2}))?\s*(?:h|hs|hrs)?$")
_MIDNIGHT_WORDS = ("meia-noite", "meia noite", "meianoite", "midnight", "24h", "24:00", "24")


TimeChoices = list[tuple[str, str]]  # (fold, "01:30 (EST)"): radio buttons of a repeated time


def typed_instant(
    form: Form, day: date, at: time, zone: tzinfo, *, field: str = "time", fold: str = "fold"
) -> tuple[datetime | None, TimeChoices]:
    """The UTC instant a typed local date and time mean, by domain.instants' rules.

    A time the clock skips that day is an error on ``field``; a time that happens twice is an
    error too until the person picks one of the two (the ``fold`` field), which come back as
    radio choices (``_time_choice.html``). Every panel form with a typed time uses this.
    """
    raw = form.values.get(fold, "")
    try:
        return local_to_utc(day, at, zone, int(raw) if raw in ("0", "1") else None), []
    except NonexistentLocalTime:
        form.error(field, "time_nonexistent")
        return None, []
    except AmbiguousLocalTime as twice:
        form.error(field, "time_ambiguous")
        return None, [(str(c.fold), f"{at:%H:%M} ({c.label})") for c in twice.choices]


def parse_clock(raw: str) -> time | None:
    """ "9" / "9h" / "09h30" / "9:30" / "21.15" -> time; "meia-noite"/"24:00" -> 00:00."""
    text = raw.strip().lower()
    for prefix in ("até ", "ate ", "until "):
        text = text.removeprefix(prefix)
    if text in _MIDNIGHT_WORDS:
        return time(0)
    found = _CLOCK.match(text)
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def row_keys(prefix: str, n: int) -> tuple[str, str]:
    """Field names of row ``n``: row 0 is ``{prefix}_start``, later rows ``{prefix}_start_{n}``."""
    suffix = f"_{n}" if n else ""
    return f"{prefix}_start{suffix}", f"{prefix}_end{suffix}"


def span_rows(values: Mapping[str, str], prefix: str) -> list[int]:
    """Row numbers present for ``prefix`` (at least row 0), in order."""
    rows = {0}
    for key in values:
        for part in ("_start_", "_end_"):
            head, _, tail = key.partition(part)
            if head == prefix and tail.isdigit():
                rows.add(int(tail))
    return sorted(rows)


def add_row(values: Mapping[str, str], prefix: str) -> dict[str, str]:
    """The form with one more blank row for ``prefix`` (the no-JavaScript "+ add a break")."""
    out = dict(values)
    start, end = row_keys(prefix, span_rows(values, prefix)[-1] + 1)
    out[start] = out[end] = ""
    return out


def spans_values(prefix: str, spans: list[tuple[time, time]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for n, (start, end) in enumerate(spans):
        start_key, end_key = row_keys(prefix, n)
        values[start_key] = f"{start:%H:%M}"
        values[end_key] = f"{end:%H:%M}"
    return values


def weekly_values(hours: list[WeeklyInterval]) -> dict[str, str]:
    """Form values that show these hours: every span of every day, one row each."""
    values: dict[str, str] = {}
    for d in WEEKDAYS:
        spans = sorted((w.start, w.end) for w in hours if w.weekday == d)
        if spans:
            values[f"day{d}_open"] = "1"
            values |= spans_values(f"day{d}", spans)
        else:
            values |= {f"day{d}_start": "09:00", f"day{d}_end": "18:00"}
    return values


DEFAULT_WEEK: dict[str, str] = {
    **{f"day{d}_open": "1" for d in range(5)},
    **{f"day{d}_start": "09:00" for d in WEEKDAYS},
    **{f"day{d}_end": "18:00" for d in WEEKDAYS},
}


def copy_to_weekdays(values: Mapping[str, str]) -> dict[str, str]:
    """Monday's hours (every row) onto Tuesday..Friday: the no-JavaScript "copy" button."""
    out = {
        k: v for k, v in values.items() if not any(k.startswith(f"day{d}_") for d in range(1, 5))
    }
    for key, value in values.items():
        if key.startswith("day0_"):
            for d in range(1, 5):
                out[f"day{d}_" + key.removeprefix("day0_")] = value
    return out


def span_note(start: time | str, end: time | str) -> str:
    """Catalog key of what a span needs said beside it ("+1 dia", "até meia-noite"), or ""."""
    a = parse_clock(start) if isinstance(start, str) else start
    b = parse_clock(end) if isinstance(end, str) else end
    if a is None or b is None:
        return ""
    if a == b:
        return "hours.all_day"
    if b == MIDNIGHT:
        return "hours.until_midnight"
    return "hours.next_day" if ends_next_day(a, b) else ""


_ROW_PREFIX = re.compile(r"^(day[0-6]|open)$")


def redisplay(form: Form) -> dict[str, str] | None:
    """Values to show again for the buttons that only change the form, not the data: "copy
    Monday to weekdays" and "+ add a break" (their no-JavaScript path); None for "save"."""
    action = form.values.get("action", "")
    if action == "copy":
        return copy_to_weekdays(form.values)
    prefix = action.removeprefix("add:")
    if action.startswith("add:") and _ROW_PREFIX.match(prefix):
        return add_row(form.values, prefix)
    return None


def money_value(minor: int, locale: str) -> str:
    """Minor units as a price field shows them: "45,00" in pt_BR, "45.00" in English."""
    text = f"{minor / 100:.2f}"
    return text.replace(".", ",") if locale == "pt_BR" else text
