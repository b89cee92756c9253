"""Notification texts, in the recipient's language and the business's local time.

Pure functions over what the handler loaded: no I/O, so every kind is easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from domain import actions
from domain.model import Booking, BookingStatus, Business
from domain.model import BookingEventName as Event
from domain.ports import OutgoingMessage
from i18n import format_time, load_catalog

from .callbacks import AttendanceAnswer, BookAgain, ProviderAction

Buttons = tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True)
class Facts:
    """Everything a notification may mention."""

    business: Business
    booking: Booking
    client_name: str
    staff_name: str


# Many messages name the same few visit times (a batch of reminders for one morning), and
# Babel's skeleton formatting is the costliest step of rendering: remember recent answers.
@lru_cache(maxsize=4096)
def when(moment: datetime, timezone: str, locale: str) -> str:
    """``moment`` (UTC) as the business's wall clock: "seg., 7 de dez. às 10:00"."""
    local = moment.astimezone(ZoneInfo(timezone))
    day = format_skeleton("MMMEd", local, locale=locale)
    return _text(locale, "when", day=day, time=format_time(local, locale))


def _text(locale: str, key: str, /, **values: object) -> str:
    return load_catalog("notify").text(locale, key, **values)


def _values(facts: Facts, locale: str) -> dict[str, str]:
    return {
        "business": facts.business.name,
        "client": facts.client_name or "—",
        "staff": facts.staff_name,
        "services": " + ".join(i.name for i in facts.booking.items),
        "when": when(facts.booking.start, facts.business.timezone, locale),
    }


def _button(locale: str, key: str, data: str) -> tuple[str, str]:
    return (_text(locale, key), data)


# ------------------------------------------------------------------ to the provider

# Outbox payloads are event names (domain.states.BookingEventName).
_PROVIDER_CHANGES: dict[str, str] = {
    Event.CANCELLED: "provider.client_cancelled",
    Event.RESCHEDULED: "provider.client_rescheduled",
    Event.ATTENDANCE_CONFIRMED: "provider.client_confirmed_attendance",
}


def to_provider(kind: str, payload: str, facts: Facts, locale: str) -> tuple[str, Buttons] | None:
    """Text and buttons for a provider, or None if this kind/payload says nothing to them."""
    values = _values(facts, locale)
    booking_id, version = facts.booking.id or 0, facts.booking.version
    if kind == actions.NOTIFY_PROVIDER_NEW:
        # Buttons only while the request still waits (it may have been answered meanwhile).
        if facts.booking.status is BookingStatus.PENDING:
            buttons: Buttons = (
                (
                    _button(
                        locale,
                        "button.confirm",
                        ProviderAction(action="cf", booking_id=booking_id, version=version).pack(),
                    ),
                    _button(
                        locale,
                        "button.decline",
                        ProviderAction(action="dc", booking_id=booking_id, version=version).pack(),
                    ),
                ),
            )
            return _text(locale, "provider.new_request", **values), buttons
        return _text(locale, "provider.new_booking", **values), ()
    if kind == actions.NOTIFY_PROVIDER_CHANGE and payload in _PROVIDER_CHANGES:
        return _text(locale, _PROVIDER_CHANGES[payload], **values), ()
    return None


# ------------------------------------------------------------------ to the client

_CLIENT_STATUS: dict[str, str] = {
    Event.CREATED: "client.created",
    Event.CONFIRMED: "client.confirmed",
    Event.DECLINED: "client.declined",
    Event.CANCELLED: "client.cancelled",
    Event.RESCHEDULED: "client.rescheduled",
    Event.EXPIRED: "client.expired",
}
_BOOK_AGAIN_AFTER: frozenset[str] = frozenset({Event.DECLINED, Event.CANCELLED, Event.EXPIRED})


def to_client(kind: str, payload: str, facts: Facts, locale: str) -> tuple[str, Buttons] | None:
    """Text and buttons for the client, or None if this kind/payload says nothing to them."""
    values = _values(facts, locale)
    booking = facts.booking
    booking_id = booking.id or 0
    if kind == actions.NOTIFY_CLIENT_STATUS and payload in _CLIENT_STATUS:
        text = _text(locale, _CLIENT_STATUS[payload], **values)
        if booking.reason and payload in (Event.DECLINED, Event.CANCELLED):
            text += "\n" + _text(locale, "line.reason", reason=booking.reason)
        buttons: Buttons = ()
        if payload in _BOOK_AGAIN_AFTER:
            again = BookAgain(business_id=booking.business_id).pack()
            buttons = ((_button(locale, "button.book_again", again),),)
        return text, buttons
    if kind == actions.ATTENDANCE_REQUEST:
        answer = [
            AttendanceAnswer(action=a, booking_id=booking_id, version=booking.version).pack()
            for a in ("ok", "rs", "cx")
        ]
        buttons = (
            (_button(locale, "button.attend", answer[0]),),
            (
                _button(locale, "button.reschedule", answer[1]),
                _button(locale, "button.cancel", answer[2]),
            ),
        )
        return _with_address(
            _text(locale, "client.attendance_request", **values), facts, locale
        ), buttons
    if kind == actions.REMINDER:
        return _with_address(_text(locale, "client.reminder", **values), facts, locale), ()
    return None


def _with_address(text: str, facts: Facts, locale: str) -> str:
    if facts.business.address:
        return text + "\n" + _text(locale, "line.address", address=facts.business.address)
    return text


def message(chat_id: int, rendered: tuple[str, Buttons]) -> OutgoingMessage:
    text, buttons = rendered
    return OutgoingMessage(chat_id=chat_id, text=text, buttons=buttons)
