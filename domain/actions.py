"""Kinds of due actions written to the outbox, and which time-driven ones a booking needs.

Two families:

* notifications (``NOTIFY_*``) record that something happened; they are due at once and are
  never retired (the message is about an event that did happen);
* time-driven actions (:data:`TIMED_KINDS`) depend on the booking's current status and start.
  Whenever a booking changes, the use case retires its pending timed actions and schedules the
  ones :func:`planned_actions` returns for the new state. Recomputing from scratch is simpler
  and safer than patching: a moved booking can never keep a reminder for its old time.

The payload is a short plain string the scheduler reads back (a status, an event name, or a
reminder offset in minutes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import Booking, BookingEventName, BookingStatus, Policies

NOTIFY_PROVIDER_NEW = "notify_provider_new"
"""A client made a booking or request: tell the provider (payload: the status)."""

NOTIFY_PROVIDER_CHANGE = "notify_provider_change"
"""A client cancelled, rescheduled or confirmed attendance (payload: the event name)."""

NOTIFY_CLIENT_STATUS = "notify_client_status"
"""The provider (or the system) decided something about a booking (payload: the event name)."""

ATTENDANCE_REQUEST = "attendance_request"
"""Ask the client to confirm they will come."""

REMINDER = "reminder"
"""Remind the client (payload: minutes before the start)."""

EXPIRE_REQUEST = "expire_request"
"""Expire a request the provider left unanswered (manual confirmation)."""

MORNING_AFTER = "morning_after"
"""Tell the providers which of yesterday's bookings are not marked yet (payload: local date)."""

DAILY_DIGEST = "daily_digest"
"""The providers' agenda of the day, at the business's chosen time (payload: local date)."""

# Business-level, one a day; planned by scheduler/daily.py, not by a booking (see domain/daily.py).
DAILY_KINDS: tuple[str, ...] = (MORNING_AFTER, DAILY_DIGEST)

TIMED_KINDS: tuple[str, ...] = (ATTENDANCE_REQUEST, REMINDER, EXPIRE_REQUEST)
NOTIFICATION_KINDS: tuple[str, ...] = (
    NOTIFY_PROVIDER_NEW,
    NOTIFY_PROVIDER_CHANGE,
    NOTIFY_CLIENT_STATUS,
)


@dataclass(frozen=True)
class PlannedAction:
    kind: str
    due_at: datetime
    payload: str = ""


def requested_at(booking: Booking) -> datetime | None:
    """When the client last asked for this time: creation or the latest reschedule."""
    for event in reversed(booking.events):
        if event.action in (BookingEventName.CREATED, BookingEventName.RESCHEDULED):
            return event.at
    return booking.created_at


def request_expires_at(booking: Booking, policies: Policies) -> datetime | None:
    """When a pending request expires: ``request_expiry_minutes`` after it was made, but never
    after the start (an unanswered request is moot once its time has come)."""
    if booking.status is not BookingStatus.PENDING:
        return None
    asked = requested_at(booking)
    if asked is None:
        return booking.start
    return min(asked + timedelta(minutes=max(0, policies.request_expiry_minutes)), booking.start)


def planned_actions(booking: Booking, policies: Policies, now: datetime) -> list[PlannedAction]:
    """Time-driven actions a booking needs in its current state; only those still ahead.

    * pending: its expiry;
    * confirmed: the attendance request (unless disabled or already answered) and each reminder;
    * anything else (declined, expired, cancelled, completed, no-show): nothing.
    """
    out: list[PlannedAction] = []
    if booking.status is BookingStatus.PENDING:
        expires = request_expires_at(booking, policies)
        if expires is not None:
            # Even if already due: the scheduler picks it up at once.
            out.append(PlannedAction(EXPIRE_REQUEST, max(expires, now)))
    elif booking.status is BookingStatus.CONFIRMED:
        minutes = policies.attendance_request_minutes
        if minutes > 0 and booking.attendance_confirmed_at is None:
            due = booking.start - timedelta(minutes=minutes)
            if due > now:
                out.append(PlannedAction(ATTENDANCE_REQUEST, due))
        for offset in sorted(set(policies.reminder_offsets_minutes), reverse=True):
            due = booking.start - timedelta(minutes=offset)
            if offset > 0 and due > now:
                out.append(PlannedAction(REMINDER, due, str(offset)))
    return out
