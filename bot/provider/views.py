"""How a booking looks in the provider's chat: one line of text and the buttons that fit it.

Pure functions over loaded entities (the handlers do the reading), so they are easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.notifications.callbacks import ProviderAction
from domain.model import Booking, BookingStatus
from i18n import format_date, format_day_time, format_time

from .access import Provider

# Preset reasons, by number (the number travels in callback_data); 0 means "type it".
REASONS = {1: "reason.unavailable", 2: "reason.staff_away", 3: "reason.closed"}


@dataclass(frozen=True)
class BookingView:
    booking: Booking
    client_name: str
    client_phone: str
    staff_name: str


def day_title(provider: Provider, day: date) -> str:
    return format_date(day, provider.locale, "EEEE, d MMM")


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
