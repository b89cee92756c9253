"""Reading posted forms: every field parsed, every problem kept beside its field.

A :class:`Form` wraps the submitted values (kept as typed, to show them again) and collects
error codes per field; the page turns codes into messages with ``error.<code>`` in the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation

from domain.model import WeeklyInterval

from .bounds import parse_day, parse_id

WEEKDAYS = range(7)
_MONEY = re.compile(r"^\d{1,9}([.,]\d{1,2})?$")


@dataclass
class Form:
    values: dict[str, str]
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

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

    def error(self, name: str, code: str) -> None:
        self.errors.setdefault(name, code)

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
            self.error(name, "range")
            return None
        return value

    def optional_int(self, name: str, low: int, high: int) -> int | None:
        if not self.values.get(name, "").strip():
            return None
        return self.integer(name, low, high)

    def money(self, name: str, *, digits: int = 2) -> int | None:
        """ "45", "45,5", "45.50", "R$ 45,00" -> minor units."""
        raw = self.values.get(name, "").strip()
        raw = re.sub(r"^[^\d]*", "", raw).replace(" ", "")
        if not raw:
            self.error(name, "required")
            return None
        if not _MONEY.match(raw):
            self.error(name, "money")
            return None
        try:
            amount = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            self.error(name, "money")
            return None
        return int(amount.scaleb(digits))

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

    def weekly(self) -> list[WeeklyInterval]:
        """``day{d}_open``, ``day{d}_start``, ``day{d}_end`` for d in 0..6 (0 = Monday)."""
        out = []
        for d in WEEKDAYS:
            if not self.checked(f"day{d}_open"):
                continue
            start = self.time(f"day{d}_start")
            end = self.time(f"day{d}_end")
            if start is None or end is None:
                continue
            if start >= end:
                self.error(f"day{d}_end", "after_start")
                continue
            out.append(WeeklyInterval(d, start, end))
        return out


def weekly_values(hours: list[WeeklyInterval]) -> dict[str, str]:
    """Form values that show these hours (the first interval of each day)."""
    values: dict[str, str] = {}
    for w in hours:
        if f"day{w.weekday}_open" in values:
            continue
        values[f"day{w.weekday}_open"] = "1"
        values[f"day{w.weekday}_start"] = f"{w.start:%H:%M}"
        values[f"day{w.weekday}_end"] = f"{w.end:%H:%M}"
    for d in WEEKDAYS:
        values.setdefault(f"day{d}_start", "09:00")
        values.setdefault(f"day{d}_end", "18:00")
    return values


DEFAULT_WEEK: dict[str, str] = {
    **{f"day{d}_open": "1" for d in range(5)},
    **{f"day{d}_start": "09:00" for d in WEEKDAYS},
    **{f"day{d}_end": "18:00" for d in WEEKDAYS},
}


def copy_to_weekdays(values: Mapping[str, str]) -> dict[str, str]:
    """Monday's hours onto Tuesday..Friday (the no-JavaScript path of "copy to all weekdays")."""
    out = dict(values)
    for d in range(1, 5):
        for part in ("open", "start", "end"):
            key = f"day0_{part}"
            if key in values:
                out[f"day{d}_{part}"] = values[key]
            else:
                out.pop(f"day{d}_{part}", None)
    return out
