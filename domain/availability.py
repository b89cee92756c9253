"""Slot search: which start times can a client book, with whom. Pure: no I/O, no clock.

The caller loads a :class:`ScheduleSnapshot` (business, staff, services, date exceptions, time
off and the active bookings of the window) and asks a :class:`SlotQuery`. The search is a
pipeline of named steps, in the spirit of Easy!Appointments' ``Availability`` library, minus its
database calls:

1. :func:`resolve_visit` -- the chosen services, done back to back by one professional: total
   duration, outer buffers, group capacity.
2. :func:`eligible_staff` -- who performs every chosen service (one member, or "any").
3. :func:`consider_future_booking_limit` / :func:`consider_book_advance_timeout` -- the horizon
   (whole local days) and the minimum notice (an instant).
4. :meth:`ExceptionIndex.hours_for` -- each member's working hours on each local date, after
   date exceptions.
5. :func:`candidate_starts` -- start times every ``slot_step`` minutes from the start of each
   working interval, in local wall-clock time, converted to UTC (DST aware).
6. Per member (:class:`_Lane`): the ranges of instants a visit may start at -- working time
   minus time off, minus what each booking's buffered span forbids (group classes excepted) --
   and a walk that keeps the candidates inside them, on dates under the daily limit.

Time zones and DST
------------------
Working hours are local wall-clock times in the business's IANA zone. Candidates are generated on
the wall clock and converted to UTC one by one:

* a wall time that does not exist (spring forward gap) is skipped;
* a wall time that happens twice (fall back) is offered at *both* instants when each lies in
  working time: they are different moments, and a person typing "01:30" picks one of them by
  its offset (:mod:`domain.instants`);
* an interval boundary that falls in a gap moves to the instant the clock jumps, i.e. the first
  existing wall time after it; an ambiguous boundary means its first occurrence, like starts.

Overnight spans, and why the window does not matter
---------------------------------------------------
A working span is ``(start, end)`` on the wall clock; ``end <= start`` means it ends the next day
(18:00-02:00), 00:00 as an end means "until midnight", 00:00-00:00 is the whole day
(:func:`span_length`). A span, and every slot it produces, belongs to the date it starts on: the
01:00 start of Friday's 18:00-02:00 is listed under Friday (``Slot.day``). When the previous
date's overnight span and a date's own span produce the same instant, the previous date owns it.

A day's slots never depend on the dates searched with it: working time is built from the hours
of the date before the window to two dates after it (:func:`hours_window`), so a visit started
late may run on into the following working time whether or not that date was asked for, and
:func:`owner_days` (what booking checks) are the start's date and the day before.

A visit whose buffered span exceeds :data:`MAX_VISIT_SPAN` is never offered (storage refuses
such a booking).

Date exceptions: precedence
---------------------------
For staff member S on local date D (see :meth:`ExceptionIndex.hours_for`):

1. a business-wide closure on D closes everyone (a holiday beats personal arrangements);
2. otherwise S's own exceptions on D replace S's weekly hours (closed if any of them is closed,
   else the union of their intervals);
3. otherwise business-wide custom intervals on D replace S's weekly hours (special opening);
4. otherwise S's weekly hours for D's weekday.

Other rules
-----------
* Minimum notice: ``start >= now + min_notice`` (``start >= now`` when ``ignore_notice``, for
  walk-ins made by the provider: never in the past).
* Horizon: the start's local date is at most ``local date of now + horizon_days``; it applies to
  walk-ins too.
* Buffers: the candidate extended by the first service's ``buffer_before`` and the last
  service's ``buffer_after`` must not overlap another active booking's ``block_start..block_end``.
  Buffers may lie outside working hours; the service time may not.
* Group classes: a visit of one service with ``capacity`` N > 1 may share the exact start (same
  service, same member) with up to N - 1 other bookings. A member in a group slot is busy for
  anything else.
* Daily limit: ``max_daily_bookings`` counts the member's active bookings starting on that local
  date; the members of one group class count once, and joining an existing class is always
  allowed (it adds no appointment to the member's day).

Cost
----
Each member's bookings become forbidden start ranges, sorted once and subtracted from the allowed
ones in one sweep; the walk then slices the (sorted) candidates with bisect, range by range. The
cost is about ``O(bookings log bookings + ranges + slots)`` per member -- never
``candidates x bookings``. Wall-clock conversion is plain arithmetic except on DST dates.
:mod:`domain.availability_naive` holds the quadratic reference used as benchmark baseline and as
oracle in property tests.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from .errors import InvalidInput
from .hours import ends_next_day, since_midnight, span_length
from .model import ACTIVE_STATUSES, Booking, Business, DateException, Service, StaffMember, TimeOff
from .ranges import Range, Span, merge, subtract

Hours = tuple[tuple[time, time], ...]
"""Working spans of one local date, wall clock, sorted, as ``(start, end)``.

