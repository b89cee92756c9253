"""Completed / No-show pressed in the morning-after list (``pv:dn|ns:<booking id>:1``).

The same decision as on a single booking's message (:func:`bot.provider.buttons.perform`, with
the same access check), but the list holds several bookings: a press removes only that
booking's row of buttons and adds "<number> · done" to the text, so the others stay pressable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.notifications.callbacks import ProviderAction
from domain.errors import BookingChanged, DomainError
from i18n import normalize_locale

from .access import Clock, UowFactory, text
from .buttons import _booking_provider, perform, refusal, show_changed

log = logging.getLogger("agendei.provider")

LIST_ARG = 1  # bot.notifications.daily.LIST_ARG (the notification side of this contract)
LABEL_SEP = " · "


def _without(
    markup: InlineKeyboardMarkup | None, booking_id: int
) -> tuple[InlineKeyboardMarkup | None, str]:
    """The keyboard minus the booking's row, and the number its buttons showed."""
    if markup is None:
        return None, ""
    kept, number = [], ""
    for row in markup.inline_keyboard:
        datas = [ProviderAction.unpack(b.callback_data) for b in row if b.callback_data]
        if any(d.booking_id == booking_id for d in datas):
            number = row[0].text.split(LABEL_SEP, 1)[0] if LABEL_SEP in row[0].text else ""
            continue
        kept.append(row)
    return (InlineKeyboardMarkup(inline_keyboard=kept) if kept else None), number


def build_daily_buttons_router(
    *, uow_factory: UowFactory, clock: Clock, wake: Callable[[], None] = lambda: None
) -> Router:
    router = Router(name="provider-daily-buttons")

    async def mark(query: CallbackQuery, callback_data: ProviderAction) -> None:
        data = callback_data
        provider = await _booking_provider(uow_factory, query.from_user.id, data.booking_id)
        if provider is None:
            log.warning("provider list button refused for user %s: %s", query.from_user.id, data)
            locale = normalize_locale(query.from_user.language_code)
            await query.answer(text(locale, "error.not_allowed"), show_alert=True)
            return
        message = query.message if isinstance(query.message, Message) else None
        try:
            done = await perform(
                uow_factory, clock, provider, data.action, data.booking_id, version=data.version
            )
        except BookingChanged as changed:
            # Only this booking's row is stale: drop it, the rest of the list stays pressable.
            if message is not None and message.text:
                keyboard, _ = _without(message.reply_markup, data.booking_id)
                await message.edit_reply_markup(reply_markup=keyboard)
            await query.answer(await show_changed(uow_factory, clock, provider, changed, message))
            return
        except DomainError as error:
            log.info("provider list action %s refused: %s", data, error)
            await query.answer(refusal(provider, error), show_alert=True)
            return
        wake()
        await query.answer(done)
        if message is not None and message.text:
            keyboard, number = _without(message.reply_markup, data.booking_id)
            line = f"{number}{LABEL_SEP}{done}" if number else done
            await message.edit_text(f"{message.text}\n\n{line}", reply_markup=keyboard)

    router.callback_query.register(
        mark, ProviderAction.filter((F.action.in_({"dn", "ns"})) & (F.arg == LIST_ARG))
    )
    return router
