"""Domain refusals as one short line in the client's language."""

from __future__ import annotations

from domain.errors import (
    BookingChanged,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    OutsideCancellationWindow,
    SlotNotOffered,
    SlotTaken,
)
from domain.model import Booking
from i18n import format_datetime, format_day_time

from .context import ChatContext


def changed_text(ctx: ChatContext, booking: Booking) -> str:
    """The text after a stale button: "This booking changed: it is now Friday 14:00, ..."."""
    when = format_day_time(ctx.local(booking.start), ctx.locale)
    status = ctx.t(f"changed.status.{booking.status.value}")
    return ctx.t("changed.now", when=when, status=status)


def explain(ctx: ChatContext, error: DomainError) -> str:
    if isinstance(error, OutsideCancellationWindow):
        contact = error.contact or (ctx.business.phone if ctx.business else "")
        deadline = format_datetime(ctx.local(error.deadline), ctx.locale, "short")
        if contact:
            return ctx.t("error.too_late_contact", deadline=deadline, contact=contact)
        return ctx.t("error.too_late", deadline=deadline)
    if isinstance(error, BookingChanged) and error.current is not None:
        return changed_text(ctx, error.current)
    if isinstance(error, SlotTaken):
        return ctx.t("error.slot_taken")
    if isinstance(error, SlotNotOffered):
        return ctx.t("error.slot_not_offered")
    if isinstance(error, NotFound | NotAllowed):
        return ctx.t("error.not_found")
    if isinstance(error, InvalidTransition):
        return ctx.t("error.not_possible")
    if isinstance(error, InvalidInput):
        return ctx.t("error.invalid")
    return ctx.t("error.generic")
