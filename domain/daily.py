"""Daily actions of a business: the morning-after check and the optional agenda digest.

Unlike reminders these belong to a business, not to a booking. Each kind happens at most once
per local day, at a local wall-clock time (:data:`MORNING_AFTER_AT`, or the business's
``policies.daily_digest_at``). The scheduler keeps one outbox row per occurrence, keyed by
(kind, business, local date) so that any number of planners write it once
(:func:`plan_daily`), and runs it when due.

What each one reports (:func:`report_window`, :func:`reported`):

* morning after: yesterday's bookings still ``confirmed`` (neither completed nor no-show);
* digest: today's active bookings (pending or confirmed).

Nothing to report means no message (the row is finished silently): a provider hears from us
only when there is something to act on or to read.

Pure functions: ``now`` comes from the caller, and reading bookings is the caller's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import actions
from .agenda_days import agenda_window
from .model import Booking, BookingStatus, Business

MORNING_AFTER_AT = time(8, 0)
"""When the morning-after message goes out, business local time."""

PLAN_GRACE = timedelta(minutes=5)
"""An occurrence that came due this recently is still planned (a planner that starts at 08:02
sends that morning's message); older ones are not (the digest switched on at 15:00 waits for
tomorrow instead of sending this morning's at once)."""

# Most bookings listed in one message (Telegram allows 4096 characters and ~100 buttons).
MAX_LISTED = 30

PENDING = "pending"  # the outbox status of a row not yet claimed


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` on ``day`` in ``zone``, as UTC.

    A wall-clock time skipped by a DST change (02:30 on a spring-forward night) becomes the
    instant after the gap by as much as it fell into it (03:30); a time that happens twice (fall
    back) is its first occurrence.
    """
    wall = datetime.combine(day, at)
    # fold=0 reads a skipped time with the offset before the change: the instant after the gap.
    return wall.replace(tzinfo=zone).astimezone(UTC)


def day_span(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day as a UTC span (23 or 25 hours long across a DST change)."""
    return local_instant(day, time(0), zone), local_instant(day + timedelta(days=1), time(0), zone)


def daily_time(kind: str, business: Business) -> time | None:
    """When ``kind`` happens for ``business`` each day; None when it is switched off."""
    if kind == actions.MORNING_AFTER:
        return MORNING_AFTER_AT
    if kind == actions.DAILY_DIGEST:
        return business.policies.daily_digest_at
    return None


@dataclass(frozen=True)
class Occurrence:
    """One daily action of one business on one local date."""

    kind: str
    business_id: int
    day: date
    due_at: datetime

    @property
    def key(self) -> str:
        """Unique in the outbox: the same occurrence is never written twice."""
        return occurrence_key(self.kind, self.business_id, self.day)

    @property
    def payload(self) -> str:
        return self.day.isoformat()


def occurrence_key(kind: str, business_id: int, day: date) -> str:
    return f"{kind}:{business_id}:{day.isoformat()}"


@dataclass(frozen=True)
class DailyRow:
    """A daily outbox row as the planner sees it."""

    id: int
    kind: str
    business_id: int
    day: date
    due_at: datetime
    status: str


@dataclass(frozen=True)
class DailyPlan:
    """What a planner writes for one business: rows to retire, then occurrences to insert."""

    retire: tuple[int, ...] = ()
    insert: tuple[Occurrence, ...] = ()


def plan_daily(business: Business, rows: Iterable[DailyRow], now: datetime) -> DailyPlan:
    """Make the outbox hold the next occurrence of each daily kind of ``business``.

    ``rows`` are the business's daily rows from yesterday on (any status). Pending rows that no
    longer match the settings (the digest time changed, or it was switched off) are retired.
    The next occurrence is the first local date whose instant is not older than
    :data:`PLAN_GRACE` and that has no finished or running row yet; it is inserted unless a
    matching pending row exists. The storage key makes a concurrent double insert harmless.
    """
    zone = ZoneInfo(business.timezone)
    business_id = business.id or 0
    retire: list[int] = []
    insert: list[Occurrence] = []
    by_kind: dict[str, list[DailyRow]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    today = now.astimezone(zone).date()
    for kind in actions.DAILY_KINDS:
        at = daily_time(kind, business)
        kept: dict[date, DailyRow] = {}
        for row in by_kind.get(kind, []):
            if row.status == PENDING and (
                at is None or row.due_at != local_instant(row.day, at, zone)
            ):
                retire.append(row.id)
            else:
                kept[row.day] = row
        if at is None:
            continue
        for offset in range(-1, 3):
            day = today + timedelta(days=offset)
            due = local_instant(day, at, zone)
            if due <= now - PLAN_GRACE:
                continue
            existing = kept.get(day)
            if existing is None:
                insert.append(Occurrence(kind, business_id, day, due))
                break
            if existing.status == PENDING:
                break  # already planned
            # Finished (or running) for that day: the next one is the day after.
    return DailyPlan(tuple(retire), tuple(insert))


def stale_reason(kind: str, day: date, business: Business, now: datetime) -> str | None:
    """Why an occurrence should not be sent at ``now``: its local day is over (after downtime,
    "yesterday" and "today" would be wrong words)."""
    today = now.astimezone(ZoneInfo(business.timezone)).date()
    if today > day:
        return f"{kind} of {day.isoformat()}: the day is over"
    return None


def report_day(kind: str, day: date) -> date:
    """The agenda day an occurrence on ``day`` lists: the day before for the morning after."""
    return day - timedelta(days=1) if kind == actions.MORNING_AFTER else day


def report_window(kind: str, day: date, business: Business) -> tuple[datetime, datetime]:
    """The UTC span to read for an occurrence on ``day``: its agenda day and the night after,
    whose hours past midnight belong to it in an overnight span (the caller keeps those that
    :func:`domain.agenda_days.agenda_days` lists under :func:`report_day`)."""
    listed = report_day(kind, day)
    return agenda_window(business, listed, listed)


def reported(
    kind: str, bookings: Sequence[Booking], start: datetime, end: datetime
) -> list[Booking]:
    """The bookings an occurrence lists, in start order."""
    if kind == actions.MORNING_AFTER:
        wanted: tuple[BookingStatus, ...] = (BookingStatus.CONFIRMED,)
    else:
        wanted = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
    found = [b for b in bookings if b.status in wanted and start <= b.start < end]
    return sorted(found, key=lambda b: (b.start, b.id or 0))


def parse_day(payload: str) -> date | None:
    try:
        return date.fromisoformat(payload)
    except ValueError:
        return None
