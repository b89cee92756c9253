"""The provider's buttons on notifications and on /agenda, /pending, /next messages.

``pv:<action>:<booking id>:<version>:<arg>``: ``cf`` confirm, ``dc`` decline (asks a reason),
``dr`` decline with preset reason ``arg`` (0: the provider types it), ``cx`` cancel (asks a
reason), ``xr`` cancel with reason ``arg``, ``dn`` completed, ``ns`` no-show.

``version`` is the booking's version the button was drawn for. If the booking changed since
(the client moved it, another provider answered), the use case refuses and nothing changes:
the provider reads "This booking changed: it is now ..." with buttons for the booking as it is
(:func:`show_changed`).

Only a Telegram account linked to the booking's business may press them. Anyone else (a
client, a forged ``callback_data``) gets a short "not available" and nothing changes: the
check happens before any use case runs, and the use cases check the business again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.notifications.callbacks import ProviderAction
from domain import booking as use_cases
from domain.errors import BookingChanged, DomainError, TooEarly
from domain.model import Actor, Booking
from i18n import normalize_locale

from .access import Clock, IsProvider, Provider, UowFactory, find_provider, text
from .views import REASONS, booking_keyboard, changed_text, reasons_keyboard

log = logging.getLogger("agendei.provider")

REASON_KEY = "pv_reason"  # FSM data while the provider types a reason
MAX_REASON = 200


class ReasonSG(StatesGroup):
    typing = State()


async def _booking_provider(
    uow_factory: UowFactory, telegram_user_id: int, booking_id: int
) -> Provider | None:
    """The presser acting for the booking's business, or None (not theirs, no such booking)."""
    async with uow_factory(read_only=True) as uow:
        booking = await uow.bookings.get(booking_id)
    if booking is None:
        return None
    return await find_provider(uow_factory, telegram_user_id, booking.business_id)


async def perform(
    uow_factory: UowFactory,
    clock: Clock,
    provider: Provider,
    action: str,
    booking_id: int,
    reason: str = "",
    *,
    version: int,
) -> str:
    """Run the provider's decision on the booking's ``version`` the button was drawn for; the
    "done" text. Raises DomainError when refused (:class:`BookingChanged` if it changed)."""
    now, business_id, actor = clock(), provider.business_id, Actor.provider()
    ids = {"business_id": business_id, "booking_id": booking_id, "expected_version": version}
    if action == "cf":
        await use_cases.confirm(uow_factory(), now=now, actor=actor, **ids)
        return provider.t("done.confirmed")
    if action == "dr":
        await use_cases.decline(uow_factory(), now=now, actor=actor, reason=reason, **ids)
        return provider.t("done.declined")
    if action == "xr":
        await use_cases.cancel_by_provider(
            uow_factory(), now=now, actor=actor, reason=reason, **ids
        )
        return provider.t("done.cancelled")
    if action == "dn":
        await use_cases.complete(uow_factory(), now=now, actor=actor, **ids)
        return provider.t("done.completed")
    if action == "ns":
        await use_cases.mark_no_show(uow_factory(), now=now, actor=actor, **ids)
        return provider.t("done.no_show")
    raise ValueError(action)


async def current_booking(uow_factory: UowFactory, changed: BookingChanged) -> Booking | None:
    """The booking as it is now: carried by the refusal, or read again after a lost race."""
    if changed.current is not None:
        return changed.current
    async with uow_factory(read_only=True) as uow:
        return await uow.bookings.get(changed.booking_id)


async def show_changed(
    uow_factory: UowFactory,
    clock: Clock,
    provider: Provider,
    changed: BookingChanged,
    message: Message | None,
) -> str:
    """Tell the provider what the booking is now, with fresh buttons in a new message; the
    short text (for the press's answer)."""
    booking = await current_booking(uow_factory, changed)
    if booking is None:
        return provider.t("error.already_answered")
    said = changed_text(provider, booking)
    if message is not None:
        await message.answer(said, reply_markup=booking_keyboard(provider, booking, clock()))
    return said


def refusal(provider: Provider, error: DomainError) -> str:
    if isinstance(error, TooEarly):
        return provider.t("error.too_early")
    return provider.t("error.already_answered")


