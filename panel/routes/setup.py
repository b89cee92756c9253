"""The set-up wizard (profile, first service, hours) and the page with the booking link."""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

import io
from typing import Annotated
from zoneinfo import available_timezones

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from domain import onboarding
from domain.catalogue import DURATION, ServiceForm
from domain.errors import AlreadyDone, InvalidInput
from domain.linking import issue_link_code
from domain.policies import save_profile
from domain.team import active_services, active_team

from ..context import Auth, PanelContext, Posted
from ..forms import DEFAULT_WEEK, money_value, redisplay, weekly_values

KINDS = ("barbershop", "salon", "studio", "clinic", "solo", "other")
STEP_PATHS = {
    onboarding.PROFILE: "/panel/setup/business",
    onboarding.SERVICE: "/panel/setup/service",
    onboarding.HOURS: "/panel/setup/hours",
    onboarding.DONE: "/panel/share",
}


def booking_link(bot: str, slug: str) -> str:
    return f"https://t.me/{bot}?start={slug}"


def build(ctx: PanelContext) -> APIRouter:
    router = APIRouter()
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))

    async def step_of(auth: Auth) -> int:
        return await onboarding.current_step(
            ctx.uow_factory(read_only=True), business_id=auth.business_id
        )

    @router.get("/panel")
    async def home(auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        step = await step_of(auth)
        return RedirectResponse(
            STEP_PATHS[step] if step < onboarding.DONE else "/panel/agenda", 303
        )

    @router.get("/panel/setup")
    async def setup(auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        return RedirectResponse(STEP_PATHS[await step_of(auth)], 303)

    # --- step 1: the business ----------------------------------------------------------------

    def profile_values(auth: Auth) -> dict[str, str]:
        b = auth.business
        return {
            "name": b.name,
            "kind": b.kind,
            "timezone": b.timezone,
            "address": b.address,
            "phone": b.phone,
        }

    @router.get("/panel/setup/business")
    async def business_page(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        return ctx.render(
            request,
            "setup_business.html",
            auth=auth,
            values=profile_values(auth),
            kinds=KINDS,
            zones=zones,
            step=await step_of(auth),
        )

    @router.post("/panel/setup/business")
    async def business_save(posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        form, auth = posted.form, posted.auth
        kind = form.text("kind", max_len=60)
        if kind and kind not in KINDS:
            form.error("kind", "invalid")
        timezone = form.text("timezone", required=True, max_len=64)
        if timezone and timezone not in zones:
            form.error("timezone", "timezone")
        name = form.text("name", required=True, max_len=120)
        address = form.text("address", max_len=300)
        phone = form.phone("phone")
        if form.ok:
            try:
                await save_profile(
                    ctx.uow_factory(),
                    business_id=auth.business_id,
                    name=name,
                    kind=kind,
                    timezone=timezone,
                    address=address,
                    phone=phone,
                )
            except InvalidInput as error:
                form.error(error.field, error.message or "invalid")
        if not form.ok:
            return ctx.back_to("/panel/setup/business", form=form)
        step = await step_of(auth)
        if step < onboarding.DONE:
            await onboarding.profile_saved(ctx.uow_factory(), business_id=auth.business_id)
            return RedirectResponse(STEP_PATHS[onboarding.SERVICE], 303)
        return RedirectResponse("/panel/settings?saved=1", 303)

    # --- step 2: the first service -----------------------------------------------------------

    @router.get("/panel/setup/service")
    async def service_page(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        values = {"duration_minutes": "30", "owner_name": ""}
        async with ctx.uow_factory(read_only=True) as uow:
            services = await active_services(uow, auth.business_id)
            members = await active_team(uow, auth.business_id)
        if services:  # back in the wizard: show the service it made, to change, not to repeat
            first = services[0]
            values = {
                "name": first.name,
                "duration_minutes": str(first.duration_minutes),
                "price": money_value(first.price_minor, auth.texts.locale),
                "owner_name": members[0].name if members else "",
            }
        return ctx.render(request, "setup_service.html", auth=auth, values=values)

    @router.post("/panel/setup/service")
    async def service_save(posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        form, auth = posted.form, posted.auth
        name = form.text("name", required=True, max_len=120)
        duration = form.integer("duration_minutes", DURATION[0], DURATION[1])
        price = form.money("price")
        owner = form.text("owner_name", required=True, max_len=120)
        if form.ok and duration is not None and price is not None:
            try:
                await onboarding.add_first_service(
                    ctx.uow_factory(),
                    business_id=auth.business_id,
                    form=ServiceForm(name=name, duration_minutes=duration, price_minor=price),
                    owner_name=owner,
                    once=form.values.get("once"),
                )
            except InvalidInput as error:
                form.error(
                    "price" if error.field == "price_minor" else error.field,
                    error.message or "invalid",
                )
            except AlreadyDone:
                # The same form again (Back, double tap): the service exists; go on.
                return RedirectResponse(STEP_PATHS[await step_of(auth)], 303)
            else:
                return RedirectResponse(STEP_PATHS[onboarding.HOURS], 303)
        return ctx.back_to("/panel/setup/service", form=form)

    # --- step 3: working hours ---------------------------------------------------------------

    @router.get("/panel/setup/hours")
    async def hours_page(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            members = await active_team(uow, auth.business_id)
        hours = members[0].weekly_hours if members else []
        values = weekly_values(hours) if hours else DEFAULT_WEEK
        return ctx.render(request, "setup_hours.html", auth=auth, values=values)

    @router.post("/panel/setup/hours")
    async def hours_save(posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        form, auth = posted.form, posted.auth
        shown = redisplay(form)
        if shown is not None:
            return ctx.back_to("/panel/setup/hours", values=shown)
        weekly = form.weekly()
        if form.ok and not weekly:
            form.error("hours", "hours_required")
        if form.ok:
            try:
                await onboarding.set_first_hours(
                    ctx.uow_factory(), business_id=auth.business_id, weekly_hours=weekly
                )
            except InvalidInput as error:
                form.error(error.field, error.message or "invalid")
            else:
                return RedirectResponse(STEP_PATHS[onboarding.DONE], 303)
        return ctx.back_to("/panel/setup/hours", form=form)

    # --- the booking link ------------------------------------------------------------------

    def link_of(auth: Auth) -> str:
        return booking_link(ctx.bot_username(), auth.business.slug)

    @router.get("/panel/share")
    async def share(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        # A fresh one-time code on every visit: codes are cheap, single use and short-lived.
        now = ctx.clock()
        code, expires = await issue_link_code(
            ctx.uow_factory(), now=now, business_id=auth.business_id
        )
        telegram_link = f"https://t.me/{ctx.bot_username()}?start=link-{code}"
        return ctx.render(
            request,
            "share.html",
            auth=auth,
            link=link_of(auth),
            telegram_link=telegram_link,
            # From the instant it was issued: a second clock reading a few milliseconds later
            # floored 15 minutes to "14" while the README says 15.
            minutes=round((expires - now).total_seconds() / 60),
            first_time=request.query_params.get("welcome") == "1",
            sandbox_mode=ctx.options.sandbox_mode,
        )

    def qr_bytes(auth: Auth, kind: str) -> bytes:
        buffer = io.BytesIO()
        segno.make(link_of(auth), error="m").save(buffer, kind=kind, scale=10, border=2)
        return buffer.getvalue()

    @router.get("/panel/share/qr.svg")
    async def qr_svg(auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        return Response(qr_bytes(auth, "svg"), media_type="image/svg+xml")

    @router.get("/panel/share/qr.png")
    async def qr_png(auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        headers = {"Content-Disposition": f'inline; filename="{auth.business.slug}-qr.png"'}
        return Response(qr_bytes(auth, "png"), media_type="image/png", headers=headers)

    return router
