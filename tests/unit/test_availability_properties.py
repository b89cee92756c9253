"""Property tests: random small worlds around DST changes, checked against the rules.

* the fast engine returns exactly what the naive oracle returns;
* every slot lies in working time, outside time off, within notice and horizon, and clear of
  every other booking's buffered span;
* through the use case (with in-memory fakes): booking any returned slot succeeds, and booking
  a time that was not returned is refused with SlotTaken / SlotNotOffered.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import booking as uc
from domain.availability import (
    ExceptionIndex,
    LocalClock,
    ScheduleSnapshot,
    SlotQuery,
    find_slots,
    resolve_visit,
    working_ranges,
    zone_of,
)
from domain.availability_naive import find_slots_naive
from domain.errors import InvalidInput, SlotUnavailable
from domain.model import (
    Actor,
    Booking,
    BookingItem,
    BookingSource,
    BookingStatus,
    Business,
    Client,
    DateException,
    Service,
    StaffMember,
    TimeOff,
    WeeklyInterval,
)

from .builders import policies
from .fakes import FakeUnitOfWork, Store

# A day around each DST change of the brief, plus an ordinary São Paulo week.
ANCHORS = [
    ("America/Sao_Paulo", date(2018, 11, 4)),
    ("America/Sao_Paulo", date(2019, 2, 16)),
    ("America/Sao_Paulo", date(2026, 3, 10)),
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Europe/Lisbon", date(2026, 3, 29)),
    ("Europe/Lisbon", date(2026, 10, 25)),
    ("Australia/Lord_Howe", date(2026, 4, 5)),
    ("Australia/Lord_Howe", date(2026, 10, 4)),
]
SERVICE_IDS = (10, 11, 12)
STAFF_IDS = (1, 2, 3)


@dataclass
class World:
    snapshot: ScheduleSnapshot
    query: SlotQuery
    window_start: datetime  # UTC, local midnight of first_day
    window_end: datetime  # UTC, local midnight after last_day


def minutes_of_day(m: int) -> time:
    return time(m // 60, m % 60)


@st.composite
def intervals(draw: st.DrawFn, max_n: int = 2) -> tuple[tuple[time, time], ...]:
    out = []
    for _ in range(draw(st.integers(0, max_n))):
        start = draw(st.integers(0, 22 * 4)) * 15
        length = draw(st.integers(2, 40)) * 15
        end = min(start + length, 23 * 60 + 59)
        out.append((minutes_of_day(start), minutes_of_day(end)))
    return tuple(out)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    zone, anchor = draw(st.sampled_from(ANCHORS))
    first_day = anchor + timedelta(days=draw(st.integers(-1, 0)))
    last_day = first_day + timedelta(days=draw(st.integers(0, 2)))
    biz = Business(
        name="b",
        slug="b",
        timezone=zone,
        phone="+55 11 5555-0000",
        id=1,
        policies=policies(
            slot_step_minutes=draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60])),
            min_notice_minutes=draw(st.sampled_from([0, 30, 90, 240])),
            horizon_days=draw(st.integers(0, 4)),
        ),
    )
    services = [
        Service(
            business_id=1,
            name=f"s{sid}",
            duration_minutes=draw(st.integers(1, 8)) * 15,
            buffer_before_minutes=draw(st.sampled_from([0, 0, 5, 15, 30])),
            buffer_after_minutes=draw(st.sampled_from([0, 0, 10, 15])),
            capacity=draw(st.sampled_from([1, 1, 2, 3])),
            id=sid,
        )
        for sid in SERVICE_IDS
    ]
    staff = []
    for i, sid in enumerate(STAFF_IDS[: draw(st.integers(1, 3))]):
        weekly = [
            WeeklyInterval(wd, s, e) for wd in range(7) for s, e in draw(intervals()) if s < e
        ]
        performs = draw(st.sets(st.sampled_from(SERVICE_IDS), min_size=1))
        staff.append(
            StaffMember(
                business_id=1,
                name=f"m{sid}",
                service_ids=set(performs),
                weekly_hours=weekly,
                max_daily_bookings=draw(st.sampled_from([None, None, 1, 2])),
                position=draw(st.integers(0, 2)) if i else 0,
                id=sid,
            )
        )
    clock = LocalClock(zone_of(biz))
    window_start = clock.day_start(first_day)
    window_end = clock.day_start(last_day + timedelta(days=1))
    span_minutes = int((window_end - window_start).total_seconds() // 60)
    exceptions = [
        DateException(
            day=first_day + timedelta(days=draw(st.integers(0, (last_day - first_day).days))),
            staff_id=draw(st.sampled_from([None, *STAFF_IDS])),
            intervals=draw(intervals(1)),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]

    def instant() -> datetime:
        return window_start + timedelta(minutes=5 * draw(st.integers(0, span_minutes // 5)))

    time_off = []
    for _ in range(draw(st.integers(0, 2))):
        start = instant()
        time_off.append(
            TimeOff(
                start=start,
                end=start + timedelta(minutes=15 * draw(st.integers(1, 16))),
                staff_id=draw(st.sampled_from([None, *STAFF_IDS])),
            )
        )
    bookings = []
    for bid in range(1, draw(st.integers(0, 10)) + 1):
        chosen = draw(st.lists(st.sampled_from(services), min_size=1, max_size=2))
        bookings.append(
            Booking(
                business_id=1,
                staff_id=draw(st.sampled_from(STAFF_IDS)),
                client_id=1,
                items=[BookingItem.of(s) for s in chosen],
                start=instant(),
                status=draw(
                    st.sampled_from(
                        [BookingStatus.CONFIRMED, BookingStatus.PENDING, BookingStatus.CANCELLED]
                    )
                ),
                id=bid,
            )
        )
    wanted = tuple(
        draw(st.lists(st.sampled_from(SERVICE_IDS), min_size=1, max_size=2, unique=True))
    )
    now = window_start + timedelta(minutes=15 * draw(st.integers(-4 * 24, 4 * 24)))
    query = SlotQuery(
        service_ids=wanted,
        first_day=first_day,
        last_day=last_day,
        now=now,
        staff_id=draw(st.sampled_from([None, *(m.id for m in staff)])),
        ignore_notice=draw(st.booleans()),
        exclude_booking_id=draw(st.sampled_from([None, *range(1, len(bookings) + 1)])),
    )
    snap = ScheduleSnapshot(biz, staff, services, exceptions, time_off, bookings)
    return World(snap, query, window_start, window_end)


FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(worlds())
def test_fast_engine_equals_naive_oracle(world: World) -> None:
    assert find_slots(world.snapshot, world.query) == find_slots_naive(world.snapshot, world.query)


@FAST
@given(worlds())
def test_every_slot_obeys_every_rule(world: World) -> None:
    snap, q = world.snapshot, world.query
    biz = snap.business
    clock = LocalClock(zone_of(biz))
    visit = resolve_visit(snap.services, q.service_ids)
    index = ExceptionIndex(snap.exceptions)
    staff = {m.id: m for m in snap.staff}
    today = q.now.astimezone(clock.zone).date()
    earliest = (
        q.now if q.ignore_notice else q.now + timedelta(minutes=biz.policies.min_notice_minutes)
    )
    for slot in find_slots(snap, q):
        assert slot.end - slot.start == visit.duration
        assert slot.start >= earliest
        assert today <= slot.local_day <= today + timedelta(days=biz.policies.horizon_days)
        assert q.first_day <= slot.local_day <= q.last_day
        assert slot.staff_ids
        for sid in slot.staff_ids:
            m = staff[sid]
            assert m.performs(q.service_ids)
            assert q.staff_id in (None, sid)
            work = working_ranges(clock, slot.local_day, index.hours_for(m, slot.local_day))
            assert any(w.start <= slot.start and slot.end <= w.end for w in work)
            for t in snap.time_off:
                if t.staff_id in (None, sid):
                    assert not (t.start < slot.end and slot.start < t.end)
            block = (slot.start - visit.buffer_before, slot.end + visit.buffer_after)
            classmates = 0
            for b in snap.bookings:
                if b.staff_id != sid or not b.status.is_active or b.id == q.exclude_booking_id:
                    continue
                if b.block_start < block[1] and block[0] < b.block_end:
                    same_class = (
                        visit.group_service_id is not None
                        and b.capacity > 1
                        and b.service_ids == (visit.group_service_id,)
                        and b.start == slot.start
                    )
                    assert same_class, "slot overlaps a booking"
                    classmates += 1
            assert classmates < visit.capacity


# --- through the use case ---------------------------------------------------------------------


def seeded(world: World) -> FakeUnitOfWork:
    """A fake database holding the world (active bookings only: the rest cannot matter)."""
    snap = world.snapshot
    store = Store()
    store.businesses[1] = snap.business
    for m in snap.staff:
        assert m.id is not None
        store.staff[m.id] = m
    for s in snap.services:
        assert s.id is not None
        store.services[s.id] = s
    for i, e in enumerate(snap.exceptions, start=1000):
        store.exceptions[i] = (1, e)
    for i, t in enumerate(snap.time_off, start=2000):
        store.time_off[i] = (1, t)
    for b in snap.bookings:
        assert b.id is not None
        if b.status.is_active and b.id != world.query.exclude_booking_id:
            store.bookings[b.id] = b
    store.clients[77] = Client(business_id=1, name="c", id=77)
    store.next_id = 5000
    return FakeUnitOfWork(store)


async def attempt(uow: FakeUnitOfWork, world: World, start: datetime, key: str) -> Booking:
    q = world.query
    return await uc.book(
        uow,
        now=q.now,
        business_id=1,
        client_id=77,
        service_ids=q.service_ids,
        staff_id=q.staff_id,
        start=start,
        source=BookingSource.TELEGRAM,
        idempotency_key=key,
        actor=Actor.client(77),
        on_behalf_of_provider=q.ignore_notice,
    )


@SLOW
@given(worlds(), st.data())
def test_booking_a_returned_slot_succeeds_and_others_are_refused(
    world: World, data: st.DataObject
) -> None:
    q = world.query

    async def scenario() -> None:
        uow = seeded(world)
        member = next((m for m in world.snapshot.staff if m.id == q.staff_id), None)
        if member is not None and not member.performs(q.service_ids):
            with pytest.raises(InvalidInput):
                await attempt(uow, world, world.window_start, "x")
            return
        slots = await uc.find_slots(
            uow,
            now=q.now,
            business_id=1,
            service_ids=q.service_ids,
            staff_id=q.staff_id,
            first_day=q.first_day,
            last_day=q.last_day,
            ignore_notice=q.ignore_notice,
        )
        # The use case loads a bounded window; it must see what the whole snapshot shows.
        assert slots == find_slots(seeded_snapshot(world), q_without_exclusion(q))
        offered = {s.start for s in slots}
        if slots:
            slot = data.draw(st.sampled_from(slots), label="slot")
            made = await attempt(uow, world, slot.start, "ok")
            assert made.start == slot.start and made.staff_id in slot.staff_ids
            assert made.id is not None
        # A time that was not offered (on the 5-minute grid of the window) is refused.
        span = int((world.window_end - world.window_start).total_seconds() // 300)
        step = data.draw(st.integers(0, span - 1), label="not offered")
        other = world.window_start + timedelta(minutes=5 * step)
        if other not in offered:
            fresh = seeded(world)
            try:
                await attempt(fresh, world, other, "no")
            except SlotUnavailable:  # taken or never offered: either refusal
                pass
            else:
                raise AssertionError(f"booked {other} although it was not offered")
            assert fresh.trace.commits == 0

    asyncio.run(scenario())


def q_without_exclusion(q: SlotQuery) -> SlotQuery:
    return SlotQuery(
        q.service_ids, q.first_day, q.last_day, q.now, q.staff_id, q.ignore_notice, None
    )


def seeded_snapshot(world: World) -> ScheduleSnapshot:
    snap = world.snapshot
    kept = [
        b for b in snap.bookings if b.status.is_active and b.id != world.query.exclude_booking_id
    ]
    return ScheduleSnapshot(
        snap.business, snap.staff, snap.services, snap.exceptions, snap.time_off, kept
    )
