"""Clients: search, history, no-show count, notes."""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

import i18n
from domain import noshow
from domain.booking_lists import client_directory, client_history, client_stats
from domain.clients import update_client
from domain.errors import InvalidInput
from domain.model import ActorKind, Booking, Client
from domain.validation import owned_client

from ..context import Auth, PanelContext, Posted

HISTORY = 50  # bookings on a client page, newest first
CHANGED_BY = {
    "client": "clients.changed_by_client",
    "provider": "clients.changed_by_provider",
    "system": "clients.changed_by_system",
}


@dataclass(frozen=True)
class HistoryRow:
    """A booking on the client page, with who made its last change ("client", "provider",
    "system") and when."""

    booking: Booking
    changed_by: str
    changed_at: datetime | None

    @property
    def changed_key(self) -> str:
        return CHANGED_BY.get(self.changed_by, "")


def history_row(booking: Booking) -> HistoryRow:
    last = booking.events[-1] if booking.events else None
    if last is None:
        return HistoryRow(booking, "", None)
    kind = last.actor.kind
    return HistoryRow(booking, kind.value if isinstance(kind, ActorKind) else str(kind), last.at)


def build(ctx: PanelContext) -> APIRouter:
    router = APIRouter()

    @router.get("/panel/clients")
    async def clients(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        query = request.query_params.get("q", "")[:100]
        async with ctx.uow_factory(read_only=True) as uow:
            directory = await client_directory(uow, auth.business_id, query)
        found, stats = directory.clients, directory.stats
        return ctx.render(
            request,
            "clients.html",
            auth=auth,
            clients=[c for c in found if not c.is_test],
            stats=stats,
            values={"q": query},
        )

    async def detail(request: Request, auth: Auth, client: Client) -> Response:
        assert client.id is not None
        now = ctx.clock()
        async with ctx.uow_factory(read_only=True) as uow:
            # With their history, to say who changed each one last.
            history = await client_history(uow, auth.business_id, client.id, HISTORY)
            stats = await client_stats(uow, client.id)
        held = await noshow.held_count(
            ctx.uow_factory(read_only=True),
            business_id=auth.business_id,
            client_id=client.id,
            now=now,
        )
        staff, full = history.staff_names, history.bookings
        loc = auth.texts.locale
        return ctx.render(
            request,
            "client.html",
            auth=auth,
            client=client,
            upcoming=sorted(
                (history_row(b) for b in full if b is not None and b.start >= now),
                key=lambda r: r.booking.start,
            ),
            past=[history_row(b) for b in full if b is not None and b.start < now],
            stats=stats,
            staff=staff,
            values={"name": client.name, "phone": client.phone, "notes": client.notes},
            saved=request.query_params.get("saved") == "1",
            held=held,
            forgiven=request.query_params.get("done") == "forgiven",
            fmt_dt=lambda m: i18n.format_datetime(m.astimezone(auth.zone), loc, "short"),
        )

    @router.get("/panel/clients/{client_id}")
    async def client_page(
        client_id: int, request: Request, auth: Annotated[Auth, Depends(ctx.auth)]
    ) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            client = await owned_client(uow, auth.business_id, client_id)
        return await detail(request, auth, client)

    @router.post("/panel/clients/{client_id}/forgive")
    async def client_forgive(
        client_id: int, posted: Annotated[Posted, Depends(ctx.posted)]
    ) -> Response:
        await noshow.forgive_no_shows(
            ctx.uow_factory(),
            business_id=posted.auth.business_id,
            client_id=client_id,
            now=ctx.clock(),
        )
        return RedirectResponse(f"/panel/clients/{client_id}?done=forgiven", 303)

    @router.post("/panel/clients/{client_id}")
    async def client_save(
        client_id: int, posted: Annotated[Posted, Depends(ctx.posted)]
    ) -> Response:
        auth, form = posted.auth, posted.form
        async with ctx.uow_factory(read_only=True) as uow:
            await owned_client(uow, auth.business_id, client_id)
        name = form.text("name", required=True, max_len=120)
        phone = form.phone("phone")
        notes = form.text("notes", max_len=1000)
        if form.ok:
            try:
                await update_client(
                    ctx.uow_factory(),
                    business_id=auth.business_id,
                    client_id=client_id,
                    name=name,
                    phone=phone,
                    notes=notes,
                )
            except InvalidInput as error:
                form.error(error.field, error.message or "invalid")
            else:
                return RedirectResponse(f"/panel/clients/{client_id}?saved=1", 303)
        return ctx.back_to(f"/panel/clients/{client_id}", form=form)

    return router
