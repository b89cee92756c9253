"""Agenda (day and week per professional), requests, booking actions and manual bookings."""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

import i18n
from domain import booking as use_cases
from domain import booking_lists
from domain.attendance import attendance_of, not_confirmed_yet
from domain.availability import SpanDays
from domain.booking_lists import booked_with_key, bookings_window, parties_of, pending_requests
from domain.classes import taken_seats
from domain.clients import add_walk_in_client
from domain.errors import (
    BookingChanged,
    InvalidInput,
    InvalidTransition,
    NotFound,
    SlotNotOffered,
    SlotTaken,
    TooEarly,
)
from domain.instants import repeated_hour_label
from domain.model import Actor, Booking, BookingSource, BookingStatus, Client, StaffMember
from domain.team import active_services, active_team
from domain.validation import owned_booking as owned

from ..bounds import parse_day, parse_id
from ..context import Auth, PanelContext, Posted
from ..forms import Form, typed_instant

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


ATTENDANCE_KEYS = {
    "confirmed": "attendance.confirmed",
    "waiting": "attendance.waiting",
    "cant_come": "attendance.cant_come",
}


@dataclass(frozen=True)
class Row:
    """A booking as the agenda shows it, in the business's time."""

    booking: Booking
    start: datetime
    end: datetime
    client: Client | None
    staff_name: str
    seats_left: int | None = None  # a class: seats still free at this start

    @property
    def services(self) -> str:
        return " + ".join(i.name for i in self.booking.items)

    @property
    def status(self) -> str:
        return self.booking.status.value

    @property
    def attendance_key(self) -> str:
        return ATTENDANCE_KEYS.get(self.attendance, "")

    @property
    def attendance(self) -> str:
        """confirmed / waiting / cant_come (the client's answer), or "" (nothing to say)."""
        found = attendance_of(self.booking)
        return found.value if found is not None else ""


def _class_key(booking: Booking) -> tuple[int, datetime] | None:
    if len(booking.items) != 1 or booking.capacity <= 1:
        return None
    return (booking.items[0].service_id, booking.start)


def _day(raw: str | None, today: date) -> date:
    # Malformed or out of the panel's years (9999-12-31 + 1 day overflows): today instead.
    return parse_day(raw) or today


