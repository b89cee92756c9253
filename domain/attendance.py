"""Whether a client will come, did come, and how they usually do: pure rules over bookings.

* :func:`attendance_of`: what the provider sees next to a booking in the chat and the panel;
  the client's "I'll be there" is ``Booking.attendance_confirmed_at`` (set by
  ``booking.confirm_attendance``), "I can't come" is the client's own cancellation;
* :func:`client_record`: a client's no-shows and attendance rate (the client page);
* :func:`rebooking_starts`: the times to offer first when booking a finished visit again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .model import ActorKind, Booking, BookingStatus

FINISHED = frozenset({BookingStatus.COMPLETED, BookingStatus.NO_SHOW})


class Attendance(enum.StrEnum):
    CONFIRMED = "confirmed"  # the client answered "I'll be there"
    WAITING = "waiting"  # an upcoming visit the client has not confirmed (yet)
    CANT_COME = "cant_come"  # the client cancelled it: they said they can't come


def cancelled_by_client(booking: Booking) -> bool:
    """Needs the booking's events (a single ``get``, not the list queries)."""
    if booking.status is not BookingStatus.CANCELLED:
        return False
    last = next((e for e in reversed(booking.events) if e.to_status is booking.status), None)
    return last is not None and last.actor.kind is ActorKind.CLIENT


def attendance_of(booking: Booking) -> Attendance | None:
    """None where the question no longer makes sense (declined, expired, cancelled by the
    business, or a finished visit the client never confirmed)."""
    if booking.status.is_active:
        if booking.attendance_confirmed_at is not None:
            return Attendance.CONFIRMED
        return Attendance.WAITING
    if booking.status in FINISHED and booking.attendance_confirmed_at is not None:
        return Attendance.CONFIRMED
    if cancelled_by_client(booking):
        return Attendance.CANT_COME
    return None


def not_confirmed_yet(booking: Booking) -> bool:
    """The "whom should I call?" filter: upcoming visits without the client's yes."""
    return attendance_of(booking) is Attendance.WAITING


@dataclass(frozen=True)
class ClientRecord:
    visits: int  # completed
    no_shows: int
    cancelled_by_client: int
    upcoming: int

    @property
    def attendance_rate(self) -> float | None:
        """Completed over completed + no-shows; None before the first finished visit."""
        finished = self.visits + self.no_shows
        return None if finished == 0 else self.visits / finished


def client_record(bookings: Iterable[Booking], now: datetime) -> ClientRecord:
    visits = no_shows = cancelled = upcoming = 0
    for booking in bookings:
        if booking.status is BookingStatus.COMPLETED:
            visits += 1
        elif booking.status is BookingStatus.NO_SHOW:
            no_shows += 1
        elif cancelled_by_client(booking):
            cancelled += 1
        elif booking.status.is_active and booking.start >= now:
            upcoming += 1
    return ClientRecord(visits, no_shows, cancelled, upcoming)


def rebooking_starts(
    previous_local_start: datetime, today: date, offered: Sequence[datetime], *, limit: int = 6
) -> list[datetime]:
    """Free local starts to offer for "book again", best first.

    The same weekday and time as the previous visit come first (the next such dates in
    ``offered``, soonest first); then the rest of ``offered`` by closeness to that time of day,
    soonest day first. ``offered`` are local, aware starts the availability engine returned.
    """
    weekday, clock = previous_local_start.weekday(), previous_local_start.time()
    after = [s for s in offered if s.date() > today]

    def minutes_off(start: datetime) -> int:
        return abs((start.hour * 60 + start.minute) - (clock.hour * 60 + clock.minute))

    same = [s for s in after if s.weekday() == weekday and s.time() == clock]
    rest = sorted(
        (s for s in after if s not in same), key=lambda s: (minutes_off(s) > 60, s.date(), s)
    )
    return (sorted(same) + rest)[:limit]


def rebooking_window(today: date, weeks: int = 4) -> tuple[date, date]:
    """The local days searched for "book again": from tomorrow, ``weeks`` weeks."""
    return today + timedelta(days=1), today + timedelta(days=7 * weeks)