A span ends on the *next* date when ``end <= start`` (18:00-02:00), ``end == 00:00`` means
"until midnight" and 00:00-00:00 (or any ``start == end``) is 24 hours from ``start``: the span
lasts ``(end - start) mod 24 h``, 0 meaning 24 h (:func:`span_length`). A span belongs to the
date it starts on, and so do the slots it produces, even after midnight.
"""

ONE_DAY = timedelta(days=1)
MAX_VISIT_SPAN = timedelta(hours=24)
"""The longest visit, buffers included, that can be booked (storage bounds its reads by it)."""


# --------------------------------------------------------------------------------------------
# Inputs and outputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleSnapshot:
    """Everything the search needs, already loaded.

    ``bookings`` must hold every active booking of the queried staff whose buffered span meets
    :func:`booking_window` (more is fine: others are ignored). ``time_off`` must cover the
    window; ``exceptions`` the dates of :func:`hours_window`.
    """

    business: Business
    staff: Sequence[StaffMember]
    services: Sequence[Service]
    exceptions: Sequence[DateException] = ()
    time_off: Sequence[TimeOff] = ()
    bookings: Sequence[Booking] = ()


@dataclass(frozen=True)
class SlotQuery:
    """What the client (or provider) asks for.

    ``service_ids``: services of one visit, in order, done back to back by one professional.
    ``staff_id`` None means any professional who performs them all. ``first_day``/``last_day``:
    local dates, inclusive. ``exclude_booking_id``: a booking being rescheduled, which must not
    block itself.
    """

    service_ids: tuple[int, ...]
    first_day: date
    last_day: date
    now: datetime
    staff_id: int | None = None
    ignore_notice: bool = False
    exclude_booking_id: int | None = None


class Slot(NamedTuple):
    """A bookable start. ``staff_ids``: who is free then, in stable order (position, id).

    A named tuple rather than a dataclass: a month search builds thousands of them.
    """

    start: datetime  # UTC
    end: datetime  # UTC, end of the last service (buffers not included)
    local_start: datetime  # the same instant in the business zone
    staff_ids: tuple[int, ...]
    day: date | None = None  # the date whose working span it is in (overnight: the day before)

    @property
    def local_day(self) -> date:
        """The date the slot is listed under: its span's date (see :data:`Hours`)."""
        return self.day if self.day is not None else self.local_start.date()


@dataclass(frozen=True)
class Visit:
    """The chosen services, resolved. ``group_service_id`` is set for a group class only."""

    service_ids: tuple[int, ...]
    duration: timedelta
    buffer_before: timedelta
    buffer_after: timedelta
    capacity: int = 1
    group_service_id: int | None = None


# --------------------------------------------------------------------------------------------
# Pipeline steps
# --------------------------------------------------------------------------------------------


def hours_window(first_day: date, last_day: date) -> tuple[date, date]:
    """The local dates whose hours (and date exceptions) a search of these dates reads.

    The day before: its overnight spans own the first slots after midnight. Two days after: a
    visit started late on ``last_day`` (in a span that may itself run past midnight) continues
    into the working time that follows, whatever the window (a day's slots never depend on it).
    """
    return first_day - ONE_DAY, last_day + 2 * ONE_DAY


