"""Deliberately naive slot search: the benchmark baseline and the oracle of property tests.

It walks one local date at a time and checks every candidate against every booking and every
time off of that staff member, recounting the day's bookings each time: ``O(candidates x
bookings)``. It shares the unambiguous building blocks with :mod:`domain.availability` (service
resolution, who is eligible, horizon/notice, date exceptions, wall-clock to UTC conversion,
candidate wall times) but none of the sweep, so a mistake in the fast engine's pointers, merging or
group handling shows up as a difference. Do not use it in the product.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from .availability import (
    MAX_VISIT_SPAN,
    ExceptionIndex,
    LocalClock,
    ScheduleSnapshot,
    Slot,
    SlotQuery,
    Visit,
    candidate_starts,
    consider_book_advance_timeout,
    consider_future_booking_limit,
    eligible_staff,
    resolve_visit,
    working_ranges,
    zone_of,
)
from .model import Booking
from .ranges import merge


def find_slots_naive(snapshot: ScheduleSnapshot, query: SlotQuery) -> list[Slot]:
    """Same contract and result as :func:`domain.availability.find_slots`, slowly."""
    business = snapshot.business
    zone = zone_of(business)
    clock = LocalClock(zone)
    visit = resolve_visit(snapshot.services, query.service_ids)
    staff = eligible_staff(snapshot.staff, query.service_ids, query.staff_id)
    earliest = consider_book_advance_timeout(business, query.now, ignore_notice=query.ignore_notice)
    step = timedelta(minutes=max(1, business.policies.slot_step_minutes))
    index = ExceptionIndex(snapshot.exceptions)
    skip = query.exclude_booking_id
    # Spans are computed once so the baseline measures the quadratic check, not properties.
    bookings = [
        _Held(b.staff_id, b.block_start, b.block_end, b.start, _class_of(b), b)
        for b in snapshot.bookings
        if b.status.is_active and (skip is None or b.id != skip)
    ]

    slots: list[Slot] = []
    too_long = visit.buffer_before + visit.duration + visit.buffer_after > MAX_VISIT_SPAN
    for day in consider_future_booking_limit(business, query.now, query.first_day, query.last_day):
        free_at: dict[datetime, list[int]] = {}
        for member in [] if too_long else staff:
            assert member.id is not None
            hours = index.hours_for(member, day)
            # Working time is every span of the date before to two dates after, each converted
            # on its own; a visit may run from one into the next when they touch.
            working = merge(
                r
                for offset in (-1, 0, 1, 2)
                for r in working_ranges(
                    clock,
                    day + timedelta(days=offset),
                    index.hours_for(member, day + timedelta(days=offset)),
                )
            )
            yesterday = day - timedelta(days=1)
            owned = set(
                candidate_starts(clock, yesterday, index.hours_for(member, yesterday), step)
            )
            mine = [b for b in bookings if b.staff_id == member.id]
            for start in candidate_starts(clock, day, hours, step):
                if start in owned:
                    continue  # an overnight span of the date before produces it: its slot
                end = start + visit.duration
                if start < earliest:
                    continue
                if not any(w.start <= start and end <= w.end for w in working):
                    continue
                if any(
                    t.start < end and start < t.end
                    for t in snapshot.time_off
                    if t.staff_id is None or t.staff_id == member.id
                ):
                    continue
                clash, joins = _conflicts(visit, start, end, mine)
                if clash:
                    continue
                limit = member.max_daily_bookings
                if limit is not None and not joins and _count_day(mine, day, zone) >= limit:
                    continue
                free_at.setdefault(start, []).append(member.id)
        for start in sorted(free_at):
            slots.append(
                Slot(
                    start,
                    start + visit.duration,
                    start.astimezone(zone),
                    tuple(free_at[start]),
                    day,
                )
            )
    return slots


class _Held(NamedTuple):
    staff_id: int
    block_start: datetime
    block_end: datetime
    start: datetime
    group_service_id: int | None
    booking: Booking


def _class_of(b: Booking) -> int | None:
    return b.items[0].service_id if b.capacity > 1 else None


def _conflicts(
    visit: Visit, start: datetime, end: datetime, mine: list[_Held]
) -> tuple[bool, bool]:
    """(clashes with a booking, joins an existing group class)."""
    block_start = start - visit.buffer_before
    block_end = end + visit.buffer_after
    classmates = 0
    for b in mine:
        if not (b.block_start < block_end and block_start < b.block_end):
            continue
        same_class = (
            visit.group_service_id is not None
            and b.group_service_id == visit.group_service_id
            and b.start == start
        )
        if not same_class:
            return True, False
        classmates += 1
    if classmates >= visit.capacity:
        return True, False
    return False, classmates > 0


def _count_day(mine: list[_Held], day: date, zone: tzinfo) -> int:
    """Appointments starting on the local date; a group class counts once."""
    classes: set[tuple[int, datetime]] = set()
    count = 0
    for b in mine:
        if b.start.astimezone(zone).date() != day:
            continue
        if b.group_service_id is not None:
            key = (b.group_service_id, b.start)
            if key in classes:
                continue
            classes.add(key)
        count += 1
    return count
