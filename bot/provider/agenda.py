"""/agenda [hoje|amanhã|dd/mm], /pending and /next: the provider's day, one message a booking.

/agenda first sends the day's title with its navigation (◀ ▶ a day, today, tomorrow, the week),
then each booking as its own message (time, client, services, notes, whether the client
confirmed, how to reach them) with the buttons that fit it, so a press edits just that one.
The decisions (confirm, decline, cancel, done, no-show) are the shared ``pv:`` buttons of
:mod:`bot.provider.buttons`; this module adds the agenda's own ``ag:`` presses: moving between
days and weeks, rescheduling to a free time, and booking a finished visit again.

An owner sees every professional; a staff member sees their own bookings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import groupby

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from domain import booking as use_cases
from domain import noshow
from domain.agenda_days import agenda_days, agenda_window
from domain.attendance import attendance_of
from domain.errors import BookingChanged, DomainError, SlotTaken
from domain.model import Actor, Booking, BookingSource, BookingStatus
from domain.rebooking import rebooking_offer
from i18n import format_date, normalize_locale

from .access import Clock, IsProvider, Provider, UowFactory, find_provider, text
from .buttons import show_changed
from .views import (
    AgendaData,
    BookingView,
    agenda_card,
    agenda_keyboard,
    booking_line,
    day_title,
    load_views,
)

TODAY = {"", "hoje", "today"}
TOMORROW = {"amanhã", "amanha", "tomorrow"}
WEEK = {"semana", "week"}
_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
NEXT_HORIZON = timedelta(days=90)
SHOWN = (
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
)
MAX_TIMES = 12  # free times offered on one reschedule screen
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


def to_minute(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds() // 60)


def from_minute(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=minute)


async def bookings_between(
    uow_factory: UowFactory,
    provider: Provider,
    start: datetime,
    end: datetime,
    *,
    with_cant_come: bool = False,
) -> list[Booking]:
    """The provider's bookings starting in [start, end); ``with_cant_come`` adds the visits the
    client cancelled ("said they can't come"), read with their history to know who cancelled."""
    async with uow_factory(read_only=True) as uow:
        found = await uow.bookings.for_business_between(provider.business_id, start, end)
        mine = [b for b in found if provider.sees(b) and start <= b.start < end]
        shown = [b for b in mine if b.status in SHOWN]
        if with_cant_come:
            for b in mine:
                if b.status is BookingStatus.CANCELLED and b.id is not None:
                    full = await uow.bookings.get(b.id)
                    if full is not None and attendance_of(full) is not None:
                        shown.append(full)
    return sorted(shown, key=lambda b: (b.start, b.id or 0))


async def bookings_by_day(
    uow_factory: UowFactory,
    provider: Provider,
    first: date,
    last: date,
    *,
    with_cant_come: bool = False,
) -> dict[date, list[Booking]]:
    """The provider's bookings of each day ``first``..``last``, listed under the day whose
    working span they start in: 01:00 Saturday in Friday's 18:00–02:00 is Friday's, as in the
    panel's agenda and the slot search."""
    start, end = agenda_window(provider.business, first, last)
    found = await bookings_between(uow_factory, provider, start, end, with_cant_come=with_cant_come)
    days = await agenda_days(
        uow_factory(read_only=True), business=provider.business, bookings=found
    )
    by_day: dict[date, list[Booking]] = {
        first + timedelta(days=n): [] for n in range((last - first).days + 1)
    }
    for booking in found:
        listed = days.get(booking.id or 0, provider.today(booking.start))
        if listed in by_day:
            by_day[listed].append(booking)
    return by_day


async def send_bookings(
    message: Message,
    provider: Provider,
    views: Sequence[BookingView],
    now: datetime,
    *,
    with_day: bool = False,
) -> None:
    for view in views:
        await message.answer(
            agenda_card(provider, view, now, with_day=with_day),
            parse_mode="HTML",
            reply_markup=agenda_keyboard(provider, view.booking, now, held=view.held),
        )


