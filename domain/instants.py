"""Instants at the domain boundary, and local times typed by people.

Two jobs, kept in one place so no entry point invents its own rule:

* :func:`as_utc` -- every use case that takes an instant (book, reschedule, time off...) passes it
  through here first. A naive datetime is refused; an aware one becomes UTC. Arithmetic on an
  aware *local* datetime is wall-clock arithmetic (Python adds a ``timedelta`` to the wall time),
  which is wrong across a DST change, and an aware local time in a repeated hour never compares
  equal to a UTC one (PEP 495): hence UTC before anything else.
* :func:`local_choices` / :func:`local_to_utc` -- what "01:30 on 2026-11-01" typed by a person
  means in the business's zone. Explicit rules:

  - a wall time that does not exist that day (spring-forward gap) is refused
    (:class:`NonexistentLocalTime`): we never silently move it;
  - a wall time that happens twice (fall back) has two meanings, each shown with its offset
    ("01:30 (EDT)" / "01:30 (EST)"); unless the person said which (``fold``), the caller gets
    :class:`AmbiguousLocalTime` with both choices to offer;
  - any other wall time has exactly one meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .errors import DomainError, InvalidInput


def as_utc(value: datetime, field: str = "start") -> datetime:
    """``value`` as a UTC instant; a naive datetime is refused (its zone is unknown)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(field, "needs a time zone")
    return value.astimezone(UTC)


def is_utc(value: datetime) -> bool:
    """True for an aware datetime whose zone is UTC itself (not merely offset 0 today)."""
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        return False
    return value.tzinfo is UTC or value.tzname() in ("UTC", "Etc/UTC")


@dataclass(frozen=True)
class LocalChoice:
    """One meaning of a typed local time: the instant, and how to tell it from the other."""

    instant: datetime  # UTC
    fold: int  # 0: first occurrence, 1: second (PEP 495)
    offset: timedelta  # the zone's UTC offset at that instant
    abbreviation: str = ""  # the zone's name for it ("EST"), may be numeric ("-03")

    @property
    def label(self) -> str:
        return offset_label(self.offset, self.abbreviation)


def offset_label(offset: timedelta, abbreviation: str = "") -> str:
    """``EST`` when the zone has a letter abbreviation, else ``UTC-03`` / ``UTC+05:45``."""
    if abbreviation and abbreviation[0].isalpha():
        return abbreviation
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")


def local_choices(day: date, at: time, zone: tzinfo) -> tuple[LocalChoice, ...]:
    """Every instant at which the wall clock in ``zone`` reads ``at`` on ``day``, in order.

    Empty when the time does not exist that day, two choices when it happens twice.
    """
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    out: list[LocalChoice] = []
    for fold in (0, 1):
        aware = wall.replace(tzinfo=zone, fold=fold)
        instant = aware.astimezone(UTC)
        back = instant.astimezone(zone)
        # A time in a gap comes back shifted; a time outside a repeated hour gives the same
        # instant for both folds (kept once).
        if back.replace(tzinfo=None) != wall or any(c.instant == instant for c in out):
            continue
        offset = back.utcoffset() or timedelta(0)
        out.append(LocalChoice(instant, fold, offset, back.tzname() or ""))
    return tuple(out)


class NonexistentLocalTime(DomainError):
    """The typed local time does not exist that day (the clock skips it)."""

    code = "time_nonexistent"

    def __init__(self, day: date, at: time) -> None:
        super().__init__(f"{at:%H:%M} does not exist on {day.isoformat()}")
        self.day = day
        self.at = at


class AmbiguousLocalTime(DomainError):
    """The typed local time happens twice that day; ``choices`` are both, in order."""

    code = "time_ambiguous"

    def __init__(self, day: date, at: time, choices: tuple[LocalChoice, ...]) -> None:
        super().__init__(f"{at:%H:%M} happens twice on {day.isoformat()}")
        self.day = day
        self.at = at
        self.choices = choices


def local_to_utc(day: date, at: time, zone: tzinfo, fold: int | None = None) -> datetime:
    """The UTC instant of a typed local time, by the module's rules.

    ``fold`` says which occurrence of a repeated time the person picked (0 first, 1 second);
    it is ignored for a time that happens once.
    """
    choices = local_choices(day, at, zone)
    if not choices:
        raise NonexistentLocalTime(day, at)
    if len(choices) == 1:
        return choices[0].instant
    if fold is None:
        raise AmbiguousLocalTime(day, at, choices)
    return choices[1 if fold else 0].instant


def repeated_hour_label(instant: datetime, zone: tzinfo) -> str:
    """The offset label of ``instant``'s wall time in ``zone`` if that wall time happens twice
    that day (so "01:30" alone would not say which), else "". Lists of times add it."""
    local = instant.astimezone(zone)
    choices = local_choices(local.date(), local.time(), zone)
    if len(choices) < 2:
        return ""
    return offset_label(local.utcoffset() or timedelta(0), local.tzname() or "")
