"""/block <day> <HH:MM-HH:MM> [reason]: a time off; bookings in the way are listed, not cancelled.

An owner blocks the whole business; a staff member blocks their own time. Bad input gets the
syntax with an example and changes nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, time

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from domain import panel_admin
from domain.errors import DomainError
from i18n import format_time

from .access import Clock, IsProvider, Provider, UowFactory
from .agenda import bookings_between, load_views, parse_day
from .views import booking_line, day_title

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
        start = local_start.replace(tzinfo=provider.zone)
        end = local_end.replace(tzinfo=provider.zone)
        try:
            await panel_admin.add_time_off(
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
