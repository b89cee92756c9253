"""My bookings: upcoming ones (details, Reschedule, Cancel) and the last ten past ones.

Booking ids travel in callback data, so every handler re-checks that the booking belongs to
this client (:func:`domain.clients.client_booking`): a forged id gets "not found" and a log line.

The detail window remembers the version of the booking it drew its buttons for; Cancel and
Reschedule act only on that version. If the provider changed the booking meanwhile, nothing
changes and the detail is drawn again for the booking as it is now, with a line saying so.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode, Window
from aiogram_dialog.widgets.kbd import Button, Group, Row, Select, SwitchTo
from aiogram_dialog.widgets.text import Format

from domain import booking as booking_uc
from domain import clients
from domain.errors import BookingChanged, DomainError, NotFound, OutsideCancellationWindow
from domain.model import Booking
from i18n import format_date, format_money, format_time

from .context import ChatContext, catalog_of, ctx_of, wake_scheduler
from .errors import changed_text, explain
from .states import BookSG, MainSG, MyBookingsSG
from .widgets import T, buttons_only, go_main

log = logging.getLogger(__name__)


def _full_when(locale: str, local: datetime) -> str:
    return f"{format_date(local.date(), locale, 'full')}, {format_time(local, locale)}"


async def open_my_bookings(manager: DialogManager) -> None:
    """My bookings on top of a fresh main menu (Back leads there)."""
    await manager.start(MainSG.menu, mode=StartMode.RESET_STACK)
    await manager.start(MyBookingsSG.upcoming)


def _when(ctx: ChatContext, booking: Booking) -> str:
    local = ctx.local(booking.start)
    return f"{format_date(local.date(), ctx.locale, 'EEE dd/MM')} {format_time(local, ctx.locale)}"


def _label(ctx: ChatContext, booking: Booking) -> str:
    services = " + ".join(i.name for i in booking.items)
    return f"{_when(ctx, booking)} · {services}"


async def upcoming_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    if ctx.client is None:
        return {"bookings": [], "none": True, "has_past": False, "notice": ""}
    found = await clients.client_bookings(
        ctx.uow_factory(read_only=True), client_id=ctx.client_id, now=ctx.now
    )
    notice = dialog_manager.dialog_data.pop("notice", "")
    return {
        "bookings": [(b.id, _label(ctx, b)) for b in found.upcoming],
        "none": not found.upcoming,
        "has_past": bool(found.past),
        "notice": notice,
        "has_notice": bool(notice),
    }


async def _own_booking(
    callback: CallbackQuery, manager: DialogManager, raw_id: object
) -> Booking | None:
    ctx = ctx_of(manager)
    try:
        booking_id = int(str(raw_id))
        if ctx.client is None:
            raise NotFound("client", None)
        return await clients.client_booking(
            ctx.uow_factory(read_only=True), client_id=ctx.client_id, booking_id=booking_id
        )
    except (ValueError, NotFound):
        log.warning(
            "my bookings: user %s asked for booking %r, not theirs or unknown",
            ctx.telegram_user_id,
            raw_id,
        )
        await callback.answer(ctx.t("error.not_found"), show_alert=True)
        return None


async def on_pick(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    booking = await _own_booking(callback, manager, item_id)
    if booking is None:
        return
    manager.dialog_data["booking_id"] = booking.id
    await manager.switch_to(MyBookingsSG.detail)


async def detail_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    booking = await clients.client_booking(
        ctx.uow_factory(read_only=True),
        client_id=ctx.client_id,
        booking_id=int(dialog_manager.dialog_data["booking_id"]),
    )
    business = ctx.business
    assert business is not None
    members = (await catalog_of(ctx)).staff_for_services(list(booking.service_ids))
    staff = next((m.name for m in members if m.id == booking.staff_id), "")
    local = ctx.local(booking.start)
    notice = dialog_manager.dialog_data.pop("notice", "")
    # The buttons below are drawn for this version: their handlers act only on it.
    dialog_manager.dialog_data["version"] = booking.version
    return {
        "service_names": " + ".join(i.name for i in booking.items),
        "staff_name": staff,
        "when": _full_when(ctx.locale, local),
        "price": format_money(booking.price_minor, business.currency, ctx.locale),
        "status": ctx.t(f"status.{booking.status.value}"),
        "active": booking.status.is_active,
        "notice": notice,
        "has_notice": bool(notice),
    }


def _too_late(ctx: ChatContext, booking: Booking) -> OutsideCancellationWindow | None:
    assert ctx.business is not None
    return booking_uc.client_change_refusal(ctx.business, booking, ctx.now)


def _changed_since_drawn(ctx: ChatContext, manager: DialogManager, booking: Booking) -> bool:
    """True (with the notice set) if the booking is no longer the version the buttons showed."""
    try:
        booking.check_version(manager.dialog_data.get("version"))
    except BookingChanged:
        manager.dialog_data["notice"] = changed_text(ctx, booking)
        return True
    return False


async def on_reschedule(callback: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    booking = await _own_booking(callback, manager, manager.dialog_data.get("booking_id"))
    if booking is None or _changed_since_drawn(ctx, manager, booking):
        return
    late = _too_late(ctx, booking)
    if late is not None:
        manager.dialog_data["notice"] = explain(ctx, late)
        return
    await manager.start(
        BookSG.day,
        data={
            "reschedule": booking.id,
            "services": list(booking.service_ids),
            "staff": booking.staff_id,
            "version": booking.version,
        },
    )


async def on_cancel_request(callback: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    booking = await _own_booking(callback, manager, manager.dialog_data.get("booking_id"))
    if booking is None or _changed_since_drawn(ctx, manager, booking):
        return
    late = _too_late(ctx, booking)
    if late is not None:
        manager.dialog_data["notice"] = explain(ctx, late)
        return
    await manager.switch_to(MyBookingsSG.cancel)


async def on_cancel_confirmed(callback: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    booking = await _own_booking(callback, manager, manager.dialog_data.get("booking_id"))
    if booking is None:
        return
    try:
        await booking_uc.cancel_by_client(
            ctx.uow_factory(),
            now=ctx.now,
            booking_id=booking.id or 0,
            client_id=ctx.client_id,
            expected_version=manager.dialog_data.get("version"),
        )
    except DomainError as error:
        manager.dialog_data["notice"] = explain(ctx, error)
        await manager.switch_to(MyBookingsSG.detail)
        return
    wake_scheduler(manager)  # the provider hears of it within a moment
    manager.dialog_data["notice"] = ctx.t("mine.cancelled")
    await manager.switch_to(MyBookingsSG.upcoming)


async def past_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    found = await clients.client_bookings(
        ctx.uow_factory(read_only=True), client_id=ctx.client_id, now=ctx.now
    )
    lines = [f"• {_label(ctx, b)} — {ctx.t(f'status.{b.status.value}')}" for b in found.past]
    return {"past": "\n".join(lines) or ctx.t("mine.no_past")}


async def on_subdialog_done(_result: Any, _start_data: Any, manager: DialogManager) -> None:
    # Back from a reschedule: show the list again (the booking may have moved).
    manager.show_mode = ShowMode.EDIT


def my_bookings_dialog() -> Dialog:
    return Dialog(
        Window(
            Format("{notice}\n", when="has_notice"),
            T("mine.title"),
            T("mine.none", when="none"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="bk",
                    item_id_getter=lambda item: item[0],
                    items="bookings",
                    on_click=on_pick,
                ),
                width=1,
            ),
            SwitchTo(T("mine.past"), id="past", state=MyBookingsSG.past, when="has_past"),
            Button(T("nav.back"), id="back", on_click=go_main),
            buttons_only(),
            state=MyBookingsSG.upcoming,
            getter=upcoming_getter,
        ),
        Window(
            Format("{notice}\n", when="has_notice"),
            T("mine.detail"),
            Row(
                Button(T("mine.reschedule"), id="resched", on_click=on_reschedule, when="active"),
                Button(T("mine.cancel"), id="cancel", on_click=on_cancel_request, when="active"),
            ),
            SwitchTo(T("nav.back"), id="back", state=MyBookingsSG.upcoming),
            buttons_only(),
            state=MyBookingsSG.detail,
            getter=detail_getter,
        ),
        Window(
            T("mine.cancel_confirm"),
            Row(
                Button(T("mine.cancel_yes"), id="yes", on_click=on_cancel_confirmed),
                SwitchTo(T("mine.cancel_no"), id="no", state=MyBookingsSG.detail),
            ),
            buttons_only(),
            state=MyBookingsSG.cancel,
        ),
        Window(
            T("mine.past_title"),
            Format("{past}"),
            SwitchTo(T("nav.back"), id="back", state=MyBookingsSG.upcoming),
            buttons_only(),
            state=MyBookingsSG.past,
            getter=past_getter,
        ),
        on_process_result=on_subdialog_done,
    )


__all__ = ["my_bookings_dialog", "open_my_bookings"]
