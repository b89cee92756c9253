"""The no-show policy and attendance rules (domain/noshow.py, domain/attendance.py): pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.attendance import Attendance, attendance_of, client_record, rebooking_starts
from domain.model import (
    Actor,
    Booking,
    BookingEvent,
    BookingItem,
    BookingStatus,
    Client,
    Policies,
)
from domain.noshow import counted_no_shows, forgive, needs_approval
from domain.states import BookingEventName

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SP = ZoneInfo("America/Sao_Paulo")


def booking(days_ago: int, status: BookingStatus, client_id: int = 1) -> Booking:
    return Booking(
        business_id=1,
        staff_id=1,
        client_id=client_id,
        items=[BookingItem(service_id=1, name="Corte", duration_minutes=30, price_minor=0)],
        start=NOW - timedelta(days=days_ago),
        status=status,
    )


def test_the_policy_is_off_by_default() -> None:
    client = Client(business_id=1, id=1)
    history = [booking(d, BookingStatus.NO_SHOW) for d in (1, 2, 3)]
    assert not needs_approval(Policies(), client, history, NOW)


def test_two_no_shows_within_the_window_hold_the_client() -> None:
    policies = Policies(no_show_limit=2, no_show_window_days=90)
    client = Client(business_id=1, id=1)
    one_old = [booking(10, BookingStatus.NO_SHOW), booking(120, BookingStatus.NO_SHOW)]
    assert not needs_approval(policies, client, one_old, NOW)  # the old one is out of window
    two = [*one_old, booking(30, BookingStatus.NO_SHOW), booking(5, BookingStatus.COMPLETED)]
    assert needs_approval(policies, client, two, NOW)
    someone_else = [booking(3, BookingStatus.NO_SHOW, client_id=2)] * 3
    assert not needs_approval(policies, client, someone_else, NOW)


def test_forgiving_clears_earlier_no_shows_and_later_ones_count_again() -> None:
    policies = Policies(no_show_limit=2, no_show_window_days=90)
    client = Client(business_id=1, id=1)
    history = [booking(20, BookingStatus.NO_SHOW), booking(10, BookingStatus.NO_SHOW)]
    forgive(client, NOW - timedelta(days=5))
    assert counted_no_shows(policies, client, history, NOW) == 0
    history += [booking(3, BookingStatus.NO_SHOW), booking(1, BookingStatus.NO_SHOW)]
    assert needs_approval(policies, client, history, NOW)


def test_attendance_says_who_confirmed_who_did_not_answer_and_who_cant_come() -> None:
    waiting = booking(-1, BookingStatus.CONFIRMED)
    assert attendance_of(waiting) is Attendance.WAITING
    waiting.attendance_confirmed_at = NOW
    assert attendance_of(waiting) is Attendance.CONFIRMED
    cant = booking(-1, BookingStatus.CANCELLED)
    cant.events.append(
        BookingEvent(
            NOW, Actor.client(1), BookingEventName.CANCELLED, BookingStatus.CONFIRMED, cant.status
        )
    )
    assert attendance_of(cant) is Attendance.CANT_COME
    by_business = booking(-1, BookingStatus.CANCELLED)
    by_business.events.append(
        BookingEvent(
            NOW, Actor.provider(9), BookingEventName.CANCELLED, BookingStatus.CONFIRMED, cant.status
        )
    )
    assert attendance_of(by_business) is None


def test_the_attendance_rate_counts_visits_over_finished_ones() -> None:
    record = client_record(
        [
            booking(30, BookingStatus.COMPLETED),
            booking(20, BookingStatus.COMPLETED),
            booking(10, BookingStatus.COMPLETED),
            booking(5, BookingStatus.NO_SHOW),
            booking(-3, BookingStatus.CONFIRMED),
        ],
        NOW,
    )
    assert (record.visits, record.no_shows, record.upcoming) == (3, 1, 1)
    assert record.attendance_rate == 0.75
    assert client_record([], NOW).attendance_rate is None


def test_book_again_offers_the_same_weekday_and_time_first() -> None:
    last = datetime(2026, 6, 2, 10, 0, tzinfo=SP)  # a Tuesday, 10:00
    today = last.date()
    offered = [
        datetime(2026, 6, 3, 10, 0, tzinfo=SP),  # Wednesday, same time
        datetime(2026, 6, 9, 9, 30, tzinfo=SP),  # next Tuesday, another time
        datetime(2026, 6, 9, 10, 0, tzinfo=SP),  # next Tuesday, same time
        datetime(2026, 6, 16, 10, 0, tzinfo=SP),  # the Tuesday after, same time
        datetime(2026, 6, 4, 17, 0, tzinfo=SP),  # far from the usual time
    ]
    first, second, *rest = rebooking_starts(last, today, offered)
    assert (first, second) == (offered[2], offered[3])
    assert rest[-1] == offered[4]  # far from the usual time comes last
