"""Slot search: the one loader of what the availability engine needs, and its cache.

Every search (the bot's calendar and times, the panel's walk-in form, the booking use cases)
goes through :func:`load` / :func:`free_days` / :func:`free_slots` here:

1. :func:`choose` checks the services and professional asked for against the catalog and clips
   the dates to the booking horizon (a far-future month costs no query at all);
2. :func:`read_snapshot` reads the bounded rest: the dates' exceptions, the window's time off and
   the queried staff's bookings;
3. the engine (``domain.availability``) computes the answer.

The availability cache
----------------------
An answer is kept per business and question under the business's ``data_version``, which the
storage layer moves in the same transaction as every write that can change availability
(bookings, exceptions, time off, services, staff, their links and hours, the business's
policies). A cached answer is used only while the version read for this update is the version it
was computed at, so a booking committed before the version was read is always seen; the booking
use case still re-checks its slot under the staff lock.

Time passing is the one input not in the version. Its only effects are the horizon (the clipped
dates are part of the key) and the minimum notice, which only ever removes starts. A cached list
of slots is therefore cut at the current notice cutoff; a cached set of days keeps each day's
first start and is used only while the cutoff has not passed any of them.

Reads order: the version is read *before* the data it keys (same transaction). Under READ
COMMITTED the data may then be newer than the version, never older, so an entry can only miss a
free time, never offer a taken one.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from .availability import (
    ScheduleSnapshot,
    Slot,
    SlotQuery,
    Visit,
    booking_window,
    consider_book_advance_timeout,
    consider_future_booking_limit,
    first_slot_per_day,
    hours_window,
    resolve_visit,
)
from .availability import find_slots as _find_slots
from .errors import InvalidInput, NotFound
from .model import Business, DateException, Service, StaffMember, TimeOff
from .ports import UnitOfWork

DEFAULT_MAX_ENTRIES = 1024


@dataclass(frozen=True)
class _Entry:
    version: int
    earliest: datetime  # the notice cutoff the answer was computed at
    slots: tuple[Slot, ...] = ()
    starts: tuple[datetime, ...] | None = None  # slot starts, when sorted (for bisect)
    first_starts: tuple[tuple[date, datetime], ...] = ()

    def usable_at(self, version: int, earliest: datetime) -> bool:
        if version != self.version or earliest < self.earliest:
            return False
        # Days: while the cutoff has passed no day's first start, every day keeps its slot.
        return all(earliest <= first for _day, first in self.first_starts)

    def slots_from(self, earliest: datetime) -> list[Slot]:
        if self.starts is not None:
            return list(self.slots[bisect_left(self.starts, earliest) :])
        return [s for s in self.slots if s.start >= earliest]

    def days(self) -> set[date]:
        return {day for day, _first in self.first_starts}


class AvailabilityCache:
    """Answers of slot searches, per business and question, least recently used first out.

    One per process (per database): storage hands it out with each unit of work. Checked against
    the business's data version on every use, so instances sharing a database stay correct.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self.versioned = _VersionedStore(self)
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, version: int, earliest: datetime) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or not entry.usable_at(version, earliest):
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: Hashable, entry: _Entry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
        self._kept.clear()


def cache_of(uow: UnitOfWork) -> AvailabilityCache | None:
    """The process's cache, when the unit of work carries one (storage's does; fakes do not)."""
    cache = getattr(uow, "availability_cache", None)
    return cache if isinstance(cache, AvailabilityCache) else None


@dataclass(frozen=True)
class _Kept:
    """Anything else kept under a data version: a catalog, a window's exceptions and time off."""

    version: int
    value: Any


class _VersionedStore:
    """The plain "value under a version" part of the cache (no time-dependence)."""

    def __init__(self, cache: AvailabilityCache) -> None:
        self._cache = cache

    def get(self, key: Hashable, version: int) -> Any | None:
        kept = self._cache._kept.get(key)
        if kept is None or kept.version != version:
            return None
        self._cache._kept.move_to_end(key)
        return kept.value

    def put(self, key: Hashable, version: int, value: Any) -> None:
        kept = self._cache._kept
        kept[key] = _Kept(version, value)
        kept.move_to_end(key)
        while len(kept) > self._cache.max_entries:
            kept.popitem(last=False)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


