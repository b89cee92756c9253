"""How a booking looks in the provider's chat: one line of text and the buttons that fit it.

Pure functions over loaded entities (the handlers do the reading), so they are easy to test.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.notifications.callbacks import ProviderAction
from domain.attendance import Attendance, attendance_of
from domain.booking_lists import parties_of
from domain.model import Booking, BookingStatus
from domain.ports import UowFactory
from i18n import format_day, format_day_time, format_time

from .access import Provider

ATTENDANCE_KEYS = {
    Attendance.CONFIRMED: "attendance.confirmed",
    Attendance.WAITING: "attendance.waiting",
    Attendance.CANT_COME: "attendance.cant_come",
}

# Preset reasons, by number (the number travels in callback_data); 0 means "type it".
REASONS = {1: "reason.unavailable", 2: "reason.staff_away", 3: "reason.closed"}


@dataclass(frozen=True)
class BookingView:
    booking: Booking
    client_name: str
    client_phone: str
    staff_name: str
    client_telegram_id: int | None = None
    attendance: Attendance | None = None
    held: bool = False  # the client's requests wait because of the no-show policy


class AgendaData(CallbackData, prefix="ag"):
    """The agenda's own buttons (at most 64 bytes: ``ag:t:123456:29560000`` is 20).

    ``v``: ``d`` open day ``n`` (a date ordinal), ``w`` the week of day ``n``; for booking ``n``:
    ``r`` reschedule (free times on day ``m``, 0: the booking's day), ``t`` move it to minute
    ``m`` (UTC minutes since the epoch), ``a`` book again (free times offered),
    ``b`` book again at minute ``m``, ``f`` forgive the booking's client their no-shows.
    ``k``: the booking's version the button was drawn for (``t`` changes the booking: a stale
    button changes nothing, like every other booking button).
    """

    v: str
    n: int
    m: int = 0
    k: int = 0


def day_title(provider: Provider, day: date) -> str:
    return format_day(day, provider.locale)


async def load_views(uow_factory: UowFactory, bookings: Sequence[Booking]) -> list[BookingView]:
    """Client and professional names for each booking (two reads, however many bookings): the
    one builder of the /agenda cards and the daily lists. Any unit of work will do (the
    scheduler's too): it only reads."""
    async with uow_factory(read_only=True) as uow:
        parties = await parties_of(uow, bookings)
    views = []
    for booking in bookings:
        client = parties.client_of(booking)
        views.append(
            BookingView(
                booking,
                client.name if client is not None else "",
                client.phone if client is not None else "",
                parties.staff_name_of(booking),
                client.telegram_user_id if client is not None else None,
                attendance_of(booking),
            )
        )
    return views


def booking_line(provider: Provider, view: BookingView, *, with_day: bool = False) -> str:
    booking = view.booking
    start, end = provider.local(booking.start), provider.local(booking.end)
    when = f"{format_time(start, provider.locale)}–{format_time(end, provider.locale)}"
    if with_day:
        when = f"{day_title(provider, start.date())} {when}"
    client = view.client_name or provider.t("agenda.no_name")
    if view.client_phone:
        client = f"{client} ({view.client_phone})"
    return provider.t(
        "agenda.line",
        when=when,
        services=" + ".join(i.name for i in booking.items),
        client=client,
        staff=view.staff_name,
        status=provider.t(f"status.{booking.status.value}"),
    )


def changed_text(provider: Provider, booking: Booking) -> str:
    """The text after a stale button: "This booking changed: it is now Friday 14:00, ..."."""
    when = format_day_time(provider.local(booking.start), provider.locale)
    status = provider.t(f"changed.status.{booking.status.value}")
    return provider.t("changed.now", when=when, status=status)


def _button(provider: Provider, key: str, action: str, booking: Booking) -> InlineKeyboardButton:
    data = ProviderAction(action=action, booking_id=booking.id or 0, version=booking.version)
    return InlineKeyboardButton(text=provider.t(key), callback_data=data.pack())


def agenda_card(
    provider: Provider, view: BookingView, now: datetime, *, with_day: bool = False
) -> str:
    """The /agenda message of one booking (HTML): the line, attendance, notes, how to reach."""
    booking = view.booking
    parts = [html.escape(booking_line(provider, view, with_day=with_day))]
    if view.held:
        parts.append(provider.t("agenda.held"))
    if view.attendance is not None and booking.status is not BookingStatus.COMPLETED:
        parts.append(provider.t(ATTENDANCE_KEYS[view.attendance]))
    if booking.notes:
        parts.append(provider.t("agenda.notes", notes=html.escape(booking.notes)))
    if view.client_telegram_id and booking.start >= now:
        # A text link to the client's profile: "message the client" (tel: links are not
        # allowed on Telegram buttons; a phone number in the text is tappable already).
        name = html.escape(view.client_name or provider.t("agenda.no_name"))
        parts.append(
            f'<a href="tg://user?id={view.client_telegram_id}">'
            f"{provider.t('agenda.message', client=name)}</a>"
        )
    return "\n".join(parts)


def agenda_keyboard(
    provider: Provider, booking: Booking, now: datetime, *, held: bool = False
) -> InlineKeyboardMarkup | None:
    """The shared decision buttons (:func:`booking_keyboard`), then the agenda's own:
    reschedule an upcoming visit, book a finished one again."""
    base = booking_keyboard(provider, booking, now)
    rows = list(base.inline_keyboard) if base is not None else []
    booking_id = booking.id or 0
    if booking.status.is_active and booking.start > now:
        data = AgendaData(v="r", n=booking_id).pack()
        rows.append(
            [InlineKeyboardButton(text=provider.t("button.reschedule"), callback_data=data)]
        )
    if booking.status is BookingStatus.COMPLETED or (
        booking.status.is_active and booking.start <= now
    ):
        data = AgendaData(v="a", n=booking_id).pack()
        rows.append(
            [InlineKeyboardButton(text=provider.t("button.book_again"), callback_data=data)]
        )
    if held:
        data = AgendaData(v="f", n=booking_id).pack()
        label = provider.t("button.forgive")
        rows.append([InlineKeyboardButton(text=label, callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def booking_keyboard(
    provider: Provider, booking: Booking, now: datetime
) -> InlineKeyboardMarkup | None:
    """Confirm/Decline for a request; Cancel, and Completed/No-show once it has started.
    Each button carries the booking's version: it acts only on the booking as shown."""
    rows: list[list[InlineKeyboardButton]] = []
    if booking.status is BookingStatus.PENDING:
        rows.append(
            [
                _button(provider, "button.confirm", "cf", booking),
                _button(provider, "button.decline", "dc", booking),
            ]
        )
    elif booking.status is BookingStatus.CONFIRMED:
        if now >= booking.start:
            rows.append(
                [
                    _button(provider, "button.completed", "dn", booking),
                    _button(provider, "button.no_show", "ns", booking),
                ]
            )
        rows.append([_button(provider, "button.cancel", "cx", booking)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def reasons_keyboard(
    provider: Provider, action: str, booking_id: int, version: int
) -> InlineKeyboardMarkup:
    """Preset reasons and "Other reason" (typed next) for a decline (dr) or a cancel (xr), for
    the version of the booking the first press was drawn for."""

    def data(arg: int) -> str:
        return ProviderAction(action=action, booking_id=booking_id, version=version, arg=arg).pack()

    rows = [
        [InlineKeyboardButton(text=provider.t(key), callback_data=data(n))]
        for n, key in REASONS.items()
    ]
    other = data(0)
    rows.append([InlineKeyboardButton(text=provider.t("reason.other"), callback_data=other)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
