"""Booking states: the one table of allowed transitions."""

from __future__ import annotations

from .errors import InvalidTransition
from .model import BookingStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PENDING: frozenset({S.CONFIRMED, S.DECLINED, S.EXPIRED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.CANCELLED, S.COMPLETED, S.NO_SHOW}),
    S.DECLINED: frozenset(),
    S.EXPIRED: frozenset(),
    S.CANCELLED: frozenset(),
    S.COMPLETED: frozenset(),
    S.NO_SHOW: frozenset(),
}

# A booking may be moved to another time only while it still holds time.
RESCHEDULABLE = frozenset({S.PENDING, S.CONFIRMED})


def check_transition(current: S, target: S) -> None:
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(current.value, target.value)
