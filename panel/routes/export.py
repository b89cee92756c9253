"""Export: bookings as CSV for a date range, and iCal feeds at secret, regenerable URLs."""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from datetime import UTC, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from icalendar import Calendar, Event

from domain.availability import SpanDays
from domain.booking_lists import bookings_window
from domain.exports import calendar_feed, feed_tokens, regenerate_feed
from domain.model import BookingStatus

from ..context import Auth, PanelContext, Posted
from ..csv_safety import csv_text
from ..forms import Form

MAX_EXPORT_DAYS = 366


def build(ctx: PanelContext) -> APIRouter:
    router = APIRouter()

    def feed_url(request: Request, token: str) -> str:
        base = ctx.options.public_url or str(request.base_url).rstrip("/")
        return f"{base}/ical/{token}.ics"

    async def page(request: Request, auth: Auth, form: Form | None = None) -> Response:
        async with ctx.uow_factory() as uow:
            # Tokens are made on first use (staff rows start without one).
            tokens = await feed_tokens(uow, auth.business_id)
            await uow.commit()
        business_token = tokens.business
        staff_feeds = [(m, feed_url(request, token)) for m, token in tokens.staff]
        today = ctx.clock().astimezone(auth.zone).date()
        values = {"first": today.replace(day=1).isoformat(), "last": today.isoformat()}
        return ctx.render(
            request,
            "export.html",
            auth=auth,
            form=form,
            values=values,
            business_feed=feed_url(request, business_token),
            staff_feeds=staff_feeds,
            status=400 if form is not None else 200,
            saved=request.query_params.get("saved") == "1",
        )

    @router.get("/panel/export")
    async def export(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        return await page(request, auth)

    @router.get("/panel/export/bookings.csv")
    async def bookings_csv(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        form = Form.of(list(request.query_params.multi_items()))
        first, last = form.date("first"), form.date("last")
        if first and last and (last < first or (last - first).days > MAX_EXPORT_DAYS):
            form.error("last", "range")
        if not form.ok or first is None or last is None:
            return await page(request, auth, form)
        zone = auth.zone
        start = datetime.combine(first, time(0), zone).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
        async with ctx.uow_factory(read_only=True) as uow:
            export = await bookings_window(uow, auth.business_id, first, last, start, end)
        bookings, members, exceptions = export.bookings, export.members, export.exceptions
        # The "date" column is the day the visit belongs to, like the agenda: a booking after
        # midnight in an overnight span is the evening's.
        span_days = SpanDays(auth.business, exceptions)
        rows: list[list[object]] = [
            [
                "id",
                "date",
                "start",
                "end",
                "status",
                "professional",
                "client",
                "phone",
                "services",
                "price",
                "currency",
                "source",
                "notes",
            ]
        ]
        for b in bookings:
            client = export.parties.client_of(b)
            local_start, local_end = b.start.astimezone(zone), b.end.astimezone(zone)
            rows.append(
                [
                    b.id,
                    span_days.day_of(members.get(b.staff_id), b.start).isoformat(),
                    f"{local_start:%H:%M}",
                    f"{local_end:%H:%M}",
                    b.status.value,
                    export.parties.staff_name_of(b),
                    client.name if client else "",
                    client.phone if client else "",
                    " + ".join(i.name for i in b.items),
                    f"{b.price_minor / 100:.2f}",
                    auth.business.currency,
                    b.source.value,
                    b.notes,
                ]
            )
        name = f"{auth.business.slug}-{first.isoformat()}-{last.isoformat()}.csv"
        return Response(
            csv_text(rows),  # every cell neutralised against formulas
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.post("/panel/export/ical/regenerate")
    async def regenerate(posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        auth, form = posted.auth, posted.form
        staff_id = form.optional_int("staff_id", 1, 2**31 - 1)
        async with ctx.uow_factory() as uow:
            await regenerate_feed(uow, auth.business_id, staff_id)
            await uow.commit()
        return RedirectResponse("/panel/export?saved=1", 303)

    @router.get("/ical/{token}.ics")
    async def feed(token: str) -> Response:
        now = ctx.clock()
        async with ctx.uow_factory(read_only=True) as uow:
            shown = await calendar_feed(uow, token, now)
        business, staff_id, parties = shown.business, shown.staff_id, shown.parties
        cal = Calendar()
        cal.add("prodid", "-//Agendei//panel//EN")
        cal.add("version", "2.0")
        title = (
            business.name
            if staff_id is None
            else f"{business.name} · {parties.staff_names.get(staff_id)}"
        )
        cal.add("x-wr-calname", title)
        cal.add("x-wr-timezone", business.timezone)
        for b in shown.bookings:
            client = parties.client_of(b)
            event = Event()
            event.add("uid", f"booking-{b.id}@agendei")
            event.add("dtstamp", now)
            # UTC instants ("...Z"): a local time with a zone name is ambiguous in a repeated
            # hour (calendar apps read its first occurrence, so a 150-minute visit on a
            # fall-back night showed as 90). Calendar apps show UTC in the viewer's zone.
            event.add("dtstart", b.start.astimezone(UTC))
            event.add("dtend", b.end.astimezone(UTC))
            who = client.name if client and client.name else "?"
            services = " + ".join(i.name for i in b.items)
            prefix = "? " if b.status is BookingStatus.PENDING else ""
            event.add("summary", f"{prefix}{services} · {who}")
            details = [parties.staff_name_of(b), b.status.value]
            if client and client.phone:
                details.append(client.phone)
            if b.notes:
                details.append(b.notes)
            event.add("description", "\n".join(details))
            event.add("status", "TENTATIVE" if b.status is BookingStatus.PENDING else "CONFIRMED")
            cal.add_component(event)
        return Response(
            cal.to_ical(),
            media_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "private, max-age=300"},
        )

    return router
