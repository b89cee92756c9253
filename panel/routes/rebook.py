"""Book a finished visit again: same client, services and professional, in two clicks.

"Agendar de novo" (on the client page, the agenda and the booking page) opens the free times of
the next four weeks, the same weekday and time as that visit first; one click books it.
"""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

import i18n
from domain import booking as use_cases
from domain.booking_lists import parties_of
from domain.errors import DomainError, SlotTaken
from domain.model import Actor, Booking, BookingSource, BookingStatus
from domain.rebooking import rebooking_offer
from domain.validation import owned_booking

from ..context import Auth, PanelContext, Posted


def again_allowed(booking: Booking, now: datetime) -> bool:
    """A finished visit (or one that has started and is waiting to be marked)."""
    if booking.status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
        return True
    return booking.status is BookingStatus.CONFIRMED and booking.start <= now


def build(ctx: PanelContext) -> APIRouter:
    router = APIRouter()

    async def owned(auth: Auth, booking_id: int) -> Booking:
        async with ctx.uow_factory(read_only=True) as uow:
            return await owned_booking(uow, auth.business_id, booking_id)

    async def page(request: Request, auth: Auth, booking: Booking) -> Response:
        """The offer; a refused choice arrives through a redirect with its ``error`` message."""
        offered = await rebooking_offer(
            ctx.uow_factory(read_only=True),
            now=ctx.clock(),
            booking=booking,
            zone=auth.zone,
            limit=8,
        )
        async with ctx.uow_factory(read_only=True) as uow:
            client = (await parties_of(uow, [booking])).client_of(booking)
        loc = auth.texts.locale
        return ctx.render(
            request,
            "again.html",
            auth=auth,
            booking=booking,
            client=client,
            offered=[(int(s.timestamp()), s) for s in offered],
            fmt=lambda s: f"{i18n.format_day(s.date(), loc)}, {i18n.format_time(s, loc)}",
        )

    @router.get("/panel/bookings/{booking_id}/again")
    async def again_page(
        booking_id: int, request: Request, auth: Annotated[Auth, Depends(ctx.ready)]
    ) -> Response:
        booking = await owned(auth, booking_id)
        if not again_allowed(booking, ctx.clock()):
            return RedirectResponse(f"/panel/bookings/{booking_id}", 303)
        return await page(request, auth, booking)

    @router.post("/panel/bookings/{booking_id}/again")
    async def again(booking_id: int, posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        auth, form = posted.auth, posted.form
        booking = await owned(auth, booking_id)
        raw = form.values.get("at", "")
        if not again_allowed(booking, ctx.clock()):
            return RedirectResponse(f"/panel/bookings/{booking_id}", 303)

        def refused(error: str) -> Response:
            # Post/Redirect/Get: the offer again with the message; refresh re-posts nothing.
            return ctx.back_to(f"/panel/bookings/{booking_id}/again", status=409, error=error)

        if not raw.isdigit():
            return refused("again.invalid")
        start = datetime.fromtimestamp(int(raw), tz=UTC)
        try:
            made = await use_cases.book(
                ctx.uow_factory(),
                now=ctx.clock(),
                business_id=auth.business_id,
                client_id=booking.client_id,
                service_ids=list(booking.service_ids),
                staff_id=booking.staff_id,
                start=start,
                source=BookingSource.PANEL,
                idempotency_key=f"again:{booking_id}:{raw}",
                actor=Actor.provider(auth.user_id),
                on_behalf_of_provider=True,
            )
        except SlotTaken:
            return refused("again.taken")
        except DomainError:
            return refused("again.invalid")
        day = made.start.astimezone(auth.zone).date().isoformat()
        return RedirectResponse(f"/panel/agenda?day={day}&done=booked#booking-{made.id}", 303)

    return router
