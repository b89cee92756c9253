"""Team (professionals, their services, weekly hours, time off) and business-wide days off."""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

import i18n
from domain.days_off import add_closures, add_time_off, remove_closure, remove_time_off
from domain.errors import AlreadyDone, InvalidInput
from domain.linking import issue_link_code
from domain.model import Actor, StaffMember
from domain.team import (
    active_team,
    deactivate_staff,
    future_bookings,
    hours_overview,
    member_form,
    reactivate_staff,
    save_staff,
    team_overview,
)
from domain.validation import owned_staff

from ..context import Auth, PanelContext, Posted
from ..forms import DEFAULT_WEEK, TimeChoices, redisplay, typed_instant, weekly_values

MAX_CLOSURE_DAYS = 62
MINUTE = timedelta(minutes=1)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local day (01:00 where the clock skips midnight)."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def build(ctx: PanelContext) -> APIRouter:
    router = APIRouter()

    def fmt(auth: Auth) -> dict[str, Any]:
        loc = auth.texts.locale
        return {
            "fmt_date": lambda d: i18n.format_date(d, loc, "EEE, d MMM y"),
            "fmt_dt": lambda m: i18n.format_datetime(m.astimezone(auth.zone), loc, "short"),
        }

    async def member_page(
        request: Request,
        auth: Auth,
        member: StaffMember | None,
        values: dict[str, str] | None = None,
    ) -> Response:
        now = ctx.clock()
        async with ctx.uow_factory(read_only=True) as uow:
            shown = await member_form(uow, auth.business_id, member.id if member else None, now)
        return ctx.render(
            request,
            "member.html",
            auth=auth,
            member=member,
            services=shown.services,
            time_off=shown.time_off,
            values=values,
            **fmt(auth),
        )

    def member_values(member: StaffMember) -> dict[str, str]:
        values = weekly_values(member.weekly_hours)
        values["name"] = member.name
        values["max_daily_bookings"] = str(member.max_daily_bookings or "")
        values |= {f"service_{s}": "1" for s in member.service_ids}
        return values

    @router.get("/panel/team")
    async def team(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            overview = await team_overview(uow, auth.business_id)
        return ctx.render(
            request,
            "team.html",
            auth=auth,
            staff=overview.staff,
            services=overview.service_names,
            saved=request.query_params.get("saved") == "1",
        )

    @router.get("/panel/team/new")
    async def new_page(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        return await member_page(request, auth, None, values=dict(DEFAULT_WEEK))

    @router.get("/panel/team/{staff_id}")
    async def edit_page(
        staff_id: int, request: Request, auth: Annotated[Auth, Depends(ctx.auth)]
    ) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            member = await owned_staff(uow, auth.business_id, staff_id)
        return await member_page(request, auth, member, values=member_values(member))

    async def save(posted: Posted, staff_id: int | None) -> Response:
        form, auth = posted.form, posted.auth
        page = f"/panel/team/{staff_id}" if staff_id is not None else "/panel/team/new"
        if staff_id is not None:
            async with ctx.uow_factory(read_only=True) as uow:
                await owned_staff(uow, auth.business_id, staff_id)
        shown = redisplay(form)
        if shown is not None:
            return ctx.back_to(page, values=shown)
        name = form.text("name", required=True, max_len=120)
        max_daily = form.optional_int("max_daily_bookings", 1, 100)
        weekly = form.weekly()
        service_ids = [
            int(k.removeprefix("service_"))
            for k in form.values
            if k.startswith("service_") and k.removeprefix("service_").isdigit()
        ]
        if form.ok:
            try:
                saved = await save_staff(
                    ctx.uow_factory(),
                    business_id=auth.business_id,
                    staff_id=staff_id,
                    name=name,
                    service_ids=service_ids,
                    weekly_hours=weekly,
                    max_daily_bookings=max_daily,
                    once=form.values.get("once") if staff_id is None else None,
                )
            except InvalidInput as error:
                form.error(
                    "services" if error.field == "service_ids" else error.field,
                    error.message or "invalid",
                )
            except AlreadyDone:
                return RedirectResponse("/panel/team?saved=1", 303)
            else:
                return RedirectResponse(f"/panel/team/{saved.id}?saved=1", 303)
        return ctx.back_to(page, form=form)

    @router.post("/panel/team/new")
    async def create(posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        return await save(posted, None)

    @router.post("/panel/team/{staff_id}")
    async def update(staff_id: int, posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        return await save(posted, staff_id)

    async def removal(auth: Auth, staff_id: int) -> tuple[StaffMember, int, bool]:
        """The professional, their bookings ahead, and whether they are the last one active."""
        async with ctx.uow_factory(read_only=True) as uow:
            member = await owned_staff(uow, auth.business_id, staff_id)
            future = await future_bookings(uow, auth.business_id, ctx.clock(), staff_id=staff_id)
            others = [m for m in await active_team(uow, auth.business_id) if m.id != staff_id]
        # Without anyone active the booking link offers no times: say so and ask first.
        return member, len(future), member.active and not others

    @router.get("/panel/team/{staff_id}/deactivate")
    async def deactivate_page(
        staff_id: int, request: Request, auth: Annotated[Auth, Depends(ctx.auth)]
    ) -> Response:
        member, count, last_active = await removal(auth, staff_id)
        return ctx.render(
            request,
            "confirm_remove.html",
            auth=auth,
            what=member.name,
            count=count,
            last_active=last_active,
            action=f"/panel/team/{staff_id}/deactivate",
            back=f"/panel/team/{staff_id}",
        )

    @router.post("/panel/team/{staff_id}/deactivate")
    async def deactivate(staff_id: int, posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        auth, form = posted.auth, posted.form
        now = ctx.clock()
        _member, count, last_active = await removal(auth, staff_id)
        choice = form.values.get("future", "")
        if (count and choice not in ("keep", "cancel")) or (
            last_active and not form.checked("confirm_last")
        ):
            # Ask first, on a page of its own (Post/Redirect/Get): refreshing it only asks again.
            return ctx.back_to(f"/panel/team/{staff_id}/deactivate")
        await deactivate_staff(
            ctx.uow_factory(),
            now=now,
            business_id=auth.business_id,
            staff_id=staff_id,
            cancel_future=choice == "cancel",
            actor=Actor.provider(auth.user_id),
            reason=form.text("reason", max_len=500),
        )
        return RedirectResponse("/panel/team?saved=1", 303)

    @router.post("/panel/team/{staff_id}/activate")
    async def activate(staff_id: int, posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        await reactivate_staff(
            ctx.uow_factory(), business_id=posted.auth.business_id, staff_id=staff_id
        )
        return RedirectResponse("/panel/team?saved=1", 303)

    @router.post("/panel/team/{staff_id}/time-off")
    async def time_off(staff_id: int, posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        auth, form = posted.auth, posted.form
        async with ctx.uow_factory(read_only=True) as uow:
            member = await owned_staff(uow, auth.business_id, staff_id)
        first = form.date("off_start_date")
        first_time = form.time("off_start_time", required=False)
        last = form.date("off_end_date")
        last_time = form.time("off_end_time", required=False)
        reason = form.text("off_reason", max_len=200)
        start_choices: TimeChoices = []
        end_choices: TimeChoices = []
        if form.ok and first and last:
            # Typed times follow the walk-in form's rules (a skipped time is refused, a repeated
            # one asks which); an empty time means the whole day, from its first instant to
            # a minute before the next day's (23:59 on an ordinary day).
            if first_time is None:
                start: datetime | None = day_start(first, auth.zone)
            else:
                start, start_choices = typed_instant(
                    form,
                    first,
                    first_time,
                    auth.zone,
                    field="off_start_time",
                    fold="off_start_fold",
                )
            if last_time is None:
                end: datetime | None = day_start(last + timedelta(days=1), auth.zone) - MINUTE
            else:
                end, end_choices = typed_instant(
                    form, last, last_time, auth.zone, field="off_end_time", fold="off_end_fold"
                )
            if start is None or end is None:
                pass  # the form says which time cannot be used, or asks which one
            elif end <= start:
                form.error("off_end_date", "after_start")
            else:
                await add_time_off(
                    ctx.uow_factory(),
                    business_id=auth.business_id,
                    staff_id=staff_id,
                    start=start,
                    end=end,
                    reason=reason,
                )
                return RedirectResponse(f"/panel/team/{staff_id}?saved=1", 303)
        return ctx.back_to(
            f"/panel/team/{staff_id}",
            form=form,
            values=member_values(member) | form.values,
            off_start_choices=start_choices,
            off_end_choices=end_choices,
        )

    @router.post("/panel/team/{staff_id}/time-off/{time_off_id}/delete")
    async def time_off_delete(
        staff_id: int, time_off_id: int, posted: Annotated[Posted, Depends(ctx.posted)]
    ) -> Response:
        auth = posted.auth
        async with ctx.uow_factory(read_only=True) as uow:
            await owned_staff(uow, auth.business_id, staff_id)
        await remove_time_off(
            ctx.uow_factory(),
            business_id=auth.business_id,
            staff_id=staff_id,
            time_off_id=time_off_id,
        )
        return RedirectResponse(f"/panel/team/{staff_id}?saved=1", 303)

    @router.post("/panel/team/{staff_id}/link-code")
    async def link_code(staff_id: int, posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        auth = posted.auth
        async with ctx.uow_factory(read_only=True) as uow:
            member = await owned_staff(uow, auth.business_id, staff_id)
        code, _expires = await issue_link_code(
            ctx.uow_factory(), now=ctx.clock(), business_id=auth.business_id, staff_id=staff_id
        )
        link = f"https://t.me/{ctx.bot_username()}?start=link-{code}"
        return ctx.back_to(
            f"/panel/team/{staff_id}", values=member_values(member), telegram_link=link
        )

    # --- business-wide hours and days off ---------------------------------------------------

    async def hours_page(request: Request, auth: Auth) -> Response:
        today = ctx.clock().astimezone(auth.zone).date()
        async with ctx.uow_factory(read_only=True) as uow:
            overview = await hours_overview(uow, auth.business_id, today)
        return ctx.render(
            request,
            "hours.html",
            auth=auth,
            closures=overview.closures,
            staff=overview.staff,
            saved=request.query_params.get("saved") == "1",
            **fmt(auth),
        )

    @router.get("/panel/hours")
    async def hours(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        return await hours_page(request, auth)

    @router.post("/panel/hours/closures")
    async def closure_add(posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        auth, form = posted.auth, posted.form
        shown = redisplay(form)
        if shown is not None:
            return ctx.back_to("/panel/hours", values=shown)
        first = form.date("first_day")
        last = form.date("last_day", required=False) or first
        note = form.text("note", max_len=200)
        special = form.checked("special")
        intervals = form.spans("open") if special else []
        if special and form.ok and not intervals:
            form.error("open_spans", "span_incomplete")
        if first and last:
            if last < first:
                form.error("last_day", "after_start")
            elif (last - first).days >= MAX_CLOSURE_DAYS:
                form.error("last_day", "range_days", high=MAX_CLOSURE_DAYS)
        if not form.ok or first is None or last is None:
            return ctx.back_to("/panel/hours", form=form)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        try:
            await add_closures(
                ctx.uow_factory(),
                business_id=auth.business_id,
                days=days,
                intervals=intervals,
                note=note,
                once=form.values.get("once"),
            )
        except InvalidInput as error:
            form.error("open_spans" if error.field == "intervals" else error.field, error.message)
            return ctx.back_to("/panel/hours", form=form)
        except AlreadyDone:
            pass
        return RedirectResponse("/panel/hours?saved=1", 303)

    @router.post("/panel/hours/closures/{exception_id}/delete")
    async def closure_delete(
        exception_id: int, posted: Annotated[Posted, Depends(ctx.posted)]
    ) -> Response:
        await remove_closure(
            ctx.uow_factory(), business_id=posted.auth.business_id, exception_id=exception_id
        )
        return RedirectResponse("/panel/hours?saved=1", 303)

    return router
