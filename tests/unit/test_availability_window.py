"""A day's slots do not depend on the search window; overnight spans; visit length limit.

Property: for random zones (DST at midnight, half-hour DST, 45-minute offsets, a skipped day),
random weekly hours (overnight spans included), bookings and windows, the slots of every date
of a window search are exactly the slots of a search for that date alone, and both equal the
naive reference (``domain.availability_naive``), which checks every candidate against working
time built span by span.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.availability import (
    ScheduleSnapshot,
    SlotQuery,
    find_slots,
)
from domain.availability_naive import find_slots_naive
from domain.model import (
    Booking,
    BookingItem,
    BookingStatus,
    DateException,
    Service,
    StaffMember,
    WeeklyInterval,
)

from .builders import at, business, custom, hhmm, member, query, service, slot_at, snapshot, wall

# (zone, a date near something odd)
ANCHORS = [
    ("America/Nuuk", date(2026, 3, 28)),  # DST at local midnight (23:00 -> 00:00)
    ("America/Nuuk", date(2026, 10, 24)),
    ("America/Santiago", date(2026, 4, 4)),  # 24:00 -> 23:00
    ("America/Santiago", date(2026, 9, 5)),  # 24:00 -> 01:00
    ("America/Asuncion", date(2024, 3, 23)),
    ("America/Asuncion", date(2024, 10, 5)),
    ("Australia/Lord_Howe", date(2026, 4, 4)),  # half-hour DST
    ("Australia/Lord_Howe", date(2026, 10, 3)),
    ("Asia/Kathmandu", date(2026, 6, 1)),  # +05:45
    ("Pacific/Apia", date(2011, 12, 29)),  # 2011-12-30 never happened there
    ("America/New_York", date(2026, 10, 31)),
]


def minutes(m: int) -> time:
    return time((m // 60) % 24, m % 60)


@st.composite
def spans(draw: st.DrawFn) -> list[tuple[time, time]]:
    out = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(0, 95)) * 15
        # Up to a whole day: many spans run past midnight (end <= start).
        length = draw(st.integers(1, 96)) * 15
        out.append((minutes(start), minutes(start + length)))
    return out


@st.composite
def worlds(draw: st.DrawFn) -> tuple[ScheduleSnapshot, date, date, date, datetime]:
    zone, anchor = draw(st.sampled_from(ANCHORS))
    first = anchor - timedelta(days=draw(st.integers(0, 3)))
    last = first + timedelta(days=draw(st.integers(0, 6)))
    day = first + timedelta(days=draw(st.integers(0, (last - first).days)))
    biz = business(
        zone,
        slot_step_minutes=draw(st.sampled_from([15, 20, 30, 45, 60])),
        min_notice_minutes=0,
        horizon_days=400,
    )
    services = [
        Service(
            business_id=1,
            name="s",
            duration_minutes=draw(st.integers(1, 12)) * 15,
            buffer_before_minutes=draw(st.sampled_from([0, 0, 15])),
            buffer_after_minutes=draw(st.sampled_from([0, 0, 10])),
            capacity=draw(st.sampled_from([1, 1, 2])),
            id=10,
        )
    ]
    staff = []
    for ident in (1, 2)[: draw(st.integers(1, 2))]:
        weekly = [WeeklyInterval(wd, s, e) for wd in range(7) for s, e in draw(spans())]
        staff.append(
            StaffMember(
                business_id=1,
                name=f"m{ident}",
                service_ids={10},
                weekly_hours=weekly,
                max_daily_bookings=draw(st.sampled_from([None, None, 2])),
                id=ident,
            )
        )
    zone_info = ZoneInfo(zone)
    base = datetime.combine(first, time(0), zone_info).astimezone(UTC)
    bookings = [
        Booking(
            business_id=1,
            staff_id=draw(st.sampled_from([1, 2])),
            client_id=1,
            items=[BookingItem.of(services[0])],
            start=base + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 9))),
            status=BookingStatus.CONFIRMED,
            id=bid,
        )
        for bid in range(1, draw(st.integers(0, 4)) + 1)
    ]
    # Date exceptions around the window (closures, special hours, overnight ones too): the
    # day before and the days after a date change what it may offer.
    exceptions = [
        DateException(
            day=first + timedelta(days=draw(st.integers(-1, (last - first).days + 2))),
            staff_id=draw(st.sampled_from([None, 1, 2])),
            intervals=tuple(draw(spans())),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    now = base - timedelta(days=1)
    world = ScheduleSnapshot(biz, staff, services, exceptions, (), bookings)
    return world, first, last, day, now


def _query(first: date, last: date, now: datetime) -> SlotQuery:
    return SlotQuery(service_ids=(10,), first_day=first, last_day=last, now=now)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_a_days_slots_do_not_depend_on_the_window(
    world: tuple[ScheduleSnapshot, date, date, date, datetime],
) -> None:
    snap, first, last, day, now = world
    in_window = [s for s in find_slots(snap, _query(first, last, now)) if s.local_day == day]
    alone = find_slots(snap, _query(day, day, now))
    assert in_window == alone
    assert alone == find_slots_naive(snap, _query(day, day, now))
    # Every slot listed is bookable by its start alone (what book() checks).
    for slot in alone[:5]:
        found = slot_at(snap, _query(day, day, now), slot.start)
        assert found is not None and set(slot.staff_ids) <= set(found.staff_ids)


# --- the reproduction of the issue -------------------------------------------------------------

NUUK = "America/Nuuk"


def test_nuuk_saturday_before_dst_offers_the_same_late_starts_alone_and_in_a_week() -> None:
    # 2026-03-28: at 23:00 (-02) Nuuk's clock jumps to 00:00 (-01), Sunday. Open every day
    # 00:00-23:59: on Saturday the span ends at the jump, which is Sunday's 00:00, so Saturday
    # and Sunday touch. A 90-minute visit at 22:00 or 22:30 runs on into Sunday.
    biz = business(NUUK, slot_step_minutes=30)
    snap = snapshot(biz, [member(1, ["00:00-23:59"])], [service(10, 90)])
    now = at("2026-03-20 12:00")
    week = [s for s in find_slots(snap, query((10,), "2026-03-23", "2026-03-29", now=now))]
    saturday = find_slots(snap, query((10,), "2026-03-28", now=now))
    assert [s for s in week if s.local_day == date(2026, 3, 28)] == saturday
    assert hhmm(saturday)[-3:] == ["21:30", "22:00", "22:30"]
    assert slot_at(snap, query((10,), "2026-03-28", now=now), wall(NUUK, "2026-03-28 22:30"))


# --- overnight spans ---------------------------------------------------------------------------


SAO_PAULO = "America/Sao_Paulo"
NOW = at("2026-03-01 12:00")


def test_a_bar_open_until_two_lists_its_late_slots_under_the_evening() -> None:
    # Friday 2026-03-13 18:00-02:00; 60-minute service every hour.
    biz = business(SAO_PAULO, slot_step_minutes=60)
    bar = member(1, ["18:00-02:00"], days=[4])  # Fridays only
    snap = snapshot(biz, [bar], [service(10, 60)])
    friday = find_slots(snap, query((10,), "2026-03-13", now=NOW))
    assert hhmm(friday) == ["18:00", "19:00", "20:00", "21:00", "22:00", "23:00", "00:00", "01:00"]
    assert {s.local_day for s in friday} == {date(2026, 3, 13)}
    assert friday[-1].start == wall(SAO_PAULO, "2026-03-14 01:00")
    # Saturday has no hours of its own: nothing is listed under it.
    assert find_slots(snap, query((10,), "2026-03-14", now=NOW)) == []
    # The 01:00 slot is bookable by its start (book() looks at the day before too).
    assert slot_at(snap, query((10,), "2026-03-14", now=NOW), friday[-1].start) == friday[-1]


def test_until_midnight_and_the_whole_day() -> None:
    biz = business(SAO_PAULO, slot_step_minutes=60)
    late = snapshot(biz, [member(1, ["20:00-00:00"], days=[4])], [service(10, 60)])
    assert hhmm(find_slots(late, query((10,), "2026-03-13", now=NOW))) == [
        "20:00",
        "21:00",
        "22:00",
        "23:00",
    ]
    always = snapshot(biz, [member(1, ["00:00-00:00"])], [service(10, 60)])
    assert len(find_slots(always, query((10,), "2026-03-13", now=NOW))) == 24
    # A 3-hour visit at 23:00 runs into the next (open) day.
    long_visit = snapshot(biz, [member(1, ["00:00-00:00"])], [service(10, 180)])
    assert "23:00" in hhmm(find_slots(long_visit, query((10,), "2026-03-13", now=NOW)))


def test_an_overnight_span_overlapping_the_next_days_hours_lists_each_slot_once() -> None:
    biz = business(SAO_PAULO, slot_step_minutes=60)
    snap = snapshot(biz, [member(1, ["22:00-03:00", "01:00-04:00"])], [service(10, 60)])
    window = find_slots(snap, query((10,), "2026-03-13", "2026-03-14", now=NOW))
    starts = [s.start for s in window]
    assert len(starts) == len(set(starts))
    saturday = [s for s in window if s.local_day == date(2026, 3, 14)]
    # Sat 01:00 and 02:00 come from Friday's 22:00-03:00 span; Saturday owns 03:00 and later.
    assert hhmm(saturday)[:1] == ["03:00"]


def test_an_overnight_span_on_a_fall_back_night_is_one_hour_longer() -> None:
    # New York 2026-10-31 (Saturday) 22:00-03:00: the clock goes back at 02:00 on Sunday, so the
    # span is six real hours and 01:00/01:30 happen twice.
    zone = "America/New_York"
    biz = business(zone, slot_step_minutes=30)
    snap = snapshot(biz, [member(1, ["22:00-03:00"], days=[5])], [service(10, 60)])
    found = find_slots(snap, query((10,), "2026-10-31", now=at("2026-10-20 12:00")))
    assert found[0].start == wall(zone, "2026-10-31 22:00")
    assert found[-1].end == wall(zone, "2026-11-01 03:00")
    assert len(found) == 11  # 22:00 ... 02:00 every 30 min, with 01:00/01:30 twice
    assert found == find_slots_naive(snap, query((10,), "2026-10-31", now=at("2026-10-20 12:00")))


def test_an_overnight_span_on_a_spring_forward_night_is_one_hour_shorter() -> None:
    zone = "America/New_York"
    biz = business(zone, slot_step_minutes=60)
    snap = snapshot(biz, [member(1, ["22:00-04:00"], days=[5])], [service(10, 60)])
    found = find_slots(snap, query((10,), "2026-03-07", now=at("2026-03-01 12:00")))
    # 02:00 does not exist on Sunday 2026-03-08: five real hours.
    assert hhmm(found) == ["22:00", "23:00", "00:00", "01:00", "03:00"]
    assert found[-1].end == wall(zone, "2026-03-08 04:00")


def test_a_date_exception_can_run_past_midnight() -> None:
    biz = business(SAO_PAULO, slot_step_minutes=60)
    snap = snapshot(
        biz,
        [member(1, ["09:00-12:00"])],
        [service(10, 60)],
        exceptions=[custom("2026-03-13", ["21:00-01:00"])],
    )
    assert hhmm(find_slots(snap, query((10,), "2026-03-13", now=NOW))) == [
        "21:00",
        "22:00",
        "23:00",
        "00:00",
    ]


def test_a_visit_longer_than_a_day_with_buffers_is_never_offered() -> None:
    # Storage refuses a buffered span over 24 hours; the engine must not offer one.
    biz = business(SAO_PAULO, slot_step_minutes=60)
    too_long = service(10, 24 * 60 - 30, before=15, after=30)
    snap = snapshot(biz, [member(1, ["00:00-00:00"])], [too_long])
    assert find_slots(snap, query((10,), "2026-03-13", "2026-03-15", now=NOW)) == []
    just_fits = service(10, 24 * 60 - 45, before=15, after=30)
    snap = snapshot(biz, [member(1, ["00:00-00:00"])], [just_fits])
    assert find_slots(snap, query((10,), "2026-03-13", now=NOW))
