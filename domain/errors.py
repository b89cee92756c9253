"""Domain errors. Entry points translate them into a short message in the user's language."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation: the model never imports the errors back
    from .model import Booking


class DomainError(Exception):
    """Base of every refusal the domain makes on purpose."""

    code = "domain_error"


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, what: str, ident: object = None) -> None:
        super().__init__(f"{what} not found: {ident!r}")
        self.what = what
        self.ident = ident


class InvalidTransition(DomainError):
    code = "invalid_transition"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"cannot go from {current} to {target}")
        self.current = current
        self.target = target


class SlotUnavailable(DomainError):
    """The time asked for cannot be booked; ``alternatives`` are the nearest free starts that
    day. Catch it only where both refusals read the same; a client must be told which one it is
    (:class:`SlotTaken` or :class:`SlotNotOffered`)."""

    code = "slot_unavailable"

    def __init__(self, alternatives: list[datetime] | None = None, message: str = "") -> None:
        super().__init__(message or self.code)
        self.alternatives = alternatives or []


class SlotTaken(SlotUnavailable):
    """The time was bookable but someone else holds it now ("acabou de ser reservado")."""

    code = "slot_taken"


class SlotNotOffered(SlotUnavailable):
    """The time is not a bookable slot at all (outside hours, notice, horizon...): not a race,
    so "someone just took it" would be a lie. A sibling of :class:`SlotTaken`, not a kind of it."""

    code = "slot_not_offered"


class BookingChanged(DomainError):
    """The booking is no longer in the state the action was drawn for (a button under an old
    message, a form from a stale page): nothing was changed. ``booking`` is its current state,
    for the entry point to show; None when the change was seen only at the write."""

    code = "booking_changed"

    def __init__(self, booking_id: int, expected: int, current: Booking | None = None) -> None:
        super().__init__(f"booking {booking_id} is no longer at version {expected}")
        self.booking_id = booking_id
        self.expected = expected
        self.current = current


class OutsideCancellationWindow(DomainError):
    code = "outside_window"

    def __init__(self, contact: str, deadline: datetime) -> None:
        super().__init__("too late to change this booking")
        self.contact = contact
        self.deadline = deadline


class InvalidInput(DomainError):
    code = "invalid_input"

    def __init__(self, field: str, message: str = "") -> None:
        super().__init__(f"{field}: {message}" if message else field)
        self.field = field
        self.message = message


class NotAllowed(DomainError):
    """The actor may not do this to this booking (not theirs, not their business)."""

    code = "not_allowed"


class TooEarly(DomainError):
    """The action only makes sense from ``allowed_from`` on (e.g. no-show before the start)."""

    code = "too_early"

    def __init__(self, allowed_from: datetime) -> None:
        super().__init__(f"not before {allowed_from.isoformat()}")
        self.allowed_from = allowed_from


class AlreadyDone(DomainError):
    """A creation form's one-time token was used before: the thing exists, nothing new made."""

    code = "already_done"
