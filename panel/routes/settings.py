"""Settings: booking policies, language and currency."""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from domain.errors import InvalidInput
from domain.model import Business, ConfirmationMode, Policies
from domain.policies import SLOT_STEPS, WEEK, update_settings

from ..context import Auth, PanelContext, Posted

CURRENCIES = ("BRL", "USD", "EUR", "ARS", "PYG", "UYU", "CLP", "PEN", "COP", "MXN")


def _values(business: Business) -> dict[str, str]:
    p = business.policies
    return {
        "confirmation_mode": p.confirmation_mode.value,
        "min_notice_minutes": str(p.min_notice_minutes),
        "horizon_days": str(p.horizon_days),
        "slot_step_minutes": str(p.slot_step_minutes),
        "cancellation_window_minutes": str(p.cancellation_window_minutes),
        "request_expiry_minutes": str(p.request_expiry_minutes),
        "reminder_offsets": ", ".join(str(o) for o in p.reminder_offsets_minutes),
        "attendance_request_minutes": str(p.attendance_request_minutes),
        "digest_time": p.daily_digest_at.strftime("%H:%M") if p.daily_digest_at else "",
        "no_show_limit": str(p.no_show_limit),
        "no_show_window_days": str(p.no_show_window_days),
        "locale": business.locale,
        "currency": business.currency,
    }


def build(ctx: PanelContext) -> APIRouter:
    router = APIRouter()

    def page(request: Request, auth: Auth) -> Response:
        return ctx.render(
            request,
            "settings.html",
            auth=auth,
            values=_values(auth.business),
            steps=SLOT_STEPS,
            currencies=CURRENCIES,
            saved=request.query_params.get("saved") == "1",
        )

    @router.get("/panel/settings")
    async def settings(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        return page(request, auth)

    @router.post("/panel/settings")
    async def save(posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        auth, form = posted.auth, posted.form
        mode = form.text("confirmation_mode", required=True)
        if mode and mode not in {m.value for m in ConfirmationMode}:
            form.error("confirmation_mode", "invalid")
        notice = form.integer("min_notice_minutes", 0, WEEK)
        horizon = form.integer("horizon_days", 1, 365)
        step = form.integer("slot_step_minutes", 5, 60)
        if step is not None and step not in SLOT_STEPS:
            form.error("slot_step_minutes", "invalid")
        window = form.integer("cancellation_window_minutes", 0, WEEK)
        expiry = form.integer("request_expiry_minutes", 15, WEEK)
        attendance = form.integer("attendance_request_minutes", 0, WEEK)
        digest_at = form.time("digest_time", required=False)  # empty: no daily digest
        # No-show policy: 0 (the default) is off; the page suggests 2 in 90 days.
        no_show_limit = form.integer("no_show_limit", 0, 20, required=False)
        no_show_days = form.integer("no_show_window_days", 1, 365, required=False, default=90)
        offsets: list[int] = []
        for part in form.values.get("reminder_offsets", "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= WEEK:
                form.error("reminder_offsets", "reminders")
            else:
                offsets.append(int(part))
        if len(offsets) > 3:
            form.error("reminder_offsets", "reminders")
        locale = form.text("locale", required=True)
        currency = form.text("currency", required=True)
        if currency and currency not in CURRENCIES:
            form.error("currency", "invalid")
        if not form.ok:
            return ctx.back_to("/panel/settings", form=form)
        assert None not in (notice, horizon, step, window, expiry, attendance, no_show_days)
        try:
            await update_settings(
                ctx.uow_factory(),
                business_id=auth.business_id,
                user_id=auth.user_id,
                locale=locale,
                currency=currency,
                policies=Policies(
                    confirmation_mode=ConfirmationMode(mode),
                    min_notice_minutes=notice or 0,
                    horizon_days=horizon or 1,
                    slot_step_minutes=step or 15,
                    cancellation_window_minutes=window or 0,
                    request_expiry_minutes=expiry or 15,
                    reminder_offsets_minutes=tuple(sorted(set(offsets), reverse=True)),
                    attendance_request_minutes=attendance or 0,
                    daily_digest_at=digest_at,
                    no_show_limit=no_show_limit or 0,
                    no_show_window_days=no_show_days or 90,
                ),
            )
        except InvalidInput as error:
            field = "reminder_offsets" if error.field.startswith("reminder") else error.field
            form.error(field, error.message or "invalid")
            return ctx.back_to("/panel/settings", form=form)
        return RedirectResponse("/panel/settings?saved=1", 303)

    return router
