"""Whether a due action still makes sense now (after downtime, a reschedule, a cancellation).

Use cases retire timed actions when a booking changes, so most rows that reach the poller are
still right. These checks catch the rest: actions that came due while nobody was running, and
races between a booking change and a claim. A dropped action is logged, never sent.
"""

from __future__ import annotations

from datetime import datetime

from domain import actions
from domain.model import Booking, BookingStatus


def drop_reason(kind: str, booking: Booking | None, now: datetime) -> str | None:
    """Why ``kind`` about ``booking`` should not be sent at ``now``; None to send it."""
    if kind in actions.DAILY_KINDS:
        return None  # about no booking: the handler checks its day (domain.daily.stale_reason)
    if booking is None:
        return "booking gone"
    if kind in (actions.REMINDER, actions.ATTENDANCE_REQUEST):
        if booking.status is not BookingStatus.CONFIRMED:
            return f"booking is {booking.status.value}"
        if now >= booking.start:
            return "visit already started"
        if kind == actions.ATTENDANCE_REQUEST and booking.attendance_confirmed_at is not None:
            return "attendance already confirmed"
        return None
    if kind in actions.NOTIFICATION_KINDS:
        # News about a visit that is already over is noise, whatever it says.
        if now >= booking.end:
            return "visit already over"
        return None
    return f"unknown kind {kind!r}"
