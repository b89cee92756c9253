"""Checks shared by the management use cases: typed text, numbers in range, weekly hours, one-time
form tokens, and "is this row this business's".

Each raises :class:`InvalidInput` (``field``, short code) or :class:`NotFound` before anything is
written, so a refused form leaves no trace. Codes: ``required``, ``too_long``, ``range``,
``invalid``, ``overlap``, ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import time

from .errors import AlreadyDone, InvalidInput, NotFound
from .hours import overlapping_in_day, overlapping_in_week
from .model import Booking, Business, Client, Service, StaffMember, WeeklyInterval
from .ports import PanelUnitOfWork, UnitOfWork
from .text import clean_text, has_visible


def text(field: str, value: str, *, max_len: int, required: bool = False) -> str:
    # NFC, no NUL/zero-width/bidi overrides: what is stored is what the provider sees.
    value = clean_text(value, multiline=True).strip()
    if required and not has_visible(value):
        raise InvalidInput(field, "required")
    if len(value) > max_len:
        raise InvalidInput(field, "too_long")
    return value


def number(field: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(field, "range")
    return value


def check_weekly(hours: Iterable[WeeklyInterval]) -> list[WeeklyInterval]:
    """Sorted intervals; refuses a bad weekday or spans that overlap (field ``hours_<day>``).

    ``end <= start`` is a span past midnight (see :mod:`domain.hours`), not an error.
    """
    out = sorted(hours, key=lambda w: (w.weekday, w.start))
    for w in out:
        if not 0 <= w.weekday <= 6:
            raise InvalidInput("hours", "invalid")
    clash = overlapping_in_week((w.weekday, w.start, w.end) for w in out)
    if clash is not None:
        raise InvalidInput(f"hours_{clash}", "overlap")
    return out


def check_day_spans(
    field: str, spans: Sequence[tuple[time, time]]
) -> tuple[tuple[time, time], ...]:
    """Spans of one date (a special opening day), sorted; overlapping ones are refused."""
    if overlapping_in_day(spans) is not None:
        raise InvalidInput(field, "overlap")
    return tuple(sorted(spans))


async def claim_once(uow: PanelUnitOfWork, business_id: int, once: str | None) -> None:
    """Inside the creating transaction: a creation form posted twice (double tap, Back and send
    again) carries the same token, and the second post raises :class:`AlreadyDone`."""
    if once is None:
        return
    if not 8 <= len(once) <= 64:
        raise InvalidInput("once", "invalid")
    if not await uow.panel.claim_form_token(business_id, once):
        raise AlreadyDone()


async def owned_business(uow: UnitOfWork, business_id: int) -> Business:
    business = await uow.businesses.get(business_id)
    if business is None:
        raise NotFound("business", business_id)
    return business


async def owned_service(uow: UnitOfWork, business_id: int, service_id: int) -> Service:
    service = await uow.services.get(service_id)
    if service is None or service.business_id != business_id:
        raise NotFound("service", service_id)
    return service


async def owned_staff(uow: UnitOfWork, business_id: int, staff_id: int) -> StaffMember:
    member = await uow.staff.get(staff_id)
    if member is None or member.business_id != business_id:
        raise NotFound("staff", staff_id)
    return member


async def owned_booking(uow: UnitOfWork, business_id: int, booking_id: int) -> Booking:
    """The booking with its history, if it is this business's; ``NotFound`` otherwise."""
    booking = await uow.bookings.get(booking_id)
    if booking is None or booking.business_id != business_id:
        raise NotFound("booking", booking_id)
    return booking


async def owned_client(uow: UnitOfWork, business_id: int, client_id: int) -> Client:
    client = await uow.clients.get(client_id)
    if client is None or client.business_id != business_id:
        raise NotFound("client", client_id)
    return client
