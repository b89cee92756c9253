"""The slot engine, rule by rule, with exact local times.

Unless said otherwise: business in America/Sao_Paulo (UTC-3 all year since 2019), 30-minute
step, no notice, one-year horizon; the day is Tuesday 2026-03-10; "now" is the evening before.
Drawings use one character per 15 minutes; ``#`` is a service, ``b`` a buffer, ``.`` free.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain import availability
from domain.availability import (
    LocalClock,
    Slot,
    available_days,
    find_slots,
    nearest_slots,
    pick_staff,
)
from domain.availability_naive import find_slots_naive
from domain.errors import InvalidInput
from domain.model import BookingStatus, Service, StaffMember

from .builders import (
    at,
    booked,
    business,
    closed,
    custom,
    d,
    hhmm,
    member,
    off,
    query,
    service,
    slot_at,
    snapshot,
    wall,
)

SP = "America/Sao_Paulo"
DAY = "2026-03-10"
NOW = wall(SP, "2026-03-09 20:00")
CUT = service(10, 60)


def sp(hhmm_: str, day: str = DAY) -> str:
    return f"{day} {hhmm_}"


def at_sp(hhmm_: str, day: str = DAY) -> datetime:
    return wall(SP, sp(hhmm_, day))


def slots_for(
    staff: list[StaffMember],
    services: list[Service],
    service_ids: tuple[int, ...] = (10,),
    **kwargs: object,
) -> list[str]:
    """Local "HH:MM" of the slots on DAY; also checks the naive oracle agrees."""
    biz = kwargs.pop("biz", business())
    snap_kwargs = {k: kwargs.pop(k) for k in ("exceptions", "time_off", "bookings") if k in kwargs}
    snap = snapshot(biz, staff, services, **snap_kwargs)  # type: ignore[arg-type]
    q = query(service_ids, DAY, now=kwargs.pop("now", NOW), **kwargs)  # type: ignore[arg-type]
    found = find_slots(snap, q)
    assert found == find_slots_naive(snap, q)
    return hhmm(found)


# --- working intervals, step, duration --------------------------------------------------------


@pytest.mark.parametrize(
    ("spans", "minutes", "step", "expected"),
    [
        # 09 10 11 12 13 14 15 16 17
        # [########)  [##############)     a lunch break is a gap between intervals
        (
            ["09:00-12:00", "13:00-17:00"],
            60,
            30,
            [
                *("09:00", "09:30", "10:00", "10:30", "11:00"),
                *("13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00"),
            ],
        ),
        # Touching intervals are one stretch: 11:30 + 60 min crosses 12:00 without a gap.
        (["09:00-12:00", "12:00-13:00"], 60, 60, ["09:00", "10:00", "11:00", "12:00"]),
        # The step starts from each interval's own start (09:10, not 09:00).
        (["09:10-11:00"], 50, 30, ["09:10", "09:40", "10:10"]),
        (["09:00-10:00", "14:15-15:00"], 30, 30, ["09:00", "09:30", "14:15"]),
        # A service longer than the interval never fits.
        (["09:00-09:45"], 60, 15, []),
        # Overlapping intervals are merged, each keeps its own alignment.
        (["09:00-10:00", "09:15-10:00"], 30, 30, ["09:00", "09:15", "09:30"]),
    ],
)
def test_working_intervals_and_step(
    spans: list[str], minutes: int, step: int, expected: list[str]
) -> None:
    staff = [member(1, spans)]
    assert (
        slots_for(staff, [service(10, minutes)], biz=business(slot_step_minutes=step)) == expected
    )


def test_visit_of_several_services_takes_their_sum() -> None:
    # 30 + 45 = 75 minutes back to back: 10:30 ends 11:45, 11:00 would end 12:15.
    services = [service(10, 30), service(11, 45)]
    staff = [member(1, ["09:00-12:00"], services=(10, 11))]
    assert slots_for(staff, services, (10, 11)) == ["09:00", "09:30", "10:00", "10:30"]


def test_only_staff_who_perform_every_service_are_searched() -> None:
    services = [service(10, 30), service(11, 30)]
    staff = [member(1, services=(10,)), member(2, ["14:00-15:00"], services=(10, 11))]
    assert slots_for(staff, services, (10, 11)) == ["14:00"]  # 30 + 30 in 14:00-15:00


def test_inactive_staff_and_services() -> None:
    assert slots_for([member(1, active=False)], [CUT]) == []
    with pytest.raises(InvalidInput):
        slots_for([member(1)], [service(10, 60, active=False)])
    with pytest.raises(InvalidInput):
        slots_for([member(1)], [CUT], (99,))
    with pytest.raises(InvalidInput):
        slots_for([member(1)], [CUT], ())


# --- bookings and buffers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "candidate", "expected"),
    [
        # hours 08:00-13:00, step 15, existing booking 10:00-11:00.
        #         08  09  10  11  12  13
        # booking         ####
        # 60 min  ####    free until it starts at 10:00 exactly, again from 11:00
        (
            service(20, 60),
            service(10, 60),
            [
                *("08:00", "08:15", "08:30", "08:45", "09:00"),
                *("11:00", "11:15", "11:30", "11:45", "12:00"),
            ],
        ),
        # The booking's own buffer_after of 15 keeps 11:00-11:15 too.
        # booking         ####b
        (
            service(20, 60, after=15),
            service(10, 60),
            ["08:00", "08:15", "08:30", "08:45", "09:00", "11:15", "11:30", "11:45", "12:00"],
        ),
        # The candidate's buffers (15 before, 15 after) must not touch the booking either:
        # candidate b####b  -> 08:45 ends 09:45 + 15 = 10:00 OK; 11:15 - 15 = 11:00 OK.
        (
            service(20, 60),
            service(10, 60, before=15, after=15),
            ["08:00", "08:15", "08:30", "08:45", "11:15", "11:30", "11:45", "12:00"],
        ),
        # Both buffers add up: booking ####b (15 after), candidate b#### (15 before).
        (
            service(20, 60, after=15),
            service(10, 60, before=15),
            ["08:00", "08:15", "08:30", "08:45", "09:00", "11:30", "11:45", "12:00"],
        ),
    ],
)
def test_buffers(existing: Service, candidate: Service, expected: list[str]) -> None:
    staff = [member(1, ["08:00-13:00"], services=(10, 20))]
    bookings = [booked(1, at_sp("10:00"), [existing], ident=500)]
    got = slots_for(
        staff,
        [candidate, existing],
        bookings=bookings,
        biz=business(slot_step_minutes=15),
    )
    assert got == expected


def test_buffers_may_lie_outside_working_hours() -> None:
    # b#### at 09:00: the 30-minute buffer before the opening does not matter.
    staff = [member(1, ["09:00-10:00"])]
    assert slots_for(staff, [service(10, 60, before=30, after=30)]) == ["09:00"]


def test_bookings_that_no_longer_hold_time_do_not_block() -> None:
    staff = [member(1, ["09:00-10:00"])]
    gone = [
        booked(1, at_sp("09:00"), [CUT], ident=i, status=s)
        for i, s in enumerate(
            [BookingStatus.CANCELLED, BookingStatus.DECLINED, BookingStatus.EXPIRED], start=1
        )
    ]
    assert slots_for(staff, [CUT], bookings=gone) == ["09:00"]


def test_a_booking_does_not_block_its_own_reschedule() -> None:
    staff = [member(1, ["09:00-11:00"])]
    mine = booked(1, at_sp("09:30"), [CUT], ident=7)
    assert slots_for(staff, [CUT], bookings=[mine]) == []  # 09:00 and 10:00 overlap it
    assert slots_for(staff, [CUT], bookings=[mine], exclude_booking_id=7) == [
        "09:00",
        "09:30",
        "10:00",
    ]


def test_bookings_of_other_staff_do_not_block() -> None:
    staff = [member(1, ["09:00-10:00"]), member(2, ["09:00-10:00"])]
    snap = snapshot(business(), staff, [CUT], bookings=[booked(1, at_sp("09:00"), [CUT])])
    (slot,) = find_slots(snap, query((10,), DAY, now=NOW))
    assert slot.staff_ids == (2,)


# --- time off ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_off_staff", "expected"),
    [
        # 09  10  11  12
        # ....xxxx....     time off 10:00-11:00 of staff 1: the service time may not touch it
        (1, ["09:00", "11:00"]),
        (None, ["09:00", "11:00"]),  # business-wide time off: everyone
        (2, ["09:00", "09:30", "10:00", "10:30", "11:00"]),  # someone else's
    ],
)
def test_time_off(time_off_staff: int | None, expected: list[str]) -> None:
    staff = [member(1, ["09:00-12:00"])]
    blocked = [off(at_sp("10:00"), at_sp("11:00"), time_off_staff)]
    assert slots_for(staff, [CUT], time_off=blocked) == expected


def test_buffers_may_overlap_time_off() -> None:
    # Only the service time must avoid time off: ####b with b inside 10:00-10:30 is fine.
    staff = [member(1, ["09:00-12:00"])]
    blocked = [off(at_sp("10:00"), at_sp("10:30"))]
    got = slots_for(staff, [service(10, 60, after=30)], time_off=blocked)
    assert got == ["09:00", "10:30", "11:00"]


# --- notice and horizon -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "notice", "ignore", "expected"),
    [
        # now 09:10, 60 min notice -> earliest 10:10 -> first aligned slot 10:30
        ("09:10", 60, False, ["10:30", "11:00"]),
        # a walk-in made by the provider skips the notice, but never starts in the past
        ("09:10", 60, True, ["09:30", "10:00", "10:30", "11:00"]),
        # exactly at the limit is fine
        ("09:00", 60, False, ["10:00", "10:30", "11:00"]),
        ("12:00", 0, True, []),
    ],
)
def test_minimum_notice(now: str, notice: int, ignore: bool, expected: list[str]) -> None:
    staff = [member(1, ["09:00-12:00"])]
    got = slots_for(
        staff,
        [CUT],
        biz=business(min_notice_minutes=notice),
        now=at_sp(now),
        ignore_notice=ignore,
    )
    assert got == expected


@pytest.mark.parametrize("ignore_notice", [False, True])
def test_horizon_counts_whole_local_days(ignore_notice: bool) -> None:
    # now: Tue 2026-03-10 23:30 local (already Wednesday in UTC); horizon 2 days -> Thu 12 last.
    biz = business(horizon_days=2)
    snap = snapshot(biz, [member(1, ["09:00-10:00"])], [CUT])
    q = query(
        (10,),
        "2026-03-01",
        "2026-03-31",
        now=at_sp("23:30"),
        ignore_notice=ignore_notice,
    )
    assert [s.local_day for s in find_slots(snap, q)] == [d("2026-03-11"), d("2026-03-12")]
    assert available_days(snap, q) == {d("2026-03-11"), d("2026-03-12")}


# --- date exceptions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exceptions", "expected_1", "expected_2"),
    [
        # No exception: weekly hours (staff 1 09-10, staff 2 14-15).
        ([], ["09:00"], ["14:00"]),
        # Business-wide closure closes everyone, even a staff member with their own hours.
        ([closed(DAY), custom(DAY, ["16:00-17:00"], staff_id=1)], [], []),
        # A staff member's own custom hours replace their weekly hours.
        ([custom(DAY, ["11:00-12:00", "15:00-16:00"], staff_id=1)], ["11:00", "15:00"], ["14:00"]),
        # A staff member's own closure.
        ([closed(DAY, staff_id=2)], ["09:00"], []),
        # Business-wide special hours replace everyone's weekly hours...
        ([custom(DAY, ["07:00-08:00"])], ["07:00"], ["07:00"]),
        # ...except for whoever has their own exception that day.
        (
            [custom(DAY, ["07:00-08:00"]), custom(DAY, ["18:00-19:00"], staff_id=2)],
            ["07:00"],
            ["18:00"],
        ),
        # Several own exceptions: a closure wins over custom hours.
        ([custom(DAY, ["11:00-12:00"], staff_id=1), closed(DAY, staff_id=1)], [], ["14:00"]),
        # Exceptions of another date change nothing.
        ([closed("2026-03-11")], ["09:00"], ["14:00"]),
    ],
)
def test_date_exception_precedence(
    exceptions: list[object], expected_1: list[str], expected_2: list[str]
) -> None:
    staff = [member(1, ["09:00-10:00"]), member(2, ["14:00-15:00"])]
    assert slots_for(staff, [CUT], exceptions=exceptions, staff_id=1) == expected_1
    assert slots_for(staff, [CUT], exceptions=exceptions, staff_id=2) == expected_2


def test_weekly_hours_follow_the_weekday() -> None:
    # Monday to Friday only: Sat 14 and Sun 15 have no slots.
    snap = snapshot(business(), [member(1, ["09:00-10:00"], days=range(5))], [CUT])
    q = query((10,), "2026-03-13", "2026-03-16", now=NOW)
    assert [s.local_day for s in find_slots(snap, q)] == [d("2026-03-13"), d("2026-03-16")]


# --- group classes (capacity) -----------------------------------------------------------------

YOGA = service(30, 60, capacity=3)


@pytest.mark.parametrize(
    ("already", "expected"),
    [
        # 0, 1 or 2 clients at 10:00: 10:00 is still offered (the class has room); the other
        # starts overlap the class and are not.
        (0, ["09:00", "09:30", "10:00", "10:30", "11:00"]),
        (1, ["09:00", "10:00", "11:00"]),
        (2, ["09:00", "10:00", "11:00"]),
        # 3 of 3: full.
        (3, ["09:00", "11:00"]),
    ],
)
def test_group_class_capacity(already: int, expected: list[str]) -> None:
    staff = [member(1, ["09:00-12:00"], services=(10, 30))]
    bookings = [booked(1, at_sp("10:00"), [YOGA], ident=i + 1) for i in range(already)]
    assert slots_for(staff, [YOGA, CUT], (30,), bookings=bookings) == expected


def test_a_member_in_a_class_is_busy_for_anything_else() -> None:
    staff = [member(1, ["09:00-12:00"], services=(10, 30))]
    bookings = [booked(1, at_sp("10:00"), [YOGA], ident=1)]
    assert slots_for(staff, [YOGA, CUT], (10,), bookings=bookings) == ["09:00", "11:00"]


def test_a_class_at_another_time_is_not_joinable() -> None:
    # Class at 10:00; a second class at 10:30 would overlap it.
    staff = [member(1, ["09:00-12:00"], services=(30, 31))]
    other_class = service(31, 60, capacity=3)
    bookings = [booked(1, at_sp("10:00"), [other_class], ident=1)]
    assert slots_for(staff, [YOGA, other_class], (30,), bookings=bookings) == ["09:00", "11:00"]


def test_a_visit_of_several_services_is_never_shared() -> None:
    staff = [member(1, ["08:30-13:00"], services=(10, 30))]
    pair = [YOGA, service(10, 30)]
    bookings = [booked(1, at_sp("10:00"), pair, ident=1)]
    # 90 minutes 10:00-11:30 are taken, capacity or not: 10:00 is not offered again.
    assert slots_for(staff, pair, (30, 10), bookings=bookings) == ["08:30", "11:30"]


# --- daily limit ------------------------------------------------------------------------------


def test_daily_limit_closes_the_day_for_that_member() -> None:
    staff = [member(1, ["08:00-18:00"], max_daily=2)]
    two = [
        booked(1, at_sp("08:00"), [CUT], ident=1),
        booked(1, at_sp("12:00"), [CUT], ident=2),
    ]
    snap = snapshot(business(), staff, [CUT], bookings=two)
    q = query((10,), DAY, "2026-03-11", now=NOW)
    assert {s.local_day for s in find_slots(snap, q)} == {d("2026-03-11")}
    assert find_slots(snap, q) == find_slots_naive(snap, q)
    # One booking less (rescheduling one of them): the day opens again.
    q = query((10,), DAY, now=NOW, exclude_booking_id=2)
    assert hhmm(find_slots(snap, q))[:2] == ["09:00", "09:30"]


def test_daily_limit_counts_a_class_once_and_lets_clients_join_it() -> None:
    # max 2 appointments: one class of three clients at 10:00 + one cut at 15:00 = 2.
    staff = [member(1, ["09:00-17:00"], services=(10, 30), max_daily=2)]
    bookings = [booked(1, at_sp("10:00"), [YOGA], ident=i) for i in (1, 2)]
    bookings.append(booked(1, at_sp("15:00"), [CUT], ident=3))
    assert slots_for(staff, [YOGA, CUT], (30,), bookings=bookings) == ["10:00"]
    assert slots_for(staff, [YOGA, CUT], (10,), bookings=bookings) == []


def test_daily_limit_uses_the_local_date() -> None:
    # A booking at 23:00 local on the 9th is 02:00 UTC on the 10th: it counts for the 9th.
    staff = [member(1, ["00:00-23:59"], max_daily=1)]
    late = booked(1, wall(SP, "2026-03-09 23:00"), [CUT], ident=1)
    got = slots_for(staff, [CUT], bookings=[late], now=wall(SP, "2026-03-09 12:00"))
    assert got[0] == "00:00"


# --- any professional -------------------------------------------------------------------------


def test_any_professional_lists_who_is_free() -> None:
    staff = [
        member(1, ["09:00-11:00"], position=1),
        member(2, ["10:00-12:00"], position=0),
    ]
    snap = snapshot(business(), staff, [CUT], bookings=[booked(1, at_sp("09:00"), [CUT])])
    got = [
        (s.local_start.strftime("%H:%M"), s.staff_ids)
        for s in find_slots(snap, query((10,), DAY, now=NOW))
    ]
    # 09:00 and 09:30: staff 1 is busy until 10:00. Staff 2 comes first (position 0).
    assert got == [
        ("10:00", (2, 1)),
        ("10:30", (2,)),
        ("11:00", (2,)),
    ]


def test_pick_staff_least_busy_that_day_then_position_then_id() -> None:
    staff = [
        member(1, ["09:00-18:00"], position=1),
        member(2, ["09:00-18:00"], position=0),
        member(3, ["09:00-18:00"], position=0),
    ]
    snap = snapshot(business(), staff, [CUT])
    q = query((10,), DAY, now=NOW)
    slot = slot_at(snap, q, at_sp("15:00"))
    assert slot is not None and slot.staff_ids == (2, 3, 1)
    assert pick_staff(snap, slot) == 2  # nobody has anything: position 0, then lowest id
    # Staff 2 gets one booking that day, staff 3 one the day before: 3 is now least busy.
    busy = snapshot(
        business(),
        staff,
        [CUT],
        bookings=[
            booked(2, at_sp("09:00"), [CUT], ident=1),
            booked(3, at_sp("09:00", "2026-03-09"), [CUT], ident=2),
        ],
    )
    assert pick_staff(busy, slot) == 3
    # ...unless that booking is the one being moved.
    assert pick_staff(busy, slot, exclude_booking_id=1) == 2


# --- several days, calendar, alternatives -----------------------------------------------------


def test_available_days_matches_find_slots_and_stops_at_first_slot() -> None:
    staff = [member(1, ["09:00-18:00"], days=range(5)), member(2, ["09:00-18:00"], days=(5,))]
    bookings = [
        booked(2, at_sp("09:00", "2026-03-14") + timedelta(hours=h), [CUT]) for h in range(9)
    ]
    snap = snapshot(
        business(),
        staff,
        [CUT],
        exceptions=[closed("2026-03-18")],
        bookings=bookings,
    )
    q = query((10,), "2026-03-01", "2026-03-31", now=NOW)
    slots = find_slots(snap, q)
    days = available_days(snap, q)
    assert days == {s.local_day for s in slots}
    assert d("2026-03-18") not in days and d("2026-03-14") not in days  # closed / fully booked
    # Weekdays from the 10th (15, the 18th closed) and Saturdays 21 and 28 (staff 2).
    assert min(days) == d(DAY) and len(days) == 17
    # One pass that keeps only each date's first slot, found by its first free member.
    walked = availability._Search(snap, q).walk(first_per_day=True)
    first_of_day: dict[date, Slot] = {}
    for s in slots:
        first_of_day.setdefault(s.local_day, s)
    assert {day: list(found.items()) for day, found in walked.items()} == {
        day: [(s.start, [s.staff_ids[0]])] for day, s in first_of_day.items()
    }


def test_nearest_slots() -> None:
    staff = [member(1, ["09:00-12:00"])]
    snap = snapshot(business(), staff, [CUT], bookings=[booked(1, at_sp("10:00"), [CUT])])
    slots = find_slots(snap, query((10,), DAY, now=NOW))
    assert hhmm(slots) == ["09:00", "11:00"]
    assert nearest_slots(slots, at_sp("10:00")) == [at_sp("09:00"), at_sp("11:00")]
    assert nearest_slots(slots, at_sp("10:00"), n=1) == [at_sp("09:00")]  # tie: earlier wins
    assert nearest_slots(slots, at_sp("10:45"), n=1) == [at_sp("11:00")]
    assert nearest_slots([], at_sp("10:00")) == []


def test_slot_at_agrees_with_find_slots() -> None:
    staff = [member(1, ["09:00-12:00"])]
    snap = snapshot(business(), staff, [CUT])
    q = query((10,), DAY, now=NOW)
    slot = slot_at(snap, q, at_sp("09:30"))
    assert slot is not None and slot.end == at_sp("10:30") and slot.staff_ids == (1,)
    assert slot_at(snap, q, at_sp("09:40")) is None  # not on the step
    assert slot_at(snap, q, at_sp("11:30")) is None  # would end after 12:00
    assert slot_at(snap, q, at_sp("09:30", "2026-03-11")) is not None  # another day is fine


def test_clock_conversions_outside_dst_are_plain() -> None:
    clock = LocalClock(ZoneInfo(SP))
    assert clock.day_start(d(DAY)) == at("2026-03-10 03:00")
