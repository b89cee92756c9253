"""The booking flow: service(s) -> day (professional optional) -> time -> name/phone -> review.

A returning client books one service with any professional in five taps from the main menu:
Book, the service, the day, the time, Confirm. The professional defaults to "any available"
and is a button on the day step, as is adding another service to the same visit.

The same dialog reschedules a booking (``start_data={"reschedule": id, ...}``): it opens on the
day step with the booking's services and professional fixed, and Confirm moves the booking.

Everything in ``dialog_data`` is JSON (ints, strings, lists): it lives in Redis in production.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Group, RequestContact, Row, Select, SwitchTo
from aiogram_dialog.widgets.markup.reply_keyboard import ReplyKeyboardFactory
from aiogram_dialog.widgets.text import Format

from domain import booking as booking_uc
from domain import classes, clients, noshow
from domain.errors import (
    DomainError,
    InvalidInput,
    OutsideCancellationWindow,
    SlotNotOffered,
    SlotTaken,
)
from domain.instants import repeated_hour_label
from domain.model import Actor, BookingSource, BookingStatus, Service
from domain.text import clean_name
from i18n import format_date, format_money, format_time
from i18n.phones import normalize_phone

from .context import ChatContext, catalog_of, ctx_of, record_outcome, wake_scheduler
from .errors import explain
from .states import BookSG
from .widgets import T, buttons_only, go_main, to_main

log = logging.getLogger(__name__)


def _clock_label(local: datetime, locale: str) -> str:
    """The time as "01:30", or "01:30 (EST)" when it happens twice that day (clocks go back)."""
    twice = repeated_hour_label(local, local.tzinfo) if local.tzinfo else ""
    shown = format_time(local, locale)
    return f"{shown} ({twice})" if twice else shown


def _full_when(locale: str, local: datetime) -> str:
    return f"{format_date(local.date(), locale, 'full')}, {format_time(local, locale)}"


MANY_TIMES = 8  # more than this: group times into morning / afternoon / evening
PERIODS = (("m", 0, 12), ("a", 12, 18), ("e", 18, 24))


# --- state helpers -----------------------------------------------------------------------------


def _services_of(manager: DialogManager) -> list[int]:
    return [int(s) for s in manager.dialog_data.get("services", [])]


def _staff_of(manager: DialogManager) -> int | None:
    staff = manager.dialog_data.get("staff")
    return int(staff) if staff else None


def _month_bounds(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def _shift_month(month: str, delta: int) -> str:
    first = date.fromisoformat(f"{month}-01")
    index = first.year * 12 + first.month - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _today(ctx: ChatContext) -> date:
    return ctx.local(ctx.now).date()


def _last_month(ctx: ChatContext) -> str:
    assert ctx.business is not None
    last = _today(ctx) + timedelta(days=ctx.business.policies.horizon_days)
    return last.strftime("%Y-%m")


def _bookable_day(ctx: ChatContext, day: date) -> bool:
    """Within the days the calendar offers: from today to the business's horizon."""
    assert ctx.business is not None
    today = _today(ctx)
    return today <= day <= today + timedelta(days=ctx.business.policies.horizon_days)


def _is_first_time(ctx: ChatContext) -> bool:
    return ctx.client is None or not (ctx.client.name and ctx.client.phone)


async def on_start(start_data: Any, manager: DialogManager) -> None:
    data = start_data if isinstance(start_data, dict) else {}
    manager.dialog_data.update(
        services=[int(s) for s in data.get("services", [])],
        staff=data.get("staff"),
        reschedule=data.get("reschedule"),
        # The version of the booking being moved, as the client saw it (None: not checked).
        version=data.get("version"),
        # One key per flow: a redelivered or double-pressed Confirm never books twice.
        key=f"tg:{uuid.uuid4().hex}",
    )
    if data.get("reschedule"):
        await manager.switch_to(BookSG.day)


# --- services ----------------------------------------------------------------------------------


def service_label(ctx: ChatContext, service: Service) -> str:
    assert ctx.business is not None
    price = format_money(service.price_minor, ctx.business.currency, ctx.locale)
    return ctx.t(
        "book.service_item", name=service.name, minutes=service.duration_minutes, price=price
    )