def _nav(provider: Provider, day: date, today: date) -> InlineKeyboardMarkup:
    """◀ the day before · today · tomorrow · the day after ▶, and the week."""

    def go(label: str, target: date, view: str = "d") -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=label, callback_data=AgendaData(v=view, n=target.toordinal()).pack()
        )

    before, after = day - timedelta(days=1), day + timedelta(days=1)
    row = [go(f"◀ {before:%d/%m}", before)]
    if day != today:
        row.append(go(provider.t("agenda.today"), today))
    if day != today + timedelta(days=1):
        row.append(go(provider.t("agenda.tomorrow"), today + timedelta(days=1)))
    row.append(go(f"{after:%d/%m} ▶", after))
    return InlineKeyboardMarkup(inline_keyboard=[row, [go(provider.t("agenda.week"), day, "w")]])


def _week_nav(provider: Provider, monday: date, counts: dict[date, int]) -> InlineKeyboardMarkup:
    """One button per day ("seg 09/03 · 3") opens it; ◀ ▶ move by a week."""
    days = [
        InlineKeyboardButton(
            text=f"{format_date(d, provider.locale, 'EEE dd/MM')} · {counts.get(d, 0)}",
            callback_data=AgendaData(v="d", n=d.toordinal()).pack(),
        )
        for d in (monday + timedelta(days=n) for n in range(7))
    ]
    rows = [days[i : i + 2] for i in range(0, 7, 2)]
    prev, nxt = monday - timedelta(days=7), monday + timedelta(days=7)
    rows.append(
        [
            InlineKeyboardButton(
                text=f"◀ {prev:%d/%m}", callback_data=AgendaData(v="w", n=prev.toordinal()).pack()
            ),
            InlineKeyboardButton(
                text=f"{nxt:%d/%m} ▶", callback_data=AgendaData(v="w", n=nxt.toordinal()).pack()
            ),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _times_keyboard(
    provider: Provider,
    kind: str,
    booking: Booking,
    starts: Sequence[datetime],
    with_day: bool,
) -> list[list[InlineKeyboardButton]]:
    buttons = []
    for start in starts:
        local = provider.local(start)
        label = f"{local:%d/%m %H:%M}" if with_day else f"{local:%H:%M}"
        data = AgendaData(v=kind, n=booking.id or 0, m=to_minute(start), k=booking.version).pack()
        buttons.append(InlineKeyboardButton(text=label, callback_data=data))
    per_row = 2 if with_day else 4
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def build_agenda_router(
    *, uow_factory: UowFactory, clock: Clock, wake: Callable[[], None] = lambda: None
) -> Router:
    router = Router(name="provider-agenda")
    is_provider = IsProvider(uow_factory)  # last in each handler: only then a read

    async def show_day(message: Message, provider: Provider, day: date) -> None:
        now = clock()
        found = await bookings_by_day(uow_factory, provider, day, day, with_cant_come=True)
        views = await load_views(uow_factory, found[day])
        title = day_title(provider, day)
        nav = _nav(provider, day, provider.today(now))
        if not views:
            await message.answer(provider.t("agenda.empty", day=title), reply_markup=nav)
            return
        await message.answer(
            provider.t("agenda.title", day=title, count=len(views))
            + "\n"
            + provider.t("agenda.jump"),
            reply_markup=nav,
        )
        for staff_name, group in groupby(
            sorted(views, key=lambda v: (v.staff_name, v.booking.start)), key=lambda v: v.staff_name
        ):
            await message.answer(provider.t("agenda.staff", staff=staff_name))
            await send_bookings(message, provider, list(group), now)

    async def show_week(message: Message, provider: Provider, day: date, edit: bool) -> None:
        monday = day - timedelta(days=day.weekday())
        found = await bookings_by_day(uow_factory, provider, monday, monday + timedelta(days=6))
        counts = {listed: len(bookings) for listed, bookings in found.items()}
        text = provider.t(
            "agenda.week_title",
            first=day_title(provider, monday),
            last=day_title(provider, monday + timedelta(days=6)),
            count=sum(counts.values()),
        )
        keyboard = _week_nav(provider, monday, counts)
        if edit:
            await message.edit_text(text, reply_markup=keyboard)
        else:
            await message.answer(text, reply_markup=keyboard)

    @router.message(Command("agenda"), is_provider)
    async def agenda(
        message: Message, command: CommandObject, provider: Provider, state: FSMContext
    ) -> None:
        await state.set_state(None)
        word = (command.args or "").strip()
        today = provider.today(clock())
        if word.casefold() in WEEK:
            await show_week(message, provider, today, edit=False)
            return
        day = parse_day(word, today)
        if day is None:
            await message.answer(provider.t("agenda.help"))
            return
        await show_day(message, provider, day)

    async def own_booking(query: CallbackQuery, booking_id: int) -> tuple[Provider, Booking] | None:
        """The booking and the presser acting for its business (and seeing it), or None."""
        async with uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None:
            return None
        provider = await find_provider(uow_factory, query.from_user.id, booking.business_id)
        if provider is None or not provider.sees(booking):
            return None
        return provider, booking

    async def refuse(query: CallbackQuery, provider: Provider | None = None) -> None:
        locale = provider.locale if provider else normalize_locale(query.from_user.language_code)
        await query.answer(text(locale, "error.not_allowed"), show_alert=True)

    @router.callback_query(AgendaData.filter())
    async def pressed(query: CallbackQuery, callback_data: AgendaData) -> None:
        data = callback_data
        message = query.message if isinstance(query.message, Message) else None
        if data.v in ("d", "w"):
            provider = await find_provider(uow_factory, query.from_user.id)
            if provider is None or message is None or not 1 <= data.n <= date.max.toordinal():
                await refuse(query)
                return
            await query.answer()
            day = date.fromordinal(data.n)
            if data.v == "w":
                await show_week(message, provider, day, edit=True)
            else:
                await show_day(message, provider, day)
            return
        found = await own_booking(query, data.n)
        if found is None or message is None:
            await refuse(query)
            return
        provider, booking = found
        if data.v == "r":
            await offer_reschedule(query, message, provider, booking, data.m)
        elif data.v == "t":
            await move(query, message, provider, booking, from_minute(data.m), data.k)
        elif data.v == "a":
            await offer_again(query, message, provider, booking)
        elif data.v == "b":
            await book_again(query, message, provider, booking, from_minute(data.m))
        elif data.v == "f":
            await noshow.forgive_no_shows(
                uow_factory(),
                business_id=provider.business_id,
                client_id=booking.client_id,
                now=clock(),
            )
            await query.answer(provider.t("done.forgiven"))
            if message.text:
                await message.edit_text(
                    f"{message.text}\n\n{provider.t('done.forgiven')}",
                    reply_markup=agenda_keyboard(provider, booking, clock()),
                )
        else:
            await refuse(query, provider)

    async def offer_reschedule(
        query: CallbackQuery, message: Message, provider: Provider, booking: Booking, ordinal: int
    ) -> None:
        now = clock()
        if not booking.status.is_active or booking.start <= now:
            await query.answer(provider.t("error.already_answered"), show_alert=True)
            return
        today = provider.today(now)
        day = provider.today(booking.start)
        if 1 <= ordinal <= date.max.toordinal():
            day = max(date.fromordinal(ordinal), today)
        slots = await use_cases.find_slots(
            uow_factory(read_only=True),
            now=now,
            business_id=booking.business_id,
            service_ids=list(booking.service_ids),
            staff_id=booking.staff_id,
            first_day=day,
            last_day=day,
            ignore_notice=True,
            exclude_booking_id=booking.id,
        )
        starts = [s.start for s in slots if s.start != booking.start and s.start > now]
        rows = _times_keyboard(provider, "t", booking, starts[:MAX_TIMES], False)
        days = []
        if day > today:
            before = day - timedelta(days=1)
            days.append(
                InlineKeyboardButton(
                    text=f"◀ {before:%d/%m}",
                    callback_data=AgendaData(v="r", n=booking.id or 0, m=before.toordinal()).pack(),
                )
            )
        after = day + timedelta(days=1)
        days.append(
            InlineKeyboardButton(
                text=f"{after:%d/%m} ▶",
                callback_data=AgendaData(v="r", n=booking.id or 0, m=after.toordinal()).pack(),
            )
        )
        rows.append(days)
        key = "reschedule.times" if starts else "reschedule.none"
        await query.answer()
        await message.answer(
            provider.t(key, day=day_title(provider, day)),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )

    async def move(
        query: CallbackQuery,
        message: Message,
        provider: Provider,
        booking: Booking,
        start: datetime,
        version: int,
    ) -> None:
        try:
            moved = await use_cases.reschedule(
                uow_factory(),
                now=clock(),
                business_id=provider.business_id,
                booking_id=booking.id or 0,
                new_start=start,
                actor=Actor.provider(),
                new_staff_id=booking.staff_id,
                expected_version=version,
            )
        except BookingChanged as changed:  # drawn before the client (or anyone) changed it
            await message.edit_reply_markup(reply_markup=None)
            await query.answer(await show_changed(uow_factory, clock, provider, changed, message))
            return
        except SlotTaken:
            await query.answer(provider.t("reschedule.taken"), show_alert=True)
            return
        except DomainError:
            await query.answer(provider.t("error.already_answered"), show_alert=True)
            return
        wake()  # the client's notice is in the outbox
        local = provider.local(moved.start)
        done = provider.t(
            "reschedule.done", day=day_title(provider, local.date()), time=f"{local:%H:%M}"
        )
        await query.answer(done)
        await message.edit_text(done, reply_markup=None)

    async def offer_again(
        query: CallbackQuery, message: Message, provider: Provider, booking: Booking
    ) -> None:
        offered = await rebooking_offer(
            uow_factory(read_only=True), now=clock(), booking=booking, zone=provider.zone
        )
        await query.answer()
        if not offered:
            await message.answer(provider.t("again.none"))
            return
        rows = _times_keyboard(provider, "b", booking, offered, True)
        await message.answer(
            provider.t("again.times", services=" + ".join(i.name for i in booking.items)),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )

    async def book_again(
        query: CallbackQuery,
        message: Message,
        provider: Provider,
        booking: Booking,
        start: datetime,
    ) -> None:
        try:
            made = await use_cases.book(
                uow_factory(),
                now=clock(),
                business_id=booking.business_id,
                client_id=booking.client_id,
                service_ids=list(booking.service_ids),
                staff_id=booking.staff_id,
                start=start,
                source=BookingSource.PROVIDER_CHAT,
                # One press, one booking: a double tap returns the first one.
                idempotency_key=f"again:{booking.id}:{to_minute(start)}",
                actor=Actor.provider(),
                on_behalf_of_provider=True,
            )
        except SlotTaken:
            await query.answer(provider.t("reschedule.taken"), show_alert=True)
            return
        except DomainError:
            await query.answer(provider.t("error.already_answered"), show_alert=True)
            return
        wake()
        views = await load_views(uow_factory, [made])
        done = provider.t("again.done", booking=booking_line(provider, views[0], with_day=True))
        await query.answer()
        await message.edit_text(done, reply_markup=None)

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
        views = [
            replace(
                view,
                held=bool(
                    await noshow.held_count(
                        uow_factory(read_only=True),
                        business_id=provider.business_id,
                        client_id=view.booking.client_id,
                        now=clock(),
                    )
                ),
            )
            for view in await load_views(uow_factory, requests)
        ]
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
