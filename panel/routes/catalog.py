"""Services: list, create, edit, deactivate (asking what to do with future bookings)."""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from domain.catalogue import (
    BUFFER,
    CAPACITY,
    DURATION,
    PRICE_MAX_MINOR,
    ServiceForm,
    deactivate_service,
    reactivate_service,
    save_service,
)
from domain.errors import AlreadyDone, InvalidInput
from domain.model import Actor, Service
from domain.team import active_team, future_bookings, services_overview
from domain.validation import owned_service

from ..context import Auth, PanelContext, Posted
from ..forms import money_value


def _values(service: Service, staff_ids: list[int], locale: str) -> dict[str, str]:
    return {
        "name": service.name,
        "description": service.description,
        "duration_minutes": str(service.duration_minutes),
        "price": money_value(service.price_minor, locale),
        "buffer_before_minutes": str(service.buffer_before_minutes),
        "buffer_after_minutes": str(service.buffer_after_minutes),
        "capacity": str(service.capacity),
        "needs_approval": "1" if service.needs_approval else "",
        **{f"staff_{s}": "1" for s in staff_ids},
    }


def build(ctx: PanelContext) -> APIRouter:
    router = APIRouter()

    async def page(
        request: Request,
        auth: Auth,
        service: Service | None,
        values: dict[str, str] | None = None,
    ) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            staff = await active_team(uow, auth.business_id)
        return ctx.render(
            request,
            "service_form.html",
            auth=auth,
            service=service,
            staff=staff,
            values=values,
            bounds={"duration": DURATION, "buffer": BUFFER, "capacity": CAPACITY},
        )

    @router.get("/panel/services")
    async def services(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            overview = await services_overview(uow, auth.business_id)
        return ctx.render(
            request,
            "services.html",
            auth=auth,
            services=overview.services,
            performers=overview.performers,
            saved=request.query_params.get("saved") == "1",
        )

    @router.get("/panel/services/new")
    async def new_page(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            staff = await active_team(uow, auth.business_id)
        defaults = {"duration_minutes": "30", "capacity": "1"}
        defaults |= {"buffer_before_minutes": "0", "buffer_after_minutes": "0"}
        defaults |= {f"staff_{m.id}": "1" for m in staff}
        return await page(request, auth, None, values=defaults)

    @router.get("/panel/services/{service_id}")
    async def edit_page(
        service_id: int, request: Request, auth: Annotated[Auth, Depends(ctx.auth)]
    ) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            service = await owned_service(uow, auth.business_id, service_id)
            staff = await active_team(uow, auth.business_id)
        performing = [m.id for m in staff if m.id is not None and service_id in m.service_ids]
        return await page(
            request, auth, service, values=_values(service, performing, auth.texts.locale)
        )

    async def save(posted: Posted, service_id: int | None) -> Response:
        form, auth = posted.form, posted.auth
        page = f"/panel/services/{service_id}" if service_id is not None else "/panel/services/new"
        if service_id is not None:
            async with ctx.uow_factory(read_only=True) as uow:
                await owned_service(uow, auth.business_id, service_id)
        name = form.text("name", required=True, max_len=120)
        description = form.text("description", max_len=500)
        duration = form.integer("duration_minutes", *DURATION)
        price = form.money("price")
        if price is not None and price > PRICE_MAX_MINOR:
            form.error("price", "money")
        before = form.integer("buffer_before_minutes", *BUFFER, required=False)
        after = form.integer("buffer_after_minutes", *BUFFER, required=False)
        capacity = form.integer("capacity", *CAPACITY, required=False, default=1)
        staff_ids = [
            int(k.removeprefix("staff_"))
            for k in form.values
            if k.startswith("staff_") and k.removeprefix("staff_").isdigit()
        ]
        if form.ok:
            assert duration is not None and price is not None
            try:
                await save_service(
                    ctx.uow_factory(),
                    business_id=auth.business_id,
                    service_id=service_id,
                    staff_ids=staff_ids,
                    form=ServiceForm(
                        name=name,
                        description=description,
                        duration_minutes=duration,
                        price_minor=price,
                        buffer_before_minutes=before or 0,
                        buffer_after_minutes=after or 0,
                        capacity=capacity or 1,
                        needs_approval=form.values.get("needs_approval") == "1",
                    ),
                    once=form.values.get("once") if service_id is None else None,
                )
            except InvalidInput as error:
                field = {"price_minor": "price", "staff_ids": "staff"}.get(error.field, error.field)
                form.error(field, error.message or "invalid")
            except AlreadyDone:
                # The same form sent twice: the service was made the first time.
                return RedirectResponse("/panel/services?saved=1", 303)
            else:
                return RedirectResponse("/panel/services?saved=1", 303)
        return ctx.back_to(page, form=form)

    @router.post("/panel/services/new")
    async def create(posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        return await save(posted, None)

    @router.post("/panel/services/{service_id}")
    async def update(service_id: int, posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        return await save(posted, service_id)

    async def removal(auth: Auth, service_id: int) -> tuple[Service, int]:
        """The service and how many bookings ahead use it."""
        async with ctx.uow_factory(read_only=True) as uow:
            service = await owned_service(uow, auth.business_id, service_id)
            future = await future_bookings(
                uow, auth.business_id, ctx.clock(), service_id=service_id
            )
        return service, len(future)

    @router.get("/panel/services/{service_id}/deactivate")
    async def deactivate_page(
        service_id: int, request: Request, auth: Annotated[Auth, Depends(ctx.auth)]
    ) -> Response:
        service, count = await removal(auth, service_id)
        return ctx.render(
            request,
            "confirm_remove.html",
            auth=auth,
            what=service.name,
            count=count,
            action=f"/panel/services/{service_id}/deactivate",
            back="/panel/services",
        )

    @router.post("/panel/services/{service_id}/deactivate")
    async def deactivate(
        service_id: int, posted: Annotated[Posted, Depends(ctx.posted)]
    ) -> Response:
        auth, form = posted.auth, posted.form
        now = ctx.clock()
        _service, count = await removal(auth, service_id)
        choice = form.values.get("future", "")
        if count and choice not in ("keep", "cancel"):
            # Ask first (keep the bookings, or cancel them and tell the clients), on a page of
            # its own (Post/Redirect/Get): refreshing it only asks again.
            return ctx.back_to(f"/panel/services/{service_id}/deactivate")
        await deactivate_service(
            ctx.uow_factory(),
            now=now,
            business_id=auth.business_id,
            service_id=service_id,
            cancel_future=choice == "cancel",
            actor=Actor.provider(auth.user_id),
            reason=form.text("reason", max_len=500),
        )
        return RedirectResponse("/panel/services?saved=1", 303)

    @router.post("/panel/services/{service_id}/activate")
    async def activate(service_id: int, posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        await reactivate_service(
            ctx.uow_factory(), business_id=posted.auth.business_id, service_id=service_id
        )
        return RedirectResponse("/panel/services?saved=1", 303)

    return router
