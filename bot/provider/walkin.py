"""/book: a walk-in or phone client, in four taps and a name.

Service -> day -> time (buttons; the minimum notice does not apply, overlaps never happen:
the times offered are the free ones and ``book`` checks again under a lock) -> client's name ->
phone or "Skip". The booking is made with ``on_behalf_of_provider=True`` (confirmed at once)
and one idempotency key per flow, so a double tap on the last step books once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from domain import booking as use_cases
from domain import clients
from domain.availability import Slot
from domain.errors import DomainError, SlotNotOffered, SlotTaken
from domain.instants import repeated_hour_label
from domain.model import Actor, BookingSource
from i18n import format_date, format_time
from i18n.phones import normalize_phone

from .access import Clock, IsProvider, Provider, UowFactory
from .views import booking_line, day_title, load_views

FLOW = "pw"  # FSM data key of the flow in progress
DAYS_AHEAD = 14
DAYS_SHOWN = 7
TIMES_SHOWN = 48
MAX_NAME = 120


class WalkIn(CallbackData, prefix="pw"):
    # s service, d day (ordinal), t time (UTC minutes since the epoch), p skip the phone
    step: str
    value: int = 0


class WalkInSG(StatesGroup):
    name = State()
    phone = State()


def _rows(buttons: list[InlineKeyboardButton], width: int) -> InlineKeyboardMarkup:
    rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _slots(
    uow_factory: UowFactory,
    provider: Provider,
    now: datetime,
    service_id: int,
    days: tuple[date, date],
) -> list[Slot]:
    return await use_cases.find_slots(
        uow_factory(read_only=True),
        now=now,
        business_id=provider.business_id,
        service_ids=[service_id],
        staff_id=provider.staff_id,
        first_day=days[0],
        last_day=days[1],
        ignore_notice=True,
    )


def build_walkin_router(
    *, uow_factory: UowFactory, clock: Clock, wake: Callable[[], None] = lambda: None
) -> Router:
    router = Router(name="provider-walkin")
    is_provider = IsProvider(uow_factory)  # last in each handler: only then a read

    async def flow(state: FSMContext) -> dict[str, Any]:
        data = (await state.get_data()).get(FLOW)
        return data if isinstance(data, dict) else {}

    async def expired(query: CallbackQuery, provider: Provider) -> None:
        await query.answer(provider.t("walkin.expired"), show_alert=True)

    @router.message(Command("book", "encaixe"), is_provider)
    async def start(message: Message, provider: Provider, state: FSMContext) -> None:
        await state.set_state(None)
        services = await clients.bookable_services(
            uow_factory(read_only=True), provider.business_id
        )
        if not services:
            await message.answer(provider.t("walkin.no_services"))
            return
        await state.update_data({FLOW: {"key": f"pw:{uuid.uuid4().hex}"}})
        buttons = [
            InlineKeyboardButton(
                text=f"{s.name} · {s.duration_minutes} min",
                callback_data=WalkIn(step="s", value=s.id or 0).pack(),
            )
            for s in services
        ]
        await message.answer(provider.t("walkin.service"), reply_markup=_rows(buttons, 1))

    @router.callback_query(WalkIn.filter(F.step == "s"), is_provider)
    async def on_service(
        query: CallbackQuery, callback_data: WalkIn, provider: Provider, state: FSMContext
    ) -> None:
        data = await flow(state)
        if not data:
            await expired(query, provider)
            return
        now = clock()
        today = provider.today(now)
        slots = await _slots(
            uow_factory,
            provider,
            now,
            callback_data.value,
            (today, today + timedelta(days=DAYS_AHEAD)),
        )
        # The day a slot is listed under: 01:00 in Saturday night's span is Saturday's.
        days = sorted({s.local_day for s in slots})[:DAYS_SHOWN]
        await query.answer()
        if not days:
            await _edit(query, provider.t("walkin.no_days"))
            return
        await state.update_data({FLOW: {**data, "service": callback_data.value}})
        buttons = [
            InlineKeyboardButton(
                text=format_date(day, provider.locale, "EEE dd/MM"),
                callback_data=WalkIn(step="d", value=day.toordinal()).pack(),
            )
            for day in days
        ]
        await _edit(query, provider.t("walkin.day"), _rows(buttons, 2))

    @router.callback_query(WalkIn.filter(F.step == "d"), is_provider)
    async def on_day(
        query: CallbackQuery, callback_data: WalkIn, provider: Provider, state: FSMContext
    ) -> None:
        data = await flow(state)
        if "service" not in data:
            await expired(query, provider)
            return
        await query.answer()
        await _offer_times(query, provider, data, date.fromordinal(callback_data.value), state)

    async def _offer_times(
        query: CallbackQuery, provider: Provider, data: dict[str, Any], day: date, state: FSMContext
    ) -> None:
        slots = await _slots(uow_factory, provider, clock(), int(data["service"]), (day, day))
        if not slots:
            await _edit(query, provider.t("walkin.no_times"))
            return
        await state.update_data({FLOW: {**data, "day": day.toordinal()}})
        times: dict[str, int] = defaultdict(int)
        for slot in slots[:TIMES_SHOWN]:
            label = format_time(provider.local(slot.start), provider.locale)
            twice = repeated_hour_label(slot.start, provider.zone)  # "01:30 (EST)": which 01:30
            label = f"{label} ({twice})" if twice else label
            times[label] = int(slot.start.timestamp() // 60)
        buttons = [
            InlineKeyboardButton(text=label, callback_data=WalkIn(step="t", value=minutes).pack())
            for label, minutes in times.items()
        ]
        title = day_title(provider, day)
        await _edit(query, provider.t("walkin.time", day=title), _rows(buttons, 4))

    @router.callback_query(WalkIn.filter(F.step == "t"), is_provider)
    async def on_time(
        query: CallbackQuery, callback_data: WalkIn, provider: Provider, state: FSMContext
    ) -> None:
        data = await flow(state)
        if "service" not in data:
            await expired(query, provider)
            return
        await state.update_data({FLOW: {**data, "start": callback_data.value}})
        await state.set_state(WalkInSG.name)
        await query.answer()
        await _edit(query, provider.t("walkin.name"))

    @router.message(StateFilter(WalkInSG.name), F.text, ~F.text.startswith("/"), is_provider)
    async def on_name(message: Message, provider: Provider, state: FSMContext) -> None:
        name = (message.text or "").strip()
        if not name or len(name) > MAX_NAME:
            await message.answer(provider.t("walkin.name"))
            return
        data = await flow(state)
        await state.update_data({FLOW: {**data, "name": name}})
        await state.set_state(WalkInSG.phone)
        skip = InlineKeyboardButton(
            text=provider.t("walkin.skip_phone"), callback_data=WalkIn(step="p").pack()
        )
        await message.answer(provider.t("walkin.phone"), reply_markup=_rows([skip], 1))

    @router.message(StateFilter(WalkInSG.phone), F.text, ~F.text.startswith("/"), is_provider)
    async def on_phone(message: Message, provider: Provider, state: FSMContext) -> None:
        phone = normalize_phone(message.text or "")
        if phone is None:
            await message.answer(provider.t("walkin.phone_invalid"))
            return
        await _finish(message, provider, state, phone)

    @router.callback_query(WalkIn.filter(F.step == "p"), StateFilter(WalkInSG.phone), is_provider)
    async def on_skip(query: CallbackQuery, provider: Provider, state: FSMContext) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=None)
            await _finish(query.message, provider, state, "")

    async def _finish(message: Message, provider: Provider, state: FSMContext, phone: str) -> None:
        data = await flow(state)
        if not {"service", "start", "name"} <= data.keys():
            await message.answer(provider.t("walkin.expired"))
            return
        now = clock()
        try:
            client = await clients.add_walk_in_client(
                uow_factory(), business_id=provider.business_id, name=data["name"], phone=phone
            )
            booking = await use_cases.book(
                uow_factory(),
                now=now,
                business_id=provider.business_id,
                client_id=client.id or 0,
                service_ids=[int(data["service"])],
                staff_id=provider.staff_id,
                start=datetime.fromtimestamp(int(data["start"]) * 60, tz=UTC),
                source=BookingSource.PROVIDER_CHAT,
                idempotency_key=str(data["key"]),
                actor=Actor.provider(),
                on_behalf_of_provider=True,
            )
        except SlotTaken:
            await state.set_state(None)
            await message.answer(provider.t("walkin.taken"))
            return
        except SlotNotOffered:  # not a race: the time is outside what may be booked
            await state.set_state(None)
            await message.answer(provider.t("walkin.not_offered"))
            return
        except DomainError:
            await state.set_state(None)
            await message.answer(provider.t("walkin.failed"))
            return
        wake()  # reminders and the other staff's notices are in the outbox: send them now
        await state.set_state(None)
        await state.update_data({FLOW: None})
        [view] = await load_views(uow_factory, [booking])
        await message.answer(
            provider.t("walkin.done", booking=booking_line(provider, view, with_day=True))
        )

    return router


async def _edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)
