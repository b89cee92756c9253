"""Booking states and the one table of what may happen to a booking in each of them.

Every change to a booking is an event in its history (:class:`BookingEventName`, past tense:
it happened). :data:`TRANSITIONS` says, for each (status, event) pair that is allowed, the
status the booking has afterwards; a pair missing from the table is refused with
:class:`~domain.errors.InvalidTransition`. Events that keep the status (a reschedule, the
client's "I'll be there") are in the table too, so "may this booking still be moved?" has one
answer. :class:`domain.model.Booking`'s methods are the only callers of :func:`next_status`.
"""

from __future__ import annotations

import enum

from .errors import InvalidTransition


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"

    @property
    def is_active(self) -> bool:
        """Active bookings hold their time: nobody else may take it."""
        return self in ACTIVE_STATUSES


ACTIVE_STATUSES = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED})


class BookingEventName(enum.StrEnum):
    """What happened to a booking. The values are stored in its history and travel as outbox
    payloads (the notifier picks its words by them): never rename a value."""

    CREATED = "created"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    RESCHEDULED = "rescheduled"
    ATTENDANCE_CONFIRMED = "attendance_confirmed"
    TEST_CLEARED = "test_cleared"  # the sandbox's "clear test bookings"


_S = BookingStatus
_E = BookingEventName

TRANSITIONS: dict[tuple[BookingStatus, BookingEventName], BookingStatus] = {
    # A request waits for the provider (manual confirmation).
    (_S.PENDING, _E.CONFIRMED): _S.CONFIRMED,
    (_S.PENDING, _E.DECLINED): _S.DECLINED,
    (_S.PENDING, _E.EXPIRED): _S.EXPIRED,
    (_S.PENDING, _E.CANCELLED): _S.CANCELLED,
    (_S.PENDING, _E.RESCHEDULED): _S.PENDING,
    (_S.PENDING, _E.ATTENDANCE_CONFIRMED): _S.PENDING,
    (_S.PENDING, _E.TEST_CLEARED): _S.CANCELLED,
    # A confirmed booking holds its time until it happens.
    (_S.CONFIRMED, _E.CANCELLED): _S.CANCELLED,
    (_S.CONFIRMED, _E.COMPLETED): _S.COMPLETED,
    (_S.CONFIRMED, _E.NO_SHOW): _S.NO_SHOW,
    (_S.CONFIRMED, _E.RESCHEDULED): _S.CONFIRMED,
    (_S.CONFIRMED, _E.ATTENDANCE_CONFIRMED): _S.CONFIRMED,
    (_S.CONFIRMED, _E.TEST_CLEARED): _S.CANCELLED,
    # Declined, expired, cancelled, completed and no-show are final: nothing more happens.
}


def next_status(current: BookingStatus, event: BookingEventName) -> BookingStatus:
    """The status after ``event``; :class:`InvalidTransition` if the table does not allow it."""
    target = TRANSITIONS.get((current, event))
    if target is None:
        raise InvalidTransition(current.value, event.value)
    return target


def allows(current: BookingStatus, event: BookingEventName) -> bool:
    return (current, event) in TRANSITIONS
