"""/block <day> <HH:MM-HH:MM> [reason]: a time off; bookings in the way are listed, not cancelled.

An owner blocks the whole business; a staff member blocks their own time. Bad input gets the
syntax with an example and changes nothing. Typed times follow :mod:`domain.instants`: a time the
clock skips that day is refused, a time that happens twice is offered as buttons, with offsets.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from domain import days_off
from domain.errors import DomainError
from domain.instants import LocalChoice, local_choices
from i18n import format_time

from .access import Clock, IsProvider, Provider, UowFactory
from .agenda import bookings_between, parse_day
from .views import booking_line, day_title, load_views

_SPAN = re.compile(r"^(\d{1,2})(?::(\d{2}))?h?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?h?$")


def parse_span(word: str) -> tuple[time, time] | None:
    """Spans like 14:00-16:00, 14-16 or 9h-12h; None unless a forward span of one day."""
    match = _SPAN.match(word.strip())
    if match is None:
        return None
    try:
        start = time(int(match[1]), int(match[2] or 0))
        end = time(int(match[3]), int(match[4] or 0))
    except ValueError:
        return None
    return (start, end) if start < end else None


def parse_block(args: str, today: datetime) -> tuple[datetime, datetime, str] | None:
    """``args`` as (local start, local end, reason) with naive local times, or None."""
    parts = args.split(maxsplit=2)
    if len(parts) < 2:
        return None
    day = parse_day(parts[0], today.date())
    span = parse_span(parts[1])
    if day is None or span is None:
        return None
    reason = parts[2].strip() if len(parts) > 2 else ""
    return datetime.combine(day, span[0]), datetime.combine(day, span[1]), reason


class BlockPick(CallbackData, prefix="pbk"):
    # The chosen span as UTC minutes since the epoch (a typed time that happens twice).
    start: int
    end: int


PICK = "pbk"  # FSM data key: the reason of the span being picked


def _minutes(instant: datetime) -> int:
    return int(instant.timestamp() // 60)


def build_block_router(*, uow_factory: UowFactory, clock: Clock) -> Router:
    router = Router(name="provider-block")
    is_provider = IsProvider(uow_factory)  # last in each handler: only then a read

    @router.message(Command("block", "bloquear"), is_provider)
    async def block(
        message: Message, command: CommandObject, provider: Provider, state: FSMContext
    ) -> None:
        await state.set_state(None)
        now = clock()
        parsed = parse_block(command.args or "", provider.local(now).replace(tzinfo=None))
        if parsed is None:
            await message.answer(provider.t("block.help"))
            return
        local_start, local_end, reason = parsed
        # Typed local times, by the domain's rules: a skipped time is refused, a repeated one
        # is offered with its offset.
        zone = provider.zone
        starts = local_choices(local_start.date(), local_start.time(), zone)
        ends = local_choices(local_end.date(), local_end.time(), zone)
        for typed, choices in ((local_start, starts), (local_end, ends)):
            if not choices:
                await message.answer(
                    provider.t("block.time_nonexistent", time=format_time(typed, provider.locale))
                )
                return
        spans = [(a, b) for a in starts for b in ends if a.instant < b.instant]
        if not spans:
            await message.answer(provider.t("block.help"))
            return
        if len(spans) == 1:
            await _save(message, provider, spans[0][0].instant, spans[0][1].instant, reason)
            return

        def shown(choice: LocalChoice, typed: datetime, twice: bool) -> str:
            hhmm = format_time(typed, provider.locale)
            return f"{hhmm} ({choice.label})" if twice else hhmm

        buttons = [
            [
                InlineKeyboardButton(
                    text=f"{shown(a, local_start, len(starts) > 1)}–"
                    f"{shown(b, local_end, len(ends) > 1)}",
                    callback_data=BlockPick(
                        start=_minutes(a.instant), end=_minutes(b.instant)
                    ).pack(),
                )
            ]
            for a, b in spans
        ]
        await state.update_data({PICK: reason})
        markup = InlineKeyboardMarkup(inline_keyboard=buttons)
        await message.answer(provider.t("block.time_twice"), reply_markup=markup)

    @router.callback_query(BlockPick.filter(), is_provider)
    async def picked(
        query: CallbackQuery, callback_data: BlockPick, provider: Provider, state: FSMContext
    ) -> None:
        await query.answer()
        if not isinstance(query.message, Message):
            return
        await query.message.edit_reply_markup(reply_markup=None)
        reason = str((await state.get_data()).get(PICK) or "")
        await state.update_data({PICK: None})
        start = datetime.fromtimestamp(callback_data.start * 60, UTC)
        end = datetime.fromtimestamp(callback_data.end * 60, UTC)
        await _save(query.message, provider, start, end, reason)

    async def _save(
        message: Message, provider: Provider, start: datetime, end: datetime, reason: str
    ) -> None:
        try:
            await days_off.add_time_off(
                uow_factory(),
                business_id=provider.business_id,
                staff_id=provider.staff_id,
                start=start,
                end=end,
                reason=reason,
            )
        except DomainError:
            await message.answer(provider.t("block.help"))
            return
        local_start, local_end = provider.local(start), provider.local(end)
        day_start, day_end = provider.day_bounds(local_start.date())
        same_day = await bookings_between(uow_factory, provider, day_start, day_end)
        clashes = [b for b in same_day if b.status.is_active and b.start < end and b.end > start]
        done = provider.t(
            "block.done",
            day=day_title(provider, local_start.date()),
            start=format_time(local_start, provider.locale),
            end=format_time(local_end, provider.locale),
        )
        if not clashes:
            await message.answer(done)
            return
        views = await load_views(uow_factory, clashes)
        lines = "\n".join(f"• {booking_line(provider, v)}" for v in views)
        await message.answer(f"{done}\n\n{provider.t('block.clashes')}\n{lines}")

    return router
