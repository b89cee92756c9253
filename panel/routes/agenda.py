"""Agenda (day and week per professional), requests, booking actions and manual bookings."""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

import i18n
from domain import booking as use_cases
from domain.availability import SpanDays
from domain.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    SlotNotOffered,
    SlotTaken,
    TooEarly,
)
from domain.instants import (
    AmbiguousLocalTime,
    NonexistentLocalTime,
    local_to_utc,
    repeated_hour_label,
)
from domain.model import Actor, Booking, BookingSource, BookingStatus, Client, StaffMember
from domain.panel_admin import add_walk_in_client

from ..context import Auth, PanelContext, Posted
from ..forms import Form

FLASHES = {
    "confirmed",
    "declined",
    "cancelled",
    "completed",
    "no_show",
    "rescheduled",
    "booked",
    "invalid_transition",
    "too_early",
}


@dataclass(frozen=True)
class Row:
    """A booking as the agenda shows it, in the business's time."""

    booking: Booking
    start: datetime
    end: datetime
    client: Client | None
    staff_name: str

    @property
    def services(self) -> str:
        return " + ".join(i.name for i in self.booking.items)

    @property
    def status(self) -> str:
        return self.booking.status.value


def _day(raw: str | None, today: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else today
    except ValueError:
        return today


def _utc_bounds(first: date, days: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(first + timedelta(days=days), time(0), zone).astimezone(UTC)
    return start, end


def _typed_start(
    form: Form, day: date, at: time, zone: ZoneInfo
) -> tuple[datetime | None, list[tuple[str, str]]]:
    """The UTC instant a typed local date and time mean, by domain.instants' rules.

    A time the clock skips that day is a form error; a time that happens twice is a form error
    too until the person picks one of the two (``fold``), which come back as radio choices.
    """
    raw = form.values.get("fold", "")
    try:
        return local_to_utc(day, at, zone, int(raw) if raw in ("0", "1") else None), []
    except NonexistentLocalTime:
        form.error("time", "time_nonexistent")
        return None, []
    except AmbiguousLocalTime as twice:
        form.error("time", "time_ambiguous")
        return None, [(str(c.fold), f"{at:%H:%M} ({c.label})") for c in twice.choices]


def _clock(instant: datetime, zone: ZoneInfo) -> str:
    """The time as "01:30", or "01:30 (EST)" when it happens twice that day."""
    twice = repeated_hour_label(instant, zone)
    shown = f"{instant.astimezone(zone):%H:%M}"
    return f"{shown} ({twice})" if twice else shown


def _next(form: Form, default: str) -> str:
    target = form.values.get("next", "")
    return target if target.startswith("/panel/") and not target.startswith("//") else default


def build(ctx: PanelContext) -> APIRouter:
    router = APIRouter()

    async def rows_for(auth: Auth, bookings: list[Booking], staff: list[StaffMember]) -> list[Row]:
        names = {m.id: m.name for m in staff}
        zone = auth.zone
        clients: dict[int, Client | None] = {}
        async with ctx.uow_factory(read_only=True) as uow:
            for b in bookings:
                if b.client_id not in clients:
                    clients[b.client_id] = await uow.clients.get(b.client_id)
        return [
            Row(
                b,
                b.start.astimezone(zone),
                b.end.astimezone(zone),
                clients.get(b.client_id),
                names.get(b.staff_id, "?"),
            )
            for b in bookings
        ]

    def fmt(auth: Auth) -> dict[str, Any]:
        loc = auth.texts.locale
        return {
            "fmt_time": lambda moment: i18n.format_time(moment, loc),
            "fmt_day": lambda day: i18n.format_date(day, loc, "EEEE, d MMM"),
            "fmt_short": lambda day: i18n.format_date(day, loc, "EEE d/M"),
        }

    def flash(request: Request) -> str:
        done = request.query_params.get("done", "")
        return f"flash.{done}" if done in FLASHES else ""

    @router.get("/panel/agenda")
    async def agenda(request: Request, auth: Annotated[Auth, Depends(ctx.ready)]) -> Response:
        zone = auth.zone
        today = ctx.clock().astimezone(zone).date()
        day = _day(request.query_params.get("day"), today)
        view = "week" if request.query_params.get("view") == "week" else "day"
        first = day - timedelta(days=day.weekday()) if view == "week" else day
        days = 7 if view == "week" else 1
        # One more day: a booking after midnight in an overnight span belongs to the evening
        # it started (the same rule the slot search lists it by).
        start, end = _utc_bounds(first, days + 1, zone)
        async with ctx.uow_factory(read_only=True) as uow:
            staff = await uow.staff.list_for_business(auth.business_id, include_inactive=True)
            bookings = await uow.bookings.for_business_between(auth.business_id, start, end)
            exceptions = await uow.schedule.exceptions_between(
                auth.business_id, first - timedelta(days=1), first + timedelta(days=days)
            )
        span_days = SpanDays(auth.business, exceptions)
        members = {m.id: m for m in staff}
        day_of = {b.id: span_days.day_of(members.get(b.staff_id), b.start) for b in bookings}
        staff_raw = request.query_params.get("staff", "")
        staff_id = int(staff_raw) if staff_raw.isdigit() else None
        if staff_id is not None and staff_id not in {m.id for m in staff}:
            staff_id = None  # another business's professional: show everyone instead
        if staff_id is not None:
            bookings = [b for b in bookings if b.staff_id == staff_id]
        if request.query_params.get("all") != "1":
            bookings = [
                b
                for b in bookings
                if b.status.is_active
                or b.status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
            ]
        rows = await rows_for(auth, bookings, staff)
        by_day = {first + timedelta(days=n): [] for n in range(days)}  # type: dict[date, list[Row]]
        for row in rows:
            shown = day_of.get(row.booking.id, row.start.date())
            if shown in by_day:
                by_day[shown].append(row)
        step = timedelta(days=7 if view == "week" else 1)
        return ctx.render(
            request,
            "agenda.html",
            auth=auth,
            view=view,
            day=day,
            today=today,
            by_day=by_day,
            staff=[m for m in staff if m.active],
            staff_id=staff_id,
            prev_day=(day - step).isoformat(),
            next_day=(day + step).isoformat(),
            flash=flash(request),
            now=ctx.clock(),
            **fmt(auth),
        )

    @router.get("/panel/requests")
    async def requests_page(
        request: Request, auth: Annotated[Auth, Depends(ctx.ready)]
    ) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            staff = await uow.staff.list_for_business(auth.business_id, include_inactive=True)
            pending = await uow.bookings.pending_for_business(auth.business_id)
        rows = await rows_for(auth, pending, staff)
        return ctx.render(
            request, "requests.html", auth=auth, rows=rows, flash=flash(request), **fmt(auth)
        )

    async def owned_booking(auth: Auth, booking_id: int) -> Booking:
        async with ctx.uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None or booking.business_id != auth.business_id:
            raise NotFound("booking", booking_id)
        return booking

    async def detail(
        request: Request, auth: Auth, booking: Booking, form: Form | None = None, **extra: object
    ) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            staff = await uow.staff.list_for_business(auth.business_id)
        row = (await rows_for(auth, [booking], staff))[0]
        values = {
            "date": row.start.date().isoformat(),
            "time": f"{row.start:%H:%M}",
            "staff_id": str(booking.staff_id),
        }
        return ctx.render(
            request,
            "booking.html",
            auth=auth,
            row=row,
            staff=staff,
            form=form,
            values=values,
            status=400 if form is not None and form.errors else 200,
            now=ctx.clock(),
            **fmt(auth),
            **extra,
        )

    @router.get("/panel/bookings/{booking_id}")
    async def booking_page(
        booking_id: int, request: Request, auth: Annotated[Auth, Depends(ctx.auth)]
    ) -> Response:
        booking = await owned_booking(auth, booking_id)
        return await detail(request, auth, booking, flash=flash(request))

    @router.post("/panel/bookings/{booking_id}/{action}")
    async def booking_action(
        booking_id: int,
        action: str,
        request: Request,
        posted: Annotated[Posted, Depends(ctx.posted)],
    ) -> Response:
        auth, form = posted.auth, posted.form
        booking = await owned_booking(auth, booking_id)
        actor = Actor.provider(auth.user_id)
        back = _next(form, f"/panel/bookings/{booking_id}")
        sep = "&" if "?" in back else "?"
        uow, now, business_id = ctx.uow_factory(), ctx.clock(), auth.business_id
        reason = form.text("reason", max_len=500)
        if not form.ok:
            return await detail(request, auth, booking, form)
        try:
            if action == "confirm":
                await use_cases.confirm(
                    uow, now=now, business_id=business_id, booking_id=booking_id, actor=actor
                )
                done = "confirmed"
            elif action == "decline":
                await use_cases.decline(
                    uow,
                    now=now,
                    business_id=business_id,
                    booking_id=booking_id,
                    actor=actor,
                    reason=reason,
                )
                done = "declined"
            elif action == "cancel":
                await use_cases.cancel_by_provider(
                    uow,
                    now=now,
                    business_id=business_id,
                    booking_id=booking_id,
                    actor=actor,
                    reason=reason,
                )
                done = "cancelled"
            elif action == "complete":
                await use_cases.complete(
                    uow, now=now, business_id=business_id, booking_id=booking_id, actor=actor
                )
                done = "completed"
            elif action == "no-show":
                await use_cases.mark_no_show(
                    uow, now=now, business_id=business_id, booking_id=booking_id, actor=actor
                )
                done = "no_show"
            elif action == "reschedule":
                return await reschedule(request, auth, booking, form, actor)
            else:
                raise NotFound("action", action)
        except InvalidTransition:
            done = "invalid_transition"
        except TooEarly:
            done = "too_early"
        return RedirectResponse(f"{back}{sep}done={done}", 303)

    async def reschedule(
        request: Request, auth: Auth, booking: Booking, form: Form, actor: Actor
    ) -> Response:
        day = form.date("date")
        at = form.time("time")
        staff_ids = form.ids("staff_id")
        if not form.ok or day is None or at is None:
            return await detail(request, auth, booking, form)
        start, choices = _typed_start(form, day, at, auth.zone)
        if start is None:
            return await detail(request, auth, booking, form, time_choices=choices)
        try:
            await use_cases.reschedule(
                ctx.uow_factory(),
                now=ctx.clock(),
                business_id=auth.business_id,
                booking_id=booking.id or 0,
                new_start=start,
                actor=actor,
                new_staff_id=staff_ids[0] if staff_ids else None,
            )
        except SlotTaken as error:
            form.error(
                "time",
                "slot_taken" if not isinstance(error, SlotNotOffered) else "slot_not_offered",
            )
            return await detail(
                request, auth, booking, form, alternatives=_alternatives(auth, error)
            )
        except InvalidTransition:
            return RedirectResponse(f"/panel/bookings/{booking.id}?done=invalid_transition", 303)
        except (InvalidInput, NotFound):
            form.error("staff_id", "invalid")
            return await detail(request, auth, booking, form)
        return RedirectResponse(f"/panel/bookings/{booking.id}?done=rescheduled", 303)

    def _alternatives(auth: Auth, error: SlotTaken) -> list[str]:
        return [_clock(a, auth.zone) for a in error.alternatives]

    # --- manual booking ------------------------------------------------------------------------

    async def new_page(
        request: Request, auth: Auth, form: Form | None = None, **extra: object
    ) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            services = await uow.services.list_for_business(auth.business_id)
            staff = await uow.staff.list_for_business(auth.business_id)
        today = ctx.clock().astimezone(auth.zone).date()
        values = {
            "date": request.query_params.get("day", today.isoformat()),
            "service_id": str(services[0].id) if services else "",
            "staff_id": "",
        }
        return ctx.render(
            request,
            "booking_new.html",
            auth=auth,
            services=services,
            staff=staff,
            form=form,
            values=values,
            status=400 if form is not None else 200,
            **extra,
        )

    @router.get("/panel/agenda/new")
    async def new_booking_page(
        request: Request, auth: Annotated[Auth, Depends(ctx.ready)]
    ) -> Response:
        return await new_page(request, auth)

    @router.post("/panel/agenda/new")
    async def new_booking(
        request: Request, posted: Annotated[Posted, Depends(ctx.posted)]
    ) -> Response:
        auth, form = posted.auth, posted.form
        service_ids = form.ids("service_id")
        if not service_ids and "service_id" not in form.errors:
            form.error("service_id", "required")
        staff_ids = form.ids("staff_id") if form.values.get("staff_id") else []
        day = form.date("date")
        at = form.time("time")
        name = form.text("client_name", required=True, max_len=120)
        phone = form.text("client_phone", max_len=40)
        notes = form.text("notes", max_len=1000)
        if not form.ok or day is None or at is None:
            return await new_page(request, auth, form)
        start, choices = _typed_start(form, day, at, auth.zone)
        if start is None:
            return await new_page(request, auth, form, time_choices=choices)
        now = ctx.clock()
        staff_id = staff_ids[0] if staff_ids else None
        # Check the time before writing the client, so a refused time leaves nothing behind.
        try:
            slots = await use_cases.find_slots(
                ctx.uow_factory(read_only=True),
                now=now,
                business_id=auth.business_id,
                service_ids=service_ids,
                staff_id=staff_id,
                # The day before too: its overnight hours own the first hours of ``day``.
                first_day=day - timedelta(days=1),
                last_day=day,
                ignore_notice=True,
            )
        except (InvalidInput, NotFound):
            form.error("service_id", "invalid")
            return await new_page(request, auth, form)
        if not any(s.start == start for s in slots):
            form.error("time", "slot_not_offered")
            nearest = sorted(slots, key=lambda s: abs((s.start - start).total_seconds()))[:6]
            alternatives = [_clock(s.start, auth.zone) for s in sorted(nearest)]
            return await new_page(request, auth, form, alternatives=alternatives)
        client = await add_walk_in_client(
            ctx.uow_factory(), business_id=auth.business_id, name=name, phone=phone
        )
        try:
            await use_cases.book(
                ctx.uow_factory(),
                now=now,
                business_id=auth.business_id,
                client_id=client.id or 0,
                service_ids=service_ids,
                staff_id=staff_id,
                start=start,
                source=BookingSource.PANEL,
                idempotency_key=form.values.get("idempotency_key") or None,
                actor=Actor.provider(auth.user_id),
                notes=notes,
                on_behalf_of_provider=True,
            )
        except SlotTaken as error:
            form.error("time", "slot_taken")
            return await new_page(request, auth, form, alternatives=_alternatives(auth, error))
        except (InvalidInput, NotFound):
            form.error("staff_id", "invalid")
            return await new_page(request, auth, form)
        return RedirectResponse(f"/panel/agenda?day={day.isoformat()}&done=booked", 303)

    return router