def _utc_bounds(first: date, days: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(first + timedelta(days=days), time(0), zone).astimezone(UTC)
    return start, end


def _version(form: Form) -> int | None:
    """The booking version the page's form was drawn for (hidden field); None if absent."""
    raw = form.values.get("version", "").strip()
    return int(raw) if raw.isdigit() else None


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
        async with ctx.uow_factory(read_only=True) as uow:
            parties = await parties_of(uow, bookings)
        return [
            Row(
                b,
                b.start.astimezone(zone),
                b.end.astimezone(zone),
                parties.client_of(b),
                names.get(b.staff_id, "?"),
            )
            for b in bookings
        ]

    async def cancelled_by_clients(bookings: list[Booking]) -> list[Booking]:
        async with ctx.uow_factory(read_only=True) as uow:
            return await booking_lists.cancelled_by_clients(uow, bookings)

    def fmt(auth: Auth) -> dict[str, Any]:
        loc = auth.texts.locale
        return {
            "fmt_time": lambda moment: i18n.format_time(moment, loc),
            "fmt_day": lambda day: i18n.format_day(day, loc),
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
            window = await bookings_window(
                uow, auth.business_id, first, first + timedelta(days=days), start, end
            )
        staff, bookings, exceptions = window.staff, window.bookings, window.exceptions
        taken = taken_seats(bookings)  # before any filter: every client of each class counts
        span_days = SpanDays(auth.business, exceptions)
        members = {m.id: m for m in staff}
        day_of = {b.id: span_days.day_of(members.get(b.staff_id), b.start) for b in bookings}
        staff_raw = request.query_params.get("staff", "")
        staff_id = parse_id(staff_raw)
        if staff_id is not None and staff_id not in {m.id for m in staff}:
            staff_id = None  # another business's professional: show everyone instead
        if staff_id is not None:
            bookings = [b for b in bookings if b.staff_id == staff_id]
        if request.query_params.get("all") != "1":
            # Visits the client cancelled stay in view, marked "said they can't come".
            cant_come = await cancelled_by_clients(bookings)
            bookings = [
                b
                for b in bookings
                if b.status.is_active
                or b.status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
            ] + cant_come
            bookings.sort(key=lambda b: (b.start, b.id or 0))
        waiting_only = request.query_params.get("attendance") == "waiting"
        if waiting_only:  # "whom should I call?"
            bookings = [b for b in bookings if not_confirmed_yet(b)]
        rows = [
            replace(row, seats_left=max(0, row.booking.capacity - taken[key]))
            if (key := _class_key(row.booking)) in taken
            else row
            for row in await rows_for(auth, bookings, staff)
        ]
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
            waiting_only=waiting_only,
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
            waiting = await pending_requests(uow, auth.business_id)
        rows = await rows_for(auth, waiting.pending, waiting.staff)
        return ctx.render(
            request, "requests.html", auth=auth, rows=rows, flash=flash(request), **fmt(auth)
        )

    async def owned_booking(auth: Auth, booking_id: int) -> Booking:
        async with ctx.uow_factory(read_only=True) as uow:
            return await owned(uow, auth.business_id, booking_id)

    async def detail(request: Request, auth: Auth, booking: Booking, **extra: Any) -> Response:
        """The booking page; a refused form of it arrives through :meth:`PanelContext.back_to`."""
        async with ctx.uow_factory(read_only=True) as uow:
            staff = await active_team(uow, auth.business_id)
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
            values=values,
            now=ctx.clock(),
            **fmt(auth),
            **extra,
        )

    def changed_text(auth: Auth, booking: Booking) -> str:
        """What a stale form's poster must know: the booking as it is now."""
        when = i18n.format_day_time(booking.start.astimezone(auth.zone), auth.texts.locale)
        status = auth.texts(f"changed.status.{booking.status.value}")
        return auth.texts("changed.now", when=when, status=status)

    def changed_redirect(booking_id: int) -> Response:
        return RedirectResponse(f"/panel/bookings/{booking_id}?done=changed", 303)

    @router.get("/panel/bookings/{booking_id}")
    async def booking_page(
        booking_id: int, request: Request, auth: Annotated[Auth, Depends(ctx.auth)]
    ) -> Response:
        booking = await owned_booking(auth, booking_id)
        if request.query_params.get("done") == "changed":  # a form from a stale page
            return await detail(request, auth, booking, changed=changed_text(auth, booking))
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
        expected = _version(form)
        if expected is not None and expected != booking.version:
            return changed_redirect(booking_id)  # drawn for another state: change nothing
        if not form.ok:
            return ctx.back_to(f"/panel/bookings/{booking_id}", form=form)
        ids: dict[str, Any] = {
            "business_id": business_id,
            "booking_id": booking_id,
            "expected_version": expected,
        }
        try:
            if action == "confirm":
                await use_cases.confirm(uow, now=now, actor=actor, **ids)
                done = "confirmed"
            elif action == "decline":
                await use_cases.decline(uow, now=now, actor=actor, reason=reason, **ids)
                done = "declined"
            elif action == "cancel":
                await use_cases.cancel_by_provider(uow, now=now, actor=actor, reason=reason, **ids)
                done = "cancelled"
            elif action == "complete":
                await use_cases.complete(uow, now=now, actor=actor, **ids)
                done = "completed"
            elif action == "no-show":
                await use_cases.mark_no_show(uow, now=now, actor=actor, **ids)
                done = "no_show"
            elif action == "reschedule":
                return await reschedule(auth, booking, form, actor, expected)
            else:
                raise NotFound("action", action)
        except BookingChanged:  # changed between this page's read and the write
            return changed_redirect(booking_id)
        except InvalidTransition:
            done = "invalid_transition"
        except TooEarly:
            done = "too_early"
        return RedirectResponse(f"{back}{sep}done={done}", 303)

    async def reschedule(
        auth: Auth,
        booking: Booking,
        form: Form,
        actor: Actor,
        expected_version: int | None = None,
    ) -> Response:
        # A refused form comes back through a redirect, so Back/refresh never re-post it.
        page = f"/panel/bookings/{booking.id}"
        day = form.date("date")
        at = form.time("time")
        staff_ids = form.ids("staff_id")
        if not form.ok or day is None or at is None:
            return ctx.back_to(page, form=form)
        start, choices = typed_instant(form, day, at, auth.zone)
        if start is None:
            return ctx.back_to(page, form=form, time_choices=choices)
        try:
            await use_cases.reschedule(
                ctx.uow_factory(),
                now=ctx.clock(),
                business_id=auth.business_id,
                booking_id=booking.id or 0,
                new_start=start,
                actor=actor,
                new_staff_id=staff_ids[0] if staff_ids else None,
                expected_version=expected_version,
            )
        except (SlotTaken, SlotNotOffered) as error:
            form.error(
                "time",
                "slot_taken" if not isinstance(error, SlotNotOffered) else "slot_not_offered",
            )
            return ctx.back_to(page, form=form, alternatives=_alternatives(auth, error))
        except BookingChanged:
            return changed_redirect(booking.id or 0)
        except InvalidTransition:
            return RedirectResponse(f"/panel/bookings/{booking.id}?done=invalid_transition", 303)
        except (InvalidInput, NotFound):
            form.error("staff_id", "invalid")
            return ctx.back_to(page, form=form)
        return RedirectResponse(f"/panel/bookings/{booking.id}?done=rescheduled", 303)

    def _alternatives(auth: Auth, error: SlotTaken | SlotNotOffered) -> list[str]:
        return [_clock(a, auth.zone) for a in error.alternatives]

    # --- manual booking ------------------------------------------------------------------------

    async def new_page(
        request: Request, auth: Auth, form: Form | None = None, **extra: object
    ) -> Response:
        async with ctx.uow_factory(read_only=True) as uow:
            services = await active_services(uow, auth.business_id)
            staff = await active_team(uow, auth.business_id)
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
        phone = form.phone("client_phone")
        notes = form.text("notes", max_len=1000)
        if not form.ok or day is None or at is None:
            return ctx.back_to("/panel/agenda/new", form=form)
        key = form.values.get("idempotency_key") or None
        if key:
            async with ctx.uow_factory(read_only=True) as uow:
                done = await booked_with_key(uow, auth.business_id, key)
            if done is not None:  # the same form again (double tap, Back): booked the first time
                return RedirectResponse(f"/panel/agenda?day={day.isoformat()}&done=booked", 303)
        start, choices = typed_instant(form, day, at, auth.zone)
        if start is None:
            return ctx.back_to("/panel/agenda/new", form=form, time_choices=choices)
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
            return ctx.back_to("/panel/agenda/new", form=form)
        if not any(s.start == start for s in slots):
            form.error("time", "slot_not_offered")
            nearest = sorted(slots, key=lambda s: abs((s.start - start).total_seconds()))[:6]
            alternatives = [_clock(s.start, auth.zone) for s in sorted(nearest)]
            return ctx.back_to("/panel/agenda/new", form=form, alternatives=alternatives)
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
        except (SlotTaken, SlotNotOffered) as error:
            taken = isinstance(error, SlotTaken)
            form.error("time", "slot_taken" if taken else "slot_not_offered")
            return ctx.back_to(
                "/panel/agenda/new", form=form, alternatives=_alternatives(auth, error)
            )
        except (InvalidInput, NotFound):
            form.error("staff_id", "invalid")
            return ctx.back_to("/panel/agenda/new", form=form)
        return RedirectResponse(f"/panel/agenda?day={day.isoformat()}&done=booked", 303)

    return router