async def catalog(uow: UnitOfWork, business: Business) -> tuple[list[Service], list[StaffMember]]:
    """The business's active services and staff (with links and hours), ``uow`` entered and
    ``business`` read in it. Kept under the business's catalog version: every update of a chat
    needs them and they change only with a catalog write, which moves that version (a booking
    does not).

    The objects are shared between callers while the version holds: read them, never change
    them (writers load their own through the repositories).
    """
    assert business.id is not None
    cache = cache_of(uow)
    key = (business.id, "catalog")
    if cache is not None:
        found = cache.versioned.get(key, business.catalog_version)
        if found is not None:
            services, staff = found
            return list(services), list(staff)
    services = await uow.services.list_for_business(business.id)
    staff = await uow.staff.list_for_business(business.id)
    if cache is not None:
        cache.versioned.put(key, business.catalog_version, (tuple(services), tuple(staff)))
    return services, staff


@dataclass(frozen=True)
class Choice:
    """The services and professionals a query is about, and the query clipped to the horizon."""

    business: Business
    services: list[Service]
    staff: list[StaffMember]
    visit: Visit
    query: SlotQuery


def choose(
    business: Business,
    services: Sequence[Service],
    staff: Sequence[StaffMember],
    query: SlotQuery,
) -> Choice | None:
    """Check the query against the business's active ``services`` and ``staff``.

    Raises :class:`InvalidInput` for an unknown or inactive service or a professional who does
    not do them, :class:`NotFound` for an unknown professional. None when nothing can be
    offered (nobody performs the services, or every date is beyond the horizon).
    """
    if not query.service_ids:
        raise InvalidInput("service_ids", "choose at least one service")
    by_id = {s.id: s for s in services if s.active and s.business_id == business.id}
    chosen = []
    for sid in dict.fromkeys(query.service_ids):
        if sid not in by_id:
            raise InvalidInput("service_ids", f"unknown service {sid}")
        chosen.append(by_id[sid])
    visit = resolve_visit(chosen, query.service_ids)
    if query.staff_id is not None:
        member = next((m for m in staff if m.id == query.staff_id), None)
        if member is None or member.business_id != business.id:
            raise NotFound("staff", query.staff_id)
        if not member.active or not member.performs(query.service_ids):
            raise InvalidInput("staff_id", "does not perform these services")
        members = [member]
    else:
        members = [m for m in staff if m.active and m.performs(query.service_ids)]
    days = consider_future_booking_limit(business, query.now, query.first_day, query.last_day)
    if not days or not members:
        return None
    clipped = replace(query, first_day=days[0], last_day=days[-1])
    return Choice(business, chosen, members, visit, clipped)


async def read_snapshot(
    uow: UnitOfWork,
    business: Business,
    staff: Sequence[StaffMember],
    services: Sequence[Service],
    visit: Visit,
    first_day: date,
    last_day: date,
) -> ScheduleSnapshot:
    """What the engine needs for these local dates besides the catalog: bounded reads only.
    ``uow`` must be entered and ``business`` read in it (its catalog version keys the cached
    exceptions and time off; the bookings are always read)."""
    assert business.id is not None
    start, end = booking_window(business, first_day, last_day, visit)
    # Hours (and date exceptions) of the neighbouring dates too: an overnight span of the day
    # before owns the first slots after midnight, and a late visit runs into the next day.
    first, last = hours_window(first_day, last_day)
    cache = cache_of(uow)
    found = (
        cache.versioned.get((business.id, "calendar"), business.catalog_version) if cache else None
    )
    if found is not None and found.covers(first, last, start, end):
        exceptions, time_off = found.between(first, last, start, end)
    elif cache is not None:
        # One read of a long span (exceptions and time off are a few rows per business):
        # later searches and bookings of other dates filter it instead of reading again.
        calendar = await _read_calendar(uow, business.id, first, last, start, end)
        cache.versioned.put((business.id, "calendar"), business.catalog_version, calendar)
        exceptions, time_off = calendar.between(first, last, start, end)
    else:
        exceptions = await uow.schedule.exceptions_between(business.id, first, last)
        time_off = await uow.schedule.time_off_between(business.id, start, end)
    ids = [m.id for m in staff if m.id is not None]
    bookings = await uow.bookings.busy_between(ids, start, end)
    return ScheduleSnapshot(
        business=business,
        staff=list(staff),
        services=list(services),
        exceptions=exceptions,
        time_off=time_off,
        bookings=bookings,
    )


CALENDAR_SPAN = timedelta(days=400)


@dataclass(frozen=True)
class _Calendar:
    """A business's exceptions on ``first..last`` and time off meeting ``start..end``."""

    first: date
    last: date
    start: datetime
    end: datetime
    exceptions: tuple[DateException, ...]
    time_off: tuple[TimeOff, ...]

    def covers(self, first: date, last: date, start: datetime, end: datetime) -> bool:
        return self.first <= first and last <= self.last and self.start <= start and end <= self.end

    def between(
        self, first: date, last: date, start: datetime, end: datetime
    ) -> tuple[list[DateException], list[TimeOff]]:
        return (
            [e for e in self.exceptions if first <= e.day <= last],
            [t for t in self.time_off if t.start < end and t.end > start],
        )


