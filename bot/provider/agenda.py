"""/agenda [hoje|amanhã|dd/mm], /pending and /next: the provider's day, one message a booking.

Each booking is its own message with the buttons that fit it, so a press edits just that one.
An owner sees every professional; a staff member sees their own bookings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from itertools import groupby

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from domain.model import Booking, BookingStatus

from .access import Clock, IsProvider, Provider, UowFactory
from .views import BookingView, booking_keyboard, booking_line, day_title

TODAY = {"", "hoje", "today"}
TOMORROW = {"amanhã", "amanha", "tomorrow"}
_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
NEXT_HORIZON = timedelta(days=90)
SHOWN = (
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
)


def parse_day(word: str, today: date) -> date | None:
    """Today/tomorrow words ("hoje", "amanhã"...) or dd/mm[/yyyy]; a past dd/mm is next year."""
    word = word.strip().casefold()
    if word in TODAY:
        return today
    if word in TOMORROW:
        return today + timedelta(days=1)
    match = _DAY.match(word)
    if match is None:
        return None
    day, month, year = int(match[1]), int(match[2]), match[3]
    try:
        if year:
            return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        found = date(today.year, month, day)
        # "25/01" typed in December is next January, not eleven months ago.
        return found if found >= today - timedelta(days=31) else found.replace(year=today.year + 1)
    except ValueError:
        return None


async def load_views(uow_factory: UowFactory, bookings: Sequence[Booking]) -> list[BookingView]:
    """Client and professional names for each booking (a day's worth: a few reads)."""
    views = []
    async with uow_factory(read_only=True) as uow:
        staff_names: dict[int, str] = {}
        for booking in bookings:
            if booking.staff_id not in staff_names:
                member = await uow.staff.get(booking.staff_id)
                staff_names[booking.staff_id] = member.name if member is not None else ""
            client = await uow.clients.get(booking.client_id)
            views.append(
                BookingView(
                    booking,
                    client.name if client is not None else "",
                    client.phone if client is not None else "",
                    staff_names[booking.staff_id],
                )
            )
    return views


async def bookings_between(
    uow_factory: UowFactory, provider: Provider, start: datetime, end: datetime
) -> list[Booking]:
    async with uow_factory(read_only=True) as uow:
        found = await uow.bookings.for_business_between(provider.business_id, start, end)
    shown = [b for b in found if provider.sees(b) and b.status in SHOWN and start <= b.start < end]
    return sorted(shown, key=lambda b: (b.start, b.id or 0))


async def send_bookings(
    message: Message, provider: Provider, views: Sequence[BookingView], now: datetime, **kw: bool
) -> None:
    for view in views:
        await message.answer(
            booking_line(provider, view, **kw),
            reply_markup=booking_keyboard(provider, view.booking, now),
        )


def build_agenda_router(*, uow_factory: UowFactory, clock: Clock) -> Router:
    router = Router(name="provider-agenda")
    is_provider = IsProvider(uow_factory)  # last in each handler: only then a read

    @router.message(Command("agenda"), is_provider)
    async def agenda(
        message: Message, command: CommandObject, provider: Provider, state: FSMContext
    ) -> None:
        await state.set_state(None)
        now = clock()
        day = parse_day(command.args or "", provider.today(now))
        if day is None:
            await message.answer(provider.t("agenda.help"))
            return
        start, end = provider.day_bounds(day)
        views = await load_views(
            uow_factory, await bookings_between(uow_factory, provider, start, end)
        )
        title = day_title(provider, day)
        if not views:
            await message.answer(provider.t("agenda.empty", day=title))
            return
        await message.answer(provider.t("agenda.title", day=title, count=len(views)))
        for staff_name, group in groupby(
            sorted(views, key=lambda v: (v.staff_name, v.booking.start)), key=lambda v: v.staff_name
        ):
            await message.answer(provider.t("agenda.staff", staff=staff_name))
            await send_bookings(message, provider, list(group), now)

    @router.message(Command("pending", "pendentes"), is_provider)
    async def pending(message: Message, provider: Provider, state: FSMContext) -> None:
        await state.set_state(None)
        async with uow_factory(read_only=True) as uow:
            found = await uow.bookings.pending_for_business(provider.business_id)
        requests = sorted((b for b in found if provider.sees(b)), key=lambda b: b.start)
        if not requests:
            await message.answer(provider.t("pending.empty"))
            return
        await message.answer(provider.t("pending.title", count=len(requests)))
        views = await load_views(uow_factory, requests)
        await send_bookings(message, provider, views, clock(), with_day=True)

    @router.message(Command("next", "proximo"), is_provider)
    async def next_booking(message: Message, provider: Provider, state: FSMContext) -> None:
        await state.set_state(None)
        now = clock()
        found = await bookings_between(uow_factory, provider, now, now + NEXT_HORIZON)
        upcoming = [b for b in found if b.status.is_active]
        if not upcoming:
            await message.answer(provider.t("next.empty"))
            return
        views = await load_views(uow_factory, upcoming[:1])
        await message.answer(provider.t("next.title"))
        await send_bookings(message, provider, views, now, with_day=True)

    return router