def resolve_visit(services: Sequence[Service], service_ids: Sequence[int]) -> Visit:
    """Step 1: total duration and outer buffers of the chosen services (active ones only)."""
    if not service_ids:
        raise InvalidInput("service_ids", "choose at least one service")
    by_id = {s.id: s for s in services}
    chosen: list[Service] = []
    for sid in service_ids:
        service = by_id.get(sid)
        if service is None or not service.active:
            raise InvalidInput("service_ids", f"unknown service {sid}")
        if service.duration_minutes <= 0:
            raise InvalidInput("service_ids", f"service {sid} has no duration")
        chosen.append(service)
    # Same rule as Booking.capacity: only a visit of one group service is shared.
    group = len(chosen) == 1 and chosen[0].capacity > 1
    return Visit(
        service_ids=tuple(service_ids),
        duration=timedelta(minutes=sum(s.duration_minutes for s in chosen)),
        buffer_before=timedelta(minutes=max(0, chosen[0].buffer_before_minutes)),
        buffer_after=timedelta(minutes=max(0, chosen[-1].buffer_after_minutes)),
        capacity=chosen[0].capacity if group else 1,
        group_service_id=chosen[0].id if group else None,
    )


def staff_order(member: StaffMember) -> tuple[int, int]:
    """The stable order members are listed and tie-broken in."""
    return (member.position, member.id or 0)


def eligible_staff(
    staff: Sequence[StaffMember], service_ids: Sequence[int], staff_id: int | None
) -> list[StaffMember]:
    """Step 2: active members who perform every chosen service, in stable order."""
    out = [
        m
        for m in staff
        if m.active
        and m.id is not None
        and (staff_id is None or m.id == staff_id)
        and m.performs(tuple(service_ids))
    ]
    return sorted(out, key=staff_order)


def consider_future_booking_limit(
    business: Business, now: datetime, first_day: date, last_day: date
) -> list[date]:
    """Step 3a: the queried local dates that are neither past nor beyond the horizon."""
    today = now.astimezone(zone_of(business)).date()
    first = max(first_day, today)
    last = min(last_day, today + timedelta(days=max(0, business.policies.horizon_days)))
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def consider_book_advance_timeout(
    business: Business, now: datetime, *, ignore_notice: bool = False
) -> datetime:
    """Step 3b: the earliest bookable instant (minimum notice; walk-ins: just not the past)."""
    if ignore_notice:
        return now
    return now + timedelta(minutes=max(0, business.policies.min_notice_minutes))


def zone_of(business: Business) -> tzinfo:
    return ZoneInfo(business.timezone)


class ExceptionIndex:
    """Step 4: working hours per member and local date, after date exceptions.

    The precedence is documented in the module docstring.
    """

    def __init__(self, exceptions: Iterable[DateException]) -> None:
        self._by_key: dict[tuple[int | None, date], list[DateException]] = defaultdict(list)
        for exc in exceptions:
            self._by_key[(exc.staff_id, exc.day)].append(exc)
        self._weekly: dict[int | None, dict[int, Hours]] = {}

    def hours_for(self, member: StaffMember, day: date) -> Hours:
        business_wide = self._by_key.get((None, day))
        if business_wide and any(e.closed for e in business_wide):
            return ()
        own = self._by_key.get((member.id, day))
        if own:
            if any(e.closed for e in own):
                return ()
            return _clean(iv for e in own for iv in e.intervals)
        if business_wide:
            return _clean(iv for e in business_wide for iv in e.intervals)
        weekly = self._weekly.get(member.id)
        if weekly is None:
            weekly = {
                wd: _clean((w.start, w.end) for w in member.weekly_hours if w.weekday == wd)
                for wd in range(7)
            }
            self._weekly[member.id] = weekly
        return weekly[day.weekday()]


def _clean(intervals: Iterable[tuple[time, time]]) -> Hours:
    """Sorted, distinct spans (overlaps are merged later, in UTC). None is empty: ``end <=
    start`` runs past midnight (see :data:`Hours`)."""
    return tuple(sorted(set(intervals)))