async def services_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    chosen = set(_services_of(dialog_manager))
    adding = bool(dialog_manager.dialog_data.get("adding"))
    services = (await catalog_of(ctx)).bookable_services()
    items = [(s.id, service_label(ctx, s)) for s in services if not (adding and s.id in chosen)]
    return {"services": items, "adding": adding, "empty": not items}


async def on_service(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    ctx = ctx_of(manager)
    service_id = int(item_id)
    catalog = await catalog_of(ctx)
    known = catalog.bookable_services()
    if service_id not in {s.id for s in known}:
        log.warning("booking: unknown service id %s from user %s", item_id, ctx.telegram_user_id)
        await manager.switch_to(BookSG.service)
        return
    data = manager.dialog_data
    if data.get("adding"):
        data["services"] = [*_services_of(manager), service_id]
    else:
        data["services"] = [service_id]
    data["adding"] = False
    if data.get("staff") and data["staff"] not in {
        m.id for m in catalog.staff_for_services(data["services"])
    }:
        data["staff"] = None  # that professional does not do the new combination
    data.pop("month", None)
    await manager.switch_to(BookSG.day)


async def on_services_back(_c: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    if manager.dialog_data.get("adding"):
        manager.dialog_data["adding"] = False
        await manager.switch_to(BookSG.day)
    else:
        await manager.done()


# --- day ---------------------------------------------------------------------------------------


async def _visit_summary(ctx: ChatContext, manager: DialogManager) -> dict[str, Any]:
    catalog = await catalog_of(ctx)
    services = {s.id: s for s in catalog.bookable_services()}
    chosen = [services[s] for s in _services_of(manager) if s in services]
    staff_id = _staff_of(manager)
    staff_name = ctx.t("book.any_staff")
    if staff_id is not None:
        members = catalog.staff_for_services(_services_of(manager))
        staff_name = next((m.name for m in members if m.id == staff_id), staff_name)
    return {
        "service_names": " + ".join(s.name for s in chosen),
        "staff_name": staff_name,
        "minutes": sum(s.duration_minutes for s in chosen),
        "price_minor": sum(s.price_minor for s in chosen),
    }


async def days_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    data = dialog_manager.dialog_data
    this_month = _today(ctx).strftime("%Y-%m")
    last_month = _last_month(ctx)
    month = data.get("month") or this_month
    service_ids = _services_of(dialog_manager)
    catalog = await catalog_of(ctx)
    days: set[date] = set()
    while True:
        first, last = _month_bounds(month)
        first = max(first, _today(ctx))
        days = await clients.free_days(
            ctx.uow_factory(read_only=True),
            catalog,
            now=ctx.now,
            service_ids=service_ids,
            staff_id=_staff_of(dialog_manager),
            first_day=first,
            last_day=last,
        )
        # On entry, skip ahead to the first month with a free day (not when paging by hand).
        if days or data.get("month") or month >= last_month:
            break
        month = _shift_month(month, 1)
    data["month"] = month
    month_first = date.fromisoformat(f"{month}-01")
    summary = await _visit_summary(ctx, dialog_manager)
    return {
        **summary,
        "month_name": format_date(month_first, ctx.locale, "LLLL yyyy").capitalize(),
        "days": [
            (
                d.isoformat(),
                ctx.t("book.day_item", day=d.day, weekday=format_date(d, ctx.locale, "EEE")),
            )
            for d in sorted(days)
        ],
        "no_days": not days,
        "can_prev": month > this_month,
        "can_next": month < last_month,
        "can_change": not data.get("reschedule"),
    }


async def on_day(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    ctx = ctx_of(manager)
    try:
        day = date.fromisoformat(item_id)
    except ValueError:
        day = None
    if day is None or not _bookable_day(ctx, day):
        # Only days the calendar could have shown: a crafted 2020-01-01 goes nowhere.
        log.warning("booking: day %r not offered to user %s", item_id[:16], ctx.telegram_user_id)
        await manager.switch_to(BookSG.day)
        return
    manager.dialog_data["day"] = day.isoformat()
    manager.dialog_data.pop("period", None)
    await manager.switch_to(BookSG.time)


async def on_prev_month(_c: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    month = manager.dialog_data.get("month")
    if month:
        this_month = _today(ctx_of(manager)).strftime("%Y-%m")
        manager.dialog_data["month"] = max(_shift_month(month, -1), this_month)


async def on_next_month(_c: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    month = manager.dialog_data.get("month")
    if month:
        manager.dialog_data["month"] = min(_shift_month(month, 1), _last_month(ctx_of(manager)))


async def on_add_service(_c: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    manager.dialog_data["adding"] = True
    await manager.switch_to(BookSG.service)


async def on_day_back(_c: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    if manager.dialog_data.get("reschedule"):
        await manager.done()
    else:
        await manager.switch_to(BookSG.service)


# --- professional ------------------------------------------------------------------------------


async def staff_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    members = (await catalog_of(ctx)).staff_for_services(_services_of(dialog_manager))
    return {"staff": [(0, ctx.t("book.any_staff"))] + [(m.id, m.name) for m in members]}


async def on_staff(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    ctx = ctx_of(manager)
    staff_id = int(item_id)
    if staff_id:
        members = (await catalog_of(ctx)).staff_for_services(_services_of(manager))
        if staff_id not in {m.id for m in members}:
            log.warning("booking: unknown staff id %s from user %s", item_id, ctx.telegram_user_id)
            staff_id = 0
    manager.dialog_data["staff"] = staff_id or None
    manager.dialog_data.pop("month", None)
    await manager.switch_to(BookSG.day)


# --- time --------------------------------------------------------------------------------------


def _period_of(hour: int) -> str:
    return next(code for code, start, end in PERIODS if start <= hour < end)


async def times_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    data = dialog_manager.dialog_data
    day = date.fromisoformat(data["day"])
    slots = await clients.free_slots(
        ctx.uow_factory(read_only=True),
        await catalog_of(ctx),
        now=ctx.now,
        service_ids=_services_of(dialog_manager),
        staff_id=_staff_of(dialog_manager),
        first_day=day,
        last_day=day,
        exclude_booking_id=data.get("reschedule"),
    )
    times = [(str(int(s.start.timestamp())), s.local_start) for s in slots]
    # A class (a service with seats): each time says how many seats are left.
    seats: dict[str, int] = {}
    service_ids = _services_of(dialog_manager)
    if len(service_ids) == 1:
        catalog = await catalog_of(ctx)
        service = next((x for x in catalog.services if x.id == service_ids[0]), None)
        if service is not None and service.capacity > 1:
            left = await classes.seats_by_start(
                ctx.uow_factory(read_only=True), service=service, starts=[s.start for s in slots]
            )
            seats = {str(int(start.timestamp())): n for start, n in left.items()}
    grouped = len(times) > MANY_TIMES
    periods = [
        code for code, _s, _e in PERIODS if any(_period_of(t.hour) == code for _, t in times)
    ]
    period = data.get("period")
    if grouped:
        if period not in periods:
            period = periods[0] if periods else None
        times = [(i, t) for i, t in times if _period_of(t.hour) == period]
    return {
        "day_name": format_date(day, ctx.locale, "full"),
        "times": [
            (
                i,
                _clock_label(t, ctx.locale)
                + (f" · {ctx.t('book.seats', count=seats[i])}" if i in seats else ""),
            )
            for i, t in times
        ],
        "grouped": grouped,
        "periods": [
            (code, ("• " if code == period else "") + ctx.t(f"book.period_{code}"))
            for code in periods
        ],
        "no_times": not times,
    }


async def on_period(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    if item_id in {code for code, _s, _e in PERIODS}:
        manager.dialog_data["period"] = item_id


async def _chose_start(manager: DialogManager, start: datetime) -> None:
    ctx = ctx_of(manager)
    manager.dialog_data["start"] = start.isoformat()
    if manager.dialog_data.get("reschedule") or not _is_first_time(ctx):
        await manager.switch_to(BookSG.review)
    else:
        await manager.switch_to(BookSG.name)


def _start_from_id(item_id: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(item_id), UTC)
    except (ValueError, OverflowError, OSError):
        return None


async def on_time(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    start = _start_from_id(item_id)
    if start is None or not await _offered(manager, start):
        # Only a time the list could have shown (same day, still free): never a crafted one.
        log.warning("booking: time %r not offered", item_id[:16])
        return
    await _chose_start(manager, start)


async def _offered(manager: DialogManager, start: datetime) -> bool:
    ctx = ctx_of(manager)
    data = manager.dialog_data
    try:
        day = date.fromisoformat(data.get("day") or "")
    except ValueError:
        return False
    slots = await clients.free_slots(
        ctx.uow_factory(read_only=True),
        await catalog_of(ctx),
        now=ctx.now,
        service_ids=_services_of(manager),
        staff_id=_staff_of(manager),
        first_day=day,
        last_day=day,
        exclude_booking_id=data.get("reschedule"),
    )
    return any(slot.start == start for slot in slots)


# --- first time: name and phone ----------------------------------------------------------------


async def name_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    usable = clean_name(ctx.first_name, max_len=clients.MAX_NAME)
    return {"first_name": (usable or "")[:40], "has_first_name": usable is not None}


async def _set_name(manager: DialogManager, typed: str) -> bool:
    name = clean_name(typed, max_len=clients.MAX_NAME)
    if name is None or name.startswith("/"):
        return False
    manager.dialog_data["name"] = name
    await manager.switch_to(BookSG.phone)
    return True


async def on_name_text(message: Message, _widget: Any, manager: DialogManager) -> None:
    if not await _set_name(manager, message.text or ""):
        await message.answer(ctx_of(manager).t("name.invalid"))
    manager.show_mode = ShowMode.SEND


async def on_use_first_name(callback: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    if not await _set_name(manager, ctx_of(manager).first_name):
        # A Telegram name made only of invisible characters: ask for one typed instead.
        if callback.message is not None:
            await callback.message.answer(ctx_of(manager).t("name.invalid"))
        manager.show_mode = ShowMode.SEND


async def on_phone(message: Message, _widget: Any, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    manager.show_mode = ShowMode.SEND
    if message.contact is not None:
        user = message.from_user
        if user is None or message.contact.user_id != user.id:
            await message.answer(ctx.t("phone.not_yours"))
            return
        phone = normalize_phone(message.contact.phone_number)
    else:
        phone = normalize_phone(message.text or "")
    if phone is None:
        await message.answer(ctx.t("phone.invalid"))
        return
    try:
        ctx.client = await clients.save_contact(
            ctx.uow_factory(),
            client_id=ctx.client_id,
            name=manager.dialog_data.get("name") or ctx.first_name,
            phone=phone,
        )
    except InvalidInput as error:
        if error.field == "name":  # the Telegram name had nothing usable: ask for one
            await message.answer(ctx.t("name.invalid"))
            await manager.switch_to(BookSG.name)
            return
        await message.answer(ctx.t("phone.invalid"))
        return
    await manager.switch_to(BookSG.review)


# --- review and confirm ------------------------------------------------------------------------


async def review_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    business = ctx.business
    assert business is not None
    data = dialog_manager.dialog_data
    start = ctx.local(datetime.fromisoformat(data["start"]))
    summary = await _visit_summary(ctx, dialog_manager)
    window = business.policies.cancellation_window_minutes
    return {
        **summary,
        "business": business.name,
        "when": _full_when(ctx.locale, start),
        "price": format_money(summary["price_minor"], business.currency, ctx.locale),
        "address": business.address or "—",
        "policy": ctx.t("review.policy", hours=_hours_text(window)),
        "rescheduling": bool(data.get("reschedule")),
        "booking": not data.get("reschedule"),
    }


def _hours_text(minutes: int) -> str:
    hours = minutes / 60
    return f"{hours:g}"


async def on_confirm(callback: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    data = manager.dialog_data
    if ctx.client is None or "start" not in data:
        await to_main(manager)
        return
    start = datetime.fromisoformat(data["start"])
    actor = Actor.client(ctx.client_id)
    try:
        if data.get("reschedule"):
            booking = await booking_uc.reschedule(
                ctx.uow_factory(),
                now=ctx.now,
                business_id=ctx.business_id,
                booking_id=int(data["reschedule"]),
                new_start=start,
                actor=actor,
                by_client=True,
                client_id=ctx.client_id,
                expected_version=data.get("version"),
            )
            outcome = "rescheduled"
        else:
            booking = await booking_uc.book(
                ctx.uow_factory(),
                now=ctx.now,
                business_id=ctx.business_id,
                client_id=ctx.client_id,
                service_ids=_services_of(manager),
                staff_id=_staff_of(manager),
                start=start,
                source=BookingSource.SANDBOX
                if ctx.extra.get("sandbox")
                else BookingSource.TELEGRAM,
                idempotency_key=str(data["key"]),
                actor=actor,
            )
            outcome = "confirmed" if booking.status is BookingStatus.CONFIRMED else "requested"
            if outcome == "requested" and await noshow.held_count(
                ctx.uow_factory(read_only=True),
                business_id=ctx.business_id,
                client_id=ctx.client_id,
                now=ctx.now,
            ):
                outcome = "held"  # told politely why it waits (the no-show policy)
    except (SlotTaken, SlotNotOffered) as taken:
        # Two different things to tell: someone just took it, or it was never bookable.
        record_outcome(manager, "taken")
        data["alternatives"] = [a.isoformat() for a in taken.alternatives]
        data["not_offered"] = isinstance(taken, SlotNotOffered)
        await manager.switch_to(BookSG.taken)
        return
    except OutsideCancellationWindow as late:
        if callback.message is not None:
            await callback.message.answer(explain(ctx, late))
        manager.show_mode = ShowMode.SEND
        return
    except DomainError as error:
        log.info("booking refused for client %s: %s", ctx.client_id, error)
        if callback.message is not None:
            await callback.message.answer(explain(ctx, error))
        manager.show_mode = ShowMode.SEND
        return
    wake_scheduler(manager)  # the provider hears of it within a moment
    record_outcome(manager, "booked")
    data["outcome"] = outcome
    data["booking_id"] = booking.id
    members = (await catalog_of(ctx)).staff_for_services(list(booking.service_ids))
    data["booked_staff"] = next((m.name for m in members if m.id == booking.staff_id), "")
    await manager.switch_to(BookSG.result)


async def on_review_back(_c: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    await manager.switch_to(BookSG.time)


# --- the time was taken meanwhile --------------------------------------------------------------


async def taken_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    alternatives = [
        datetime.fromisoformat(a) for a in dialog_manager.dialog_data.get("alternatives", [])
    ]
    items = []
    for moment in alternatives:
        local = ctx.local(moment)
        label = (
            f"{format_date(local.date(), ctx.locale, 'EEE dd/MM')} {format_time(local, ctx.locale)}"
        )
        items.append((str(int(moment.timestamp())), label))
    not_offered = bool(dialog_manager.dialog_data.get("not_offered"))
    return {
        "alternatives": items,
        "has_alternatives": bool(items),
        "none": not items,
        "not_offered": not_offered,
        "taken": not not_offered,
    }


async def on_alternative(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    start = _start_from_id(item_id)
    allowed = manager.dialog_data.get("alternatives", [])
    if start is None or start.isoformat() not in allowed:
        return
    manager.dialog_data["start"] = start.isoformat()
    await manager.switch_to(BookSG.review)


# --- result ------------------------------------------------------------------------------------


async def result_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    data = dialog_manager.dialog_data
    start = ctx.local(datetime.fromisoformat(data["start"]))
    outcome = data.get("outcome", "confirmed")
    business = ctx.business
    assert business is not None
    return {
        "business": business.name,
        "when": _full_when(ctx.locale, start),
        "staff_name": data.get("booked_staff", ""),
        "confirmed": outcome == "confirmed",
        "requested": outcome == "requested",
        "held": outcome == "held",
        "rescheduled": outcome == "rescheduled",
    }


async def on_result_bookings(_c: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    from .my_bookings import open_my_bookings

    await open_my_bookings(manager)


def booking_dialog() -> Dialog:
    return Dialog(
        Window(
            T("book.choose_service"),
            T("book.no_services", when="empty"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="svc",
                    item_id_getter=lambda item: item[0],
                    items="services",
                    type_factory=str,
                    on_click=on_service,
                ),
                width=1,
            ),
            Button(T("nav.back"), id="back", on_click=on_services_back),
            buttons_only(),
            state=BookSG.service,
            getter=services_getter,
        ),
        Window(
            T("book.choose_day"),
            T("book.no_days", when="no_days"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="day",
                    item_id_getter=lambda item: item[0],
                    items="days",
                    on_click=on_day,
                ),
                width=4,
            ),
            Row(
                Button(T("book.prev_month"), id="prev", on_click=on_prev_month, when="can_prev"),
                Button(T("book.next_month"), id="next", on_click=on_next_month, when="can_next"),
            ),
            Row(
                SwitchTo(T("book.change_staff"), id="who", state=BookSG.staff, when="can_change"),
                Button(T("book.add_service"), id="add", on_click=on_add_service, when="can_change"),
            ),
            Button(T("nav.back"), id="back", on_click=on_day_back),
            buttons_only(),
            state=BookSG.day,
            getter=days_getter,
        ),
        Window(
            T("book.choose_staff"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="stf",
                    item_id_getter=lambda item: item[0],
                    items="staff",
                    on_click=on_staff,
                ),
                width=1,
            ),
            SwitchTo(T("nav.back"), id="back", state=BookSG.day),
            buttons_only(),
            state=BookSG.staff,
            getter=staff_getter,
        ),
        Window(
            T("book.choose_time"),
            T("book.no_times", when="no_times"),
            Row(
                Select(
                    Format("{item[1]}"),
                    id="per",
                    item_id_getter=lambda item: item[0],
                    items="periods",
                    on_click=on_period,
                ),
                when="grouped",
            ),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="tm",
                    item_id_getter=lambda item: item[0],
                    items="times",
                    on_click=on_time,
                ),
                width=4,
            ),
            SwitchTo(T("nav.back"), id="back", state=BookSG.day),
            buttons_only(),
            state=BookSG.time,
            getter=times_getter,
        ),
        Window(
            T("name.ask"),
            Button(
                T("name.use_telegram"),
                id="tgname",
                on_click=on_use_first_name,
                when="has_first_name",
            ),
            SwitchTo(T("nav.back"), id="back", state=BookSG.time),
            MessageInput(on_name_text, content_types=[ContentType.TEXT]),
            buttons_only(),
            state=BookSG.name,
            getter=name_getter,
        ),
        Window(
            T("phone.ask"),
            RequestContact(T("phone.share")),
            SwitchTo(T("nav.back"), id="back", state=BookSG.name),
            MessageInput(on_phone, content_types=[ContentType.TEXT, ContentType.CONTACT]),
            buttons_only(),
            markup_factory=ReplyKeyboardFactory(resize_keyboard=True, one_time_keyboard=True),
            state=BookSG.phone,
        ),
        Window(
            T("review.title", when="booking"),
            T("review.title_reschedule", when="rescheduling"),
            T("review.body"),
            Button(T("review.confirm"), id="confirm", on_click=on_confirm),
            Row(
                Button(T("nav.back"), id="back", on_click=on_review_back),
                Button(T("nav.cancel"), id="quit", on_click=go_main),
            ),
            buttons_only(),
            state=BookSG.review,
            getter=review_getter,
        ),
        Window(
            T("taken.text", when="taken"),
            T("taken.not_offered", when="not_offered"),
            T("taken.alternatives", when="has_alternatives"),
            T("taken.none", when="none"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="alt",
                    item_id_getter=lambda item: item[0],
                    items="alternatives",
                    on_click=on_alternative,
                ),
                width=1,
            ),
            SwitchTo(T("taken.other_day"), id="otherday", state=BookSG.day),
            buttons_only(),
            state=BookSG.taken,
            getter=taken_getter,
        ),
        Window(
            T("result.confirmed", when="confirmed"),
            T("result.requested", when="requested"),
            T("result.held", when="held"),
            T("result.rescheduled", when="rescheduled"),
            Button(T("menu.my_bookings"), id="mine", on_click=on_result_bookings),
            Button(T("nav.main_menu"), id="main", on_click=go_main),
            buttons_only(),
            state=BookSG.result,
            getter=result_getter,
        ),
        on_start=on_start,
    )


__all__ = ["booking_dialog"]