def build_buttons_router(
    *, uow_factory: UowFactory, clock: Clock, wake: Callable[[], None] = lambda: None
) -> Router:
    router = Router(name="provider-buttons")

    async def decide(
        query: CallbackQuery, callback_data: ProviderAction, state: FSMContext
    ) -> None:
        data = callback_data
        provider = await _booking_provider(uow_factory, query.from_user.id, data.booking_id)
        if provider is None:
            log.warning("provider button refused for user %s: %s", query.from_user.id, data)
            locale = normalize_locale(query.from_user.language_code)
            await query.answer(text(locale, "error.not_allowed"), show_alert=True)
            return
        message = query.message if isinstance(query.message, Message) else None
        if data.action in ("dc", "cx"):  # ask why: preset reasons or "Other reason"
            async with uow_factory(read_only=True) as uow:
                booking = await uow.bookings.get(data.booking_id)
            if booking is not None and booking.version != data.version:
                # Don't ask why for a booking that is no longer what the button showed.
                if message is not None:
                    await message.edit_reply_markup(reply_markup=None)
                changed = BookingChanged(data.booking_id, data.version, booking)
                said = await show_changed(uow_factory, clock, provider, changed, message)
                await query.answer(said)
                return
            await query.answer()
            if message is not None:
                action = "dr" if data.action == "dc" else "xr"
                keyboard = reasons_keyboard(provider, action, data.booking_id, data.version)
                await message.edit_reply_markup(reply_markup=keyboard)
            return
        if data.action in ("dr", "xr") and data.arg == 0:  # "Other reason": typed next
            await state.set_state(ReasonSG.typing)
            await state.update_data(
                {
                    REASON_KEY: {
                        "action": data.action,
                        "booking_id": data.booking_id,
                        "version": data.version,
                        "message_id": message.message_id if message is not None else None,
                    }
                }
            )
            await query.answer()
            if message is not None:
                await message.answer(provider.t("reason.ask"))
            return
        reason = ""
        if data.action in ("dr", "xr"):
            if data.arg not in REASONS:
                await query.answer(provider.t("error.not_allowed"), show_alert=True)
                return
            # The client reads the reason: in the business's language, the notice's language.
            reason = text(normalize_locale(provider.business.locale), REASONS[data.arg])
        try:
            done = await perform(
                uow_factory,
                clock,
                provider,
                data.action,
                data.booking_id,
                reason,
                version=data.version,
            )
        except BookingChanged as changed:
            log.info("provider action %s on a changed booking", data)
            if message is not None:  # its buttons are stale: the fresh ones come below
                await message.edit_reply_markup(reply_markup=None)
            said = await show_changed(uow_factory, clock, provider, changed, message)
            await query.answer(said)
            return
        except DomainError as error:
            log.info("provider action %s refused: %s", data, error)
            await query.answer(refusal(provider, error), show_alert=True)
            return
        wake()  # the client's notice is in the outbox: send it now
        await query.answer(done)
        if message is not None and message.text:
            await message.edit_text(f"{message.text}\n\n{done}", reply_markup=None)

    async def typed_reason(message: Message, state: FSMContext, bot: Bot) -> None:
        stored = (await state.get_data()).get(REASON_KEY) or {}
        await state.set_state(None)
        await state.update_data({REASON_KEY: None})
        booking_id = int(stored.get("booking_id") or 0)
        action = str(stored.get("action") or "")
        user = message.from_user
        provider = (
            await _booking_provider(uow_factory, user.id, booking_id) if user is not None else None
        )
        if provider is None or action not in ("dr", "xr"):
            return
        reason = (message.text or "").strip()[:MAX_REASON]
        version = int(stored.get("version") or 0)
        try:
            done = await perform(
                uow_factory, clock, provider, action, booking_id, reason, version=version
            )
        except BookingChanged as changed:
            await show_changed(uow_factory, clock, provider, changed, message)
            return
        except DomainError as error:
            await message.answer(refusal(provider, error))
            return
        wake()
        await message.answer(done)
        original = stored.get("message_id")
        if isinstance(original, int):
            # The reasons keyboard is spent: nobody should press it again.
            try:
                await bot.edit_message_reply_markup(
                    chat_id=message.chat.id, message_id=original, reply_markup=None
                )
            except TelegramAPIError as error:  # best effort: the booking already changed
                log.info("could not clear the reasons keyboard: %s", error)

    router.callback_query.register(
        decide,
        ProviderAction.filter(F.action.in_({"cf", "dc", "dr", "cx", "xr", "dn", "ns"})),
    )
    # Commands typed instead of a reason go on to their handlers (the reason is dropped).
    router.message.register(
        typed_reason,
        StateFilter(ReasonSG.typing),
        F.text,
        ~F.text.startswith("/"),
        IsProvider(uow_factory),
    )
    return router
