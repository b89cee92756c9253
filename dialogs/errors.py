"""Domain refusals as one short line in the client's language."""

from __future__ import annotations

from domain.errors import (
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    OutsideCancellationWindow,
    SlotTaken,
)
from i18n import format_datetime

from .context import ChatContext


def explain(ctx: ChatContext, error: DomainError) -> str:
    if isinstance(error, OutsideCancellationWindow):
        contact = error.contact or (ctx.business.phone if ctx.business else "")
        deadline = format_datetime(ctx.local(error.deadline), ctx.locale, "short")
        if contact:
            return ctx.t("error.too_late_contact", deadline=deadline, contact=contact)
        return ctx.t("error.too_late", deadline=deadline)
    if isinstance(error, SlotTaken):
        return ctx.t("error.slot_taken")
    if isinstance(error, NotFound | NotAllowed):
        return ctx.t("error.not_found")
    if isinstance(error, InvalidTransition):
        return ctx.t("error.not_possible")
    if isinstance(error, InvalidInput):
        return ctx.t("error.invalid")
    return ctx.t("error.generic")
