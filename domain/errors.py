"""Domain errors. Entry points translate them into a short message in the user's language."""

from __future__ import annotations

from datetime import datetime


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


class SlotTaken(DomainError):
    """The time asked for is no longer free; ``alternatives`` are the nearest free starts."""

    code = "slot_taken"

    def __init__(self, alternatives: list[datetime] | None = None) -> None:
        super().__init__("slot taken")
        self.alternatives = alternatives or []


class SlotNotOffered(SlotTaken):
    """The time asked for is not a bookable slot (outside hours, notice, horizon...)."""

    code = "slot_not_offered"


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
