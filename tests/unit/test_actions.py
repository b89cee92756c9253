"""Which time-driven outbox actions a booking needs in each state."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.actions import (
    ATTENDANCE_REQUEST,
    EXPIRE_REQUEST,
    REMINDER,
    planned_actions,
    request_expires_at,
)
from domain.model import Actor, Booking, BookingEvent, BookingItem, BookingStatus, Policies
from domain.states import BookingEventName

from .builders import at

START = at("2026-03-10 13:00")
CREATED = at("2026-03-08 15:00")
POLICIES = Policies(
    reminder_offsets_minutes=(120, 1440, 0, 120),  # 0 and the duplicate are ignored
    attendance_request_minutes=600,
    request_expiry_minutes=60,
)


def booking(status: BookingStatus, **kw: object) -> Booking:
    b = Booking(
        business_id=1,
        staff_id=1,
        client_id=1,
        items=[BookingItem(10, "Corte", 60, 5000)],
        start=START,
        status=status,
        created_at=CREATED,
        id=5,
        **kw,  # type: ignore[arg-type]
    )
    b.events.append(BookingEvent(CREATED, Actor.client(1), BookingEventName.CREATED, None, status))
    return b


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # reminders 24 h and 2 h before, attendance request 10 h before
        (
            CREATED,
            [
                (ATTENDANCE_REQUEST, at("2026-03-10 03:00"), ""),
                (REMINDER, at("2026-03-09 13:00"), "1440"),
                (REMINDER, at("2026-03-10 11:00"), "120"),
            ],
        ),
        # after the 24-hour reminder and the attendance request: only the 2-hour one is left
        (at("2026-03-10 04:00"), [(REMINDER, at("2026-03-10 11:00"), "120")]),
        (at("2026-03-10 11:00"), []),  # due exactly now: already handled, not planned again
    ],
)
def test_confirmed_booking(now: datetime, expected: list[tuple[str, datetime, str]]) -> None:
    got = planned_actions(booking(BookingStatus.CONFIRMED), POLICIES, now)
    assert sorted((p.kind, p.due_at, p.payload) for p in got) == sorted(expected)


def test_answered_attendance_is_not_asked_again() -> None:
    b = booking(BookingStatus.CONFIRMED, attendance_confirmed_at=CREATED)
    assert ATTENDANCE_REQUEST not in {p.kind for p in planned_actions(b, POLICIES, CREATED)}


def test_pending_booking_only_expires() -> None:
    b = booking(BookingStatus.PENDING)
    got = planned_actions(b, POLICIES, CREATED)
    assert [(p.kind, p.due_at) for p in got] == [(EXPIRE_REQUEST, CREATED + timedelta(hours=1))]
    assert request_expires_at(b, POLICIES) == CREATED + timedelta(hours=1)
    # Overdue (the poller was down): due at once rather than in the past.
    late = CREATED + timedelta(hours=5)
    assert [p.due_at for p in planned_actions(b, POLICIES, late)] == [late]


@pytest.mark.parametrize(
    "status",
    [
        BookingStatus.DECLINED,
        BookingStatus.EXPIRED,
        BookingStatus.CANCELLED,
        BookingStatus.COMPLETED,
        BookingStatus.NO_SHOW,
    ],
)
def test_finished_bookings_need_nothing(status: BookingStatus) -> None:
    assert planned_actions(booking(status), POLICIES, CREATED) == []
    assert request_expires_at(booking(status), POLICIES) is None