class LocalClock:
    """Converts local wall-clock times of one zone to UTC, with the DST rules of the module.

    Most dates have one UTC offset all day: for them a wall time is midnight's instant plus the
    time of day, which is cheap. Dates whose length is not 24 hours (a DST change) go through
    zoneinfo one wall time at a time. (No real zone changes offset twice in one date, so a
    24-hour date has a single offset.)
    """

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self._starts: dict[datetime, datetime | None] = {}
        self._plain: dict[date, datetime | None] = {}

    def start_to_utc(self, wall: datetime) -> datetime | None:
        """A candidate start: None if ``wall`` (naive) does not exist; first occurrence if twice."""
        try:
            return self._starts[wall]
        except KeyError:
            pass
        aware = wall.replace(tzinfo=self.zone, fold=0)
        utc = aware.astimezone(UTC)
        # A wall time in a gap does not survive the round trip (it comes back shifted).
        exists = utc.astimezone(self.zone).replace(tzinfo=None) == wall
        result = utc if exists else None
        self._starts[wall] = result
        return result

    def second_occurrence(self, wall: datetime) -> datetime | None:
        """The second instant of a wall time that happens twice (fall back), else None."""
        utc = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        if utc == self.start_to_utc(wall) or utc.astimezone(self.zone).replace(tzinfo=None) != wall:
            return None
        return utc

    def boundary_to_utc(self, wall: datetime) -> datetime:
        """An interval boundary: like a start, but a gap time moves to the moment of the jump."""
        utc = self.start_to_utc(wall)
        if utc is not None:
            return utc
        # In a gap, fold=1 reads the wall time with the offset after the jump and fold=0 with the
        # offset before, which brackets the jump: lo is before it, hi at or after it. Jumps happen
        # on whole seconds, so bisecting down to one second finds the exact instant.
        lo = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        hi = wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        before = lo.astimezone(self.zone).utcoffset()
        second = timedelta(seconds=1)
        while hi - lo > second:
            mid = lo + ((hi - lo) // second // 2) * second
            if mid.astimezone(self.zone).utcoffset() == before:
                lo = mid
            else:
                hi = mid
        return hi

    def day_start(self, day: date) -> datetime:
        """The UTC instant the local date begins."""
        return self.boundary_to_utc(datetime.combine(day, time(0)))

    def plain_day_start(self, day: date) -> datetime | None:
        """Midnight's instant if the date has one offset all day (24 hours long), else None."""
        try:
            return self._plain[day]
        except KeyError:
            pass
        start = self.day_start(day)
        plain = start if self.day_start(day + ONE_DAY) - start == ONE_DAY else None
        self._plain[day] = plain
        return plain

    def boundaries_to_utc(self, day: date, hours: Hours) -> list[Range]:
        """The UTC spans of one date's working spans (touching ones merged)."""
        spans = []
        for s, e in hours:
            begin = since_midnight(s)
            spans.append(
                Range(
                    self.offset_boundary(day, begin),
                    self.offset_boundary(day, begin + span_length(s, e)),
                )
            )
        return merge(spans)

    def offset_boundary(self, day: date, offset: timedelta) -> datetime:
        """A span boundary given as wall time since ``day``'s midnight (may reach the next
        date), as UTC: plain arithmetic on a date with one offset, the DST rules otherwise."""
        if offset >= ONE_DAY:
            day, offset = day + ONE_DAY, offset - ONE_DAY
        base = self.plain_day_start(day)
        if base is not None:
            return base + offset
        return self.boundary_to_utc(datetime.combine(day, time(0)) + offset)

    def local(self, utc: datetime) -> datetime:
        return utc.astimezone(self.zone)


def candidate_offsets(hours: Hours, step: timedelta) -> list[timedelta]:
    """Step 5a: wall-clock starts (as time since local midnight) every ``step`` from the start
    of each working interval, sorted, distinct.

    Whether the service then fits is decided in UTC (a fall-back night lengthens an interval),
    so every wall time before the interval's end is a candidate.
    """
    offsets: set[timedelta] = set()
    for start, end in hours:
        offset = since_midnight(start)
        stop = offset + span_length(start, end)
        while offset < stop:
            offsets.add(offset)
            offset += step
    return sorted(offsets)


def candidate_starts(clock: LocalClock, day: date, hours: Hours, step: timedelta) -> list[datetime]:
    """Step 5b: the existing wall-clock candidates of one date, as UTC instants, sorted."""
    offsets = candidate_offsets(hours, step)
    base = clock.plain_day_start(day)
    if base is not None and (not offsets or offsets[-1] < ONE_DAY):
        return [base + offset for offset in offsets]
    # Past midnight (an overnight span) the next date's offset applies: go through the clock.
    midnight = datetime.combine(day, time(0))
    out = []
    for offset in offsets:
        if base is not None and offset < ONE_DAY:
            out.append(base + offset)
            continue
        wall = midnight + offset
        utc = clock.start_to_utc(wall)
        if utc is not None:
            out.append(utc)
            again = clock.second_occurrence(wall)
            if again is not None:
                out.append(again)
    # The second pass of a repeated hour comes after later wall times of the first: sort.
    out.sort()
    return out


def working_ranges(clock: LocalClock, day: date, hours: Hours) -> list[Range]:
    """The UTC spans of one date's working intervals (touching ones merged)."""
    return clock.boundaries_to_utc(day, hours)


def time_off_ranges(time_off: Iterable[TimeOff], staff_id: int | None) -> list[Range]:
    """Merged time off that applies to ``staff_id`` (its own and business-wide)."""
    return merge(
        Range(t.start, t.end) for t in time_off if t.staff_id is None or t.staff_id == staff_id
    )


def booking_window(
    business: Business, first_day: date, last_day: date, visit: Visit
) -> tuple[datetime, datetime]:
    """The UTC span whose active bookings (and time off) a snapshot for these dates must contain.

    Whole local days (daily limits count them) widened by the visit's buffers (a candidate's
    buffered span may reach past midnight into a neighbour's booking), and at the end by what a
    slot of ``last_day`` may cover: an overnight span reaches into the next date, and the visit
    (with its buffer) goes on from its last start.
    """
    clock = LocalClock(zone_of(business))
    start = clock.day_start(first_day) - visit.buffer_before
    end = clock.day_start(last_day + 2 * ONE_DAY) + visit.duration + visit.buffer_after
    return start, end


def local_day_of(business: Business, instant: datetime) -> date:
    return instant.astimezone(zone_of(business)).date()


class SpanDays:
    """Which date a booked instant belongs to, by the rule slots follow: the date of the working
    span it lies in, so a Friday-night 01:00 is Friday's (agenda views group by it)."""

    def __init__(self, business: Business, exceptions: Iterable[DateException]) -> None:
        self.zone = zone_of(business)
        self.clock = LocalClock(self.zone)
        self.index = ExceptionIndex(exceptions)

    def day_of(self, member: StaffMember | None, instant: datetime) -> date:
        day = instant.astimezone(self.zone).date()
        if member is None:
            return day
        before = day - ONE_DAY
        for s, e in self.index.hours_for(member, before):
            if not ends_next_day(s, e):
                continue  # ends by midnight: cannot reach into ``day``
            begin = since_midnight(s)
            start = self.clock.offset_boundary(before, begin)
            end = self.clock.offset_boundary(before, begin + span_length(s, e))
            if start <= instant < end:
                return before
        return day


def owner_days(business: Business, instant: datetime) -> tuple[date, date]:
    """The local dates whose slots may start at ``instant``: its own date, and the day before
    (an overnight span of the day before owns the hours after midnight)."""
    day = local_day_of(business, instant)
    return day - ONE_DAY, day


# --------------------------------------------------------------------------------------------
# Step 6: the per-member sweep
# --------------------------------------------------------------------------------------------

GroupKey = tuple[int, datetime]  # (service id, start): bookings sharing it form one class
MICROSECOND = timedelta(microseconds=1)  # datetime resolution: turns "<" into "<=" exactly


@cache
def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def _group_of(booking: Booking) -> GroupKey | None:
    """The class a booking belongs to; mirrors ``Booking.group_key`` without string formatting."""
    items = booking.items
    if len(items) != 1 or items[0].capacity <= 1:
        return None
    return (items[0].service_id, booking.start)


def _block(booking: Booking) -> tuple[datetime, datetime]:
    """``(block_start, block_end)``, like the Booking properties but cheaper (hot path)."""
    items = booking.items
    duration = (
        items[0].duration_minutes if len(items) == 1 else sum(i.duration_minutes for i in items)
    )
    start = booking.start
    return (
        start - _minutes(items[0].buffer_before_minutes),
        start + _minutes(duration + items[-1].buffer_after_minutes),
    )


def _usable(bookings: Iterable[Booking], exclude_booking_id: int | None) -> list[Booking]:
    return [
        b
        for b in bookings
        if b.status.is_active and (exclude_booking_id is None or b.id != exclude_booking_id)
    ]


def appointments_per_day(bookings: Iterable[Booking], zone: tzinfo) -> dict[date, int]:
    """Appointments per local date: each booking counts once, a whole group class once."""
    seen_groups: set[GroupKey] = set()
    counts: dict[date, int] = defaultdict(int)
    for b in bookings:
        group = _group_of(b)
        if group is not None:
            if group in seen_groups:
                continue
            seen_groups.add(group)
        counts[b.start.astimezone(zone).date()] += 1
    return counts


class _Lane:
    """One member's bookable starts, as sorted ranges, walked once in time order.

    Instead of testing each candidate against bookings, the lane turns the rules into the set of
    instants a visit may *start* at, with range maths (linear after one sort):

    * working time minus time off ``[a, b)`` allows starts in ``[a, b - duration]``;
    * a booking blocking ``[c, e)`` (buffers included) forbids starts ``s`` with
      ``s - buffer_before < e`` and ``c < s + duration + buffer_after``, i.e. the open range
      ``(c - duration - buffer_after, e + buffer_before)``;
    * a group class of the visit's own service with room forbids the same range *except* its
      exact start, where the visit may join it.

    A candidate is then bookable when it falls in one of the ``allowed`` ranges: each date seeks
    its first range by bisection on ``ends`` (dates overlap in time when spans run past
    midnight), then moves forward as its candidates come in increasing order.
    """

    def __init__(
        self,
        member: StaffMember,
        hours: dict[date, Hours],
        free: list[Range],
        bookings: list[Booking],
        visit: Visit,
        zone: tzinfo,
    ) -> None:
        assert member.id is not None
        self.id: int = member.id
        self.hours = hours
        self.limit = member.max_daily_bookings
        self.per_day = appointments_per_day(bookings, zone) if self.limit is not None else {}

        duration = visit.duration
        starts = [(a, b - duration + MICROSECOND) for a, b in free if b - a >= duration]
        lead = duration + visit.buffer_after - MICROSECOND
        lag = visit.buffer_before
        # Plain tuples, sorted but not merged: subtract() absorbs overlaps as it sweeps.
        forbidden: list[Span] = []
        classes: dict[GroupKey, tuple[datetime, datetime, int]] = {}
        # Hot loop (every booking of the window): the forbidden range of a plain booking is
        # (start - before - lead, start + duration + after + lag); the two offsets depend only on
        # the booking's minutes, so they are looked up rather than rebuilt.
        back: dict[int, timedelta] = {}
        ahead: dict[int, timedelta] = {}
        for b in bookings:
            items = b.items
            first = items[0]
            if len(items) == 1:
                if first.capacity > 1:
                    block_start, block_end = _block(b)
                    key = (first.service_id, b.start)
                    if key in classes:
                        lo, hi, size = classes[key]
                        classes[key] = (min(lo, block_start), max(hi, block_end), size + 1)
                    else:
                        classes[key] = (block_start, block_end, 1)
                    continue
                minutes = first.duration_minutes + first.buffer_after_minutes
            else:
                minutes = sum(i.duration_minutes for i in items) + items[-1].buffer_after_minutes
            before = first.buffer_before_minutes
            to_start = back.get(before)
            if to_start is None:
                to_start = back[before] = _minutes(before) + lead
            to_end = ahead.get(minutes)
            if to_end is None:
                to_end = ahead[minutes] = _minutes(minutes) + lag
            start = b.start
            forbidden.append((start - to_start, start + to_end))
        self.joinable: set[datetime] = set()
        for (service_id, class_start), (lo, hi, size) in classes.items():
            if service_id == visit.group_service_id and size < visit.capacity:
                self.joinable.add(class_start)
                forbidden.append((lo - lead, class_start))
                forbidden.append((class_start + MICROSECOND, hi + lag))
            else:
                forbidden.append((lo - lead, hi + lag))
        forbidden.sort()
        self.allowed = subtract(starts, forbidden)
        self.ends = [b for _, b in self.allowed]  # sorted: the ranges do not overlap

    def day_is_full(self, day: date) -> bool:
        """Daily limit reached: only joining an existing class is still possible."""
        return self.limit is not None and self.per_day.get(day, 0) >= self.limit


# --------------------------------------------------------------------------------------------
# The search
# --------------------------------------------------------------------------------------------


class _Search:
    """Steps 1-5 prepared once for a snapshot and a query; :meth:`walk` runs step 6."""

    def __init__(self, snapshot: ScheduleSnapshot, query: SlotQuery) -> None:
        business = snapshot.business
        self.zone = zone_of(business)
        self.clock = LocalClock(self.zone)
        self.visit = resolve_visit(snapshot.services, query.service_ids)
        self.staff = eligible_staff(snapshot.staff, query.service_ids, query.staff_id)
        self.days = consider_future_booking_limit(
            business, query.now, query.first_day, query.last_day
        )
        self.earliest = consider_book_advance_timeout(
            business, query.now, ignore_notice=query.ignore_notice
        )
        self.step = timedelta(minutes=max(1, business.policies.slot_step_minutes))
        index = ExceptionIndex(snapshot.exceptions)
        self._candidates: dict[tuple[date, Hours], list[datetime]] = {}
        working_cache: dict[tuple[date, Hours], list[Range]] = {}
        # Hours are read one date before and two after the queried dates (hours_window): the
        # slots of a date must not depend on which dates were asked with it.
        if self.days:
            before, after = hours_window(self.days[0], self.days[-1])
            hour_days = [before, *self.days, after - ONE_DAY, after]
        else:
            hour_days = []
        # A visit (buffers included) longer than storage accepts is never offered.
        too_long = self.visit.buffer_before + self.visit.duration + self.visit.buffer_after
        if too_long > MAX_VISIT_SPAN:
            self.staff = []

        bookings_by_staff: dict[int, list[Booking]] = defaultdict(list)
        excluded = query.exclude_booking_id
        for b in snapshot.bookings:
            if b.status in ACTIVE_STATUSES and (excluded is None or b.id != excluded):
                bookings_by_staff[b.staff_id].append(b)

        self.lanes: list[_Lane] = []
        for member in self.staff:
            assert member.id is not None
            per_day = {day: index.hours_for(member, day) for day in hour_days}
            working: list[Range] = []
            for day, hours in per_day.items():
                if hours:
                    key = (day, hours)
                    spans = working_cache.get(key)
                    if spans is None:
                        spans = working_cache[key] = working_ranges(self.clock, day, hours)
                    working += spans
            free = subtract(merge(working), time_off_ranges(snapshot.time_off, member.id))
            self.lanes.append(
                _Lane(
                    member,
                    per_day,
                    free,
                    bookings_by_staff.get(member.id, []),
                    self.visit,
                    self.zone,
                )
            )

    def candidates(self, day: date, hours: Hours) -> list[datetime]:
        """Candidates are shared by every member with the same hours that day."""
        key = (day, hours)
        found = self._candidates.get(key)
        if found is None:
            found = candidate_starts(self.clock, day, hours, self.step)
            self._candidates[key] = found
        return found

    def owned_by_previous(self, lane: _Lane, day: date) -> set[datetime]:
        """Candidates of ``day`` that the previous date's overnight spans already produce: they
        belong to that date (a slot belongs to the date its span starts on)."""
        before = lane.hours.get(day - ONE_DAY, ())
        if not any(ends_next_day(s, e) for s, e in before):
            return set()
        return set(self.candidates(day - ONE_DAY, before))

    def walk(self, *, first_per_day: bool = False) -> dict[date, dict[datetime, list[int]]]:
        """Step 6: ``{local date: {utc start: [free staff ids]}}``; one start per date if asked.

        Dates outer, members inner, candidates in time order: within a date each member's range
        pointer only moves forward, and stopping early on a date (``first_per_day``) skips work.
        """
        found: dict[date, dict[datetime, list[int]]] = {}
        earliest = self.earliest
        for day in self.days:
            today: dict[datetime, list[int]] = {}
            for lane in self.lanes:
                hours = lane.hours[day]
                if not hours:
                    continue
                full = lane.day_is_full(day)
                if full and not lane.joinable:
                    continue
                cands = self.candidates(day, hours)
                if not cands:
                    continue
                owned = self.owned_by_previous(lane, day)
                last = cands[-1]
                allowed = lane.allowed
                n = len(allowed)
                # Overnight spans make dates overlap in time: seek rather than resume.
                i = bisect_right(lane.ends, cands[0])
                # Instead of testing every candidate, take each allowed range in turn and slice
                # out the candidates inside it (bisect): cost follows ranges and hits, not
                # candidates.
                lo = bisect_left(cands, earliest) if cands[0] < earliest else 0
                while i < n and lo < len(cands):
                    a, b = allowed[i]
                    if b <= cands[lo]:
                        i += 1
                        continue
                    if a > last:
                        break
                    j = bisect_left(cands, a, lo)
                    k = bisect_left(cands, b, j)
                    for start in cands[j:k]:
                        if full and start not in lane.joinable:
                            continue
                        if owned and start in owned:
                            continue
                        ids = today.get(start)
                        if ids is None:
                            today[start] = [lane.id]
                        else:
                            ids.append(lane.id)
                        if first_per_day:
                            break
                    if first_per_day and today:
                        break
                    lo = k
                    if b > last:
                        break
                    i += 1
                if first_per_day and today:
                    break
            if today:
                found[day] = today
        return found

    def to_slots(self, found: dict[date, dict[datetime, list[int]]]) -> list[Slot]:
        duration = self.visit.duration
        zone = self.zone
        out: list[Slot] = []
        for day, today in found.items():
            for start in sorted(today):
                out.append(
                    Slot(start, start + duration, start.astimezone(zone), tuple(today[start]), day)
                )
        return out


def find_slots(snapshot: ScheduleSnapshot, query: SlotQuery) -> list[Slot]:
    """Every bookable start in the query's local dates, sorted, with the members free then."""
    search = _Search(snapshot, query)
    return search.to_slots(search.walk())


def available_days(snapshot: ScheduleSnapshot, query: SlotQuery) -> set[date]:
    """Local dates with at least one slot, in one pass that stops at each date's first slot.

    Meant for a month calendar: cheaper than :func:`find_slots` and never walks a date twice.
    """
    search = _Search(snapshot, query)
    return set(search.walk(first_per_day=True))


def first_slot_per_day(snapshot: ScheduleSnapshot, query: SlotQuery) -> dict[date, datetime]:
    """:func:`available_days` with each date's earliest start (UTC): the availability cache
    keeps these to know when the passing of time can change the answer."""
    search = _Search(snapshot, query)
    return {day: min(starts) for day, starts in search.walk(first_per_day=True).items()}


def slot_starting(
    snapshot: ScheduleSnapshot, slots: Iterable[Slot], start: datetime
) -> Slot | None:
    """The slot at ``start`` among ``slots``. Two dates can list the same instant (one member's
    overnight span, another's next-day hours): then everyone free at it, under the first."""
    found = [s for s in slots if s.start == start]
    if len(found) <= 1:
        return found[0] if found else None
    order = {m.id: staff_order(m) for m in snapshot.staff}
    ids = sorted({i for s in found for i in s.staff_ids}, key=lambda i: order.get(i, (0, i)))
    return found[0]._replace(staff_ids=tuple(ids))


def day_load(
    snapshot: ScheduleSnapshot, staff_id: int, day: date, *, exclude_booking_id: int | None = None
) -> int:
    """Appointments of a member on a local date (a group class counts once)."""
    mine = [b for b in _usable(snapshot.bookings, exclude_booking_id) if b.staff_id == staff_id]
    return appointments_per_day(mine, zone_of(snapshot.business)).get(day, 0)


def pick_staff(
    snapshot: ScheduleSnapshot, slot: Slot, *, exclude_booking_id: int | None = None
) -> int:
    """Who takes an "any professional" booking: the least busy that local date, then stable
    order (position, id). Deterministic, so retries and tests agree."""
    if not slot.staff_ids:
        raise InvalidInput("staff_id", "nobody is free at this time")
    order = {m.id: staff_order(m) for m in snapshot.staff}
    day = slot.local_day
    return min(
        slot.staff_ids,
        key=lambda sid: (
            day_load(snapshot, sid, day, exclude_booking_id=exclude_booking_id),
            order.get(sid, (0, sid)),
        ),
    )


def nearest_slots(slots: Iterable[Slot], wanted: datetime, n: int = 3) -> list[datetime]:
    """Up to ``n`` free starts closest to ``wanted`` (earlier wins a tie), chronological."""
    starts = {s.start for s in slots if s.start != wanted}
    closest = sorted(starts, key=lambda s: (abs(s - wanted), s))[: max(0, n)]
    return sorted(closest)