async def _read_calendar(
    uow: UnitOfWork, business_id: int, first: date, last: date, start: datetime, end: datetime
) -> _Calendar:
    last, end = max(last, first + CALENDAR_SPAN), max(end, start + CALENDAR_SPAN)
    exceptions = await uow.schedule.exceptions_between(business_id, first, last)
    time_off = await uow.schedule.time_off_between(business_id, start, end)
    return _Calendar(first, last, start, end, tuple(exceptions), tuple(time_off))


async def load(
    uow: UnitOfWork,
    business: Business,
    services: Sequence[Service],
    staff: Sequence[StaffMember],
    query: SlotQuery,
) -> tuple[ScheduleSnapshot, SlotQuery] | None:
    """The engine's input for ``query`` (``uow`` entered), or None when nothing can be offered."""
    choice = choose(business, services, staff, query)
    if choice is None:
        return None
    snapshot = await _read(uow, choice)
    return snapshot, choice.query


async def _read(uow: UnitOfWork, choice: Choice) -> ScheduleSnapshot:
    q = choice.query
    return await read_snapshot(
        uow, choice.business, choice.staff, choice.services, choice.visit, q.first_day, q.last_day
    )


# --------------------------------------------------------------------------------------------
# Cached answers
# --------------------------------------------------------------------------------------------


async def free_days(
    uow: UnitOfWork,
    business: Business,
    services: Sequence[Service],
    staff: Sequence[StaffMember],
    query: SlotQuery,
    *,
    in_transaction: bool = False,
) -> set[date]:
    """Local dates of ``query`` with at least one slot (a month calendar).

    ``business`` carries the data version read for this update; with ``in_transaction`` the
    catalog was read in ``uow``'s open transaction, else ``uow`` is entered only on a miss.
    """
    entry = await _answer(uow, "days", business, services, staff, query, in_transaction)
    return set() if entry is None else entry.days()


async def free_slots(
    uow: UnitOfWork,
    business: Business,
    services: Sequence[Service],
    staff: Sequence[StaffMember],
    query: SlotQuery,
    *,
    in_transaction: bool = False,
) -> list[Slot]:
    """Bookable starts of ``query``, sorted, with who is free at each (see :func:`free_days`)."""
    entry = await _answer(uow, "slots", business, services, staff, query, in_transaction)
    if entry is None:
        return []
    return entry.slots_from(_earliest(business, query))


def _earliest(business: Business, query: SlotQuery) -> datetime:
    return consider_book_advance_timeout(business, query.now, ignore_notice=query.ignore_notice)


async def _answer(
    uow: UnitOfWork,
    kind: str,
    business: Business,
    services: Sequence[Service],
    staff: Sequence[StaffMember],
    query: SlotQuery,
    in_transaction: bool,
) -> _Entry | None:
    choice = choose(business, services, staff, query)
    if choice is None:
        return None
    q = choice.query
    key = (
        business.id,
        kind,
        q.service_ids,
        q.staff_id,
        q.first_day,
        q.last_day,
        q.exclude_booking_id,
        q.ignore_notice,
    )
    earliest = _earliest(business, q)
    cache = cache_of(uow)
    if cache is not None:
        hit = cache.get(key, business.data_version, earliest)
        if hit is not None:
            return hit
    if in_transaction:
        version = business.data_version  # read earlier in this same transaction
        snapshot = await _read(uow, choice)
    else:
        async with uow:
            # Version first, then the data it keys (see the module's note on read order).
            assert business.id is not None
            if cache is not None:
                version, catalog_version = await uow.businesses.versions(business.id)
            else:
                version, catalog_version = business.data_version, business.catalog_version
            # Calendar data read now is keyed by the versions read now.
            fresh = replace(business, data_version=version, catalog_version=catalog_version)
            snapshot = await _read(uow, replace(choice, business=fresh))
    entry = _compute(kind, snapshot, q, earliest, version)
    # Keep it only when the catalog we computed with is the one of that version.
    if cache is not None and version == business.data_version:
        cache.put(key, entry)
    return entry


def _compute(
    kind: str, snapshot: ScheduleSnapshot, query: SlotQuery, earliest: datetime, version: int
) -> _Entry:
    if kind == "days":
        firsts = tuple(sorted(first_slot_per_day(snapshot, query).items()))
        return _Entry(version, earliest, first_starts=firsts)
    slots = tuple(_find_slots(snapshot, query))
    starts = tuple(s.start for s in slots)
    ordered = all(a <= b for a, b in pairwise(starts))
    return _Entry(version, earliest, slots=slots, starts=starts if ordered else None)
