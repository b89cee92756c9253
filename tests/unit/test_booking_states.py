"""The booking's state machine, tested as the table it is (domain/states.py).

Every (status, event) pair is tried on a fresh booking through the booking's own method for
that event: a pair in the table changes the status to the table's target and records exactly
one event; any other pair raises InvalidTransition and leaves the booking untouched.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import BookingChanged, InvalidTransition, TooEarly
from domain.model import (
    Actor,
    Booking,
    BookingEvent,
    BookingEventName,
    BookingItem,
    BookingStatus,
    Policies,
)
from domain.states import TRANSITIONS

START = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
AFTER_START = START + timedelta(minutes=5)  # so "too early" never hides a table answer
PROVIDER = Actor.provider(1)

S, E = BookingStatus, BookingEventName

# The booking's method for each event (CREATED is not a change: it is the first record).
METHODS: dict[BookingEventName, Callable[[Booking], object]] = {
    E.CONFIRMED: lambda b: b.confirm(now=AFTER_START, actor=PROVIDER),
    E.DECLINED: lambda b: b.decline(now=AFTER_START, actor=PROVIDER, reason="fechado"),
    E.EXPIRED: lambda b: b.expire(now=AFTER_START),
    E.CANCELLED: lambda b: b.cancel(now=AFTER_START, actor=PROVIDER, reason="imprevisto"),
    E.COMPLETED: lambda b: b.complete(now=AFTER_START, actor=PROVIDER),
    E.NO_SHOW: lambda b: b.mark_no_show(now=AFTER_START, actor=PROVIDER),
    E.RESCHEDULED: lambda b: b.move(
        now=AFTER_START, actor=PROVIDER, start=START + timedelta(hours=2), staff_id=2
    ),
    E.ATTENDANCE_CONFIRMED: lambda b: b.confirm_attendance(now=AFTER_START, actor=PROVIDER),
    E.TEST_CLEARED: lambda b: b.clear_test(now=AFTER_START, actor=PROVIDER),
}


def _booking(status: BookingStatus) -> Booking:
    return Booking(
        business_id=1,
        staff_id=1,
        client_id=1,
        items=[BookingItem(10, "Corte", 30, 4500)],
        start=START,
        status=status,
        id=7,
    )


def test_every_event_but_creation_has_a_method() -> None:
    assert set(METHODS) == set(BookingEventName) - {E.CREATED}


@pytest.mark.parametrize(
    ("status", "event"),
    list(itertools.product(BookingStatus, METHODS)),
    ids=lambda v: str(v),
)
def test_the_table_decides_every_status_and_event(
    status: BookingStatus, event: BookingEventName
) -> None:
    booking = _booking(status)
    before = replace(booking, events=list(booking.events))
    target = TRANSITIONS.get((status, event))
    if target is None:
        with pytest.raises(InvalidTransition):
            METHODS[event](booking)
        assert booking == before  # refused: nothing changed
        assert not booking.can(event)
        return
    assert booking.can(event)
    METHODS[event](booking)
    assert booking.status is target
    [record] = booking.events
    assert (record.action, record.from_status, record.to_status) == (event, status, target)


def test_final_statuses_allow_nothing() -> None:
    final = {S.DECLINED, S.EXPIRED, S.CANCELLED, S.COMPLETED, S.NO_SHOW}
    assert {status for status, _ in TRANSITIONS} == set(BookingStatus) - final


@pytest.mark.parametrize("event", [E.COMPLETED, E.NO_SHOW])
def test_came_or_not_only_from_the_start_on(event: BookingEventName) -> None:
    booking = _booking(S.CONFIRMED)
    with pytest.raises(TooEarly):
        if event is E.COMPLETED:
            booking.complete(now=START - timedelta(minutes=1), actor=PROVIDER)
        else:
            booking.mark_no_show(now=START - timedelta(minutes=1), actor=PROVIDER)
    assert booking.status is S.CONFIRMED and booking.events == []


def test_a_reason_is_kept_and_a_move_names_where_it_came_from() -> None:
    cancelled = _booking(S.CONFIRMED)
    cancelled.cancel(now=AFTER_START, actor=PROVIDER, reason="imprevisto")
    assert cancelled.reason == "imprevisto"
    moved = _booking(S.CONFIRMED)
    moved.move(now=AFTER_START, actor=PROVIDER, start=START + timedelta(hours=2), staff_id=2)
    assert moved.start == START + timedelta(hours=2) and moved.staff_id == 2
    assert moved.events == [
        BookingEvent(
            AFTER_START,
            PROVIDER,
            E.RESCHEDULED,
            S.CONFIRMED,
            S.CONFIRMED,
            f"from {START.isoformat()} staff 1",
        )
    ]


def test_attendance_is_recorded_once() -> None:
    booking = _booking(S.CONFIRMED)
    assert booking.confirm_attendance(now=AFTER_START, actor=PROVIDER) is True
    assert booking.confirm_attendance(now=AFTER_START, actor=PROVIDER) is False
    assert len(booking.events) == 1


def test_an_action_drawn_for_another_version_is_refused_with_the_booking_as_it_is() -> None:
    booking = _booking(S.CONFIRMED)
    booking.version = 3
    booking.check_version(3)
    booking.check_version(None)  # callers that draw nothing (the scheduler) do not check
    with pytest.raises(BookingChanged) as refused:
        booking.check_version(2)
    assert refused.value.current is booking and refused.value.expected == 2


def test_the_client_deadline_is_the_window_before_the_start() -> None:
    booking = _booking(S.CONFIRMED)
    assert booking.client_deadline(Policies(cancellation_window_minutes=120)) == START - timedelta(
        hours=2
    )
    assert booking.client_deadline(Policies(cancellation_window_minutes=-5)) == START
