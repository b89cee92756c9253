"""Client-side buttons born from notifications: the attendance request and "book again".

* ``at:ok:<id>:<version>``: "I'll be there" -> ``confirm_attendance`` (the provider sees it);
* ``at:cx:<id>:<version>``: cancel within the business's policy; too late -> the deadline and
  the phone;
* ``at:rs:<id>:<version>``: open the client's reschedule dialog on that booking (within policy);
* ``bk:<business id>``: the booking dialog of that business, after an expiry or a decline.

Every booking id is checked against the presser: the booking's client must be this Telegram
account. Forged or foreign data gets "not found" and changes nothing. A button drawn for an
older version of the booking (the provider moved or cancelled it since) changes nothing either:
the client reads what the booking is now, with buttons for that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.notifications.callbacks import AttendanceAnswer, BookAgain
from dialogs.context import ChatContext
from dialogs.main_menu import remember_business
from dialogs.states import BookSG, MainSG
from domain import booking as use_cases
from domain import clients
from domain.errors import (
    BookingChanged,
    DomainError,
    InvalidTransition,
    OutsideCancellationWindow,
)
from domain.model import Booking, BookingEventName, Business, Client
from i18n import format_datetime, format_day_time, load_catalog, normalize_locale

from .access import Clock, UowFactory, text

log = logging.getLogger("agendei.client_buttons")


async def _own_booking(
    uow_factory: UowFactory, telegram_user_id: int, booking_id: int
) -> tuple[Booking, Client, Business] | None:
    async with uow_factory(read_only=True) as uow:
        booking = await uow.bookings.get(booking_id)
        if booking is None:
            return None
        client = await uow.clients.get(booking.client_id)
        if client is None or client.telegram_user_id != telegram_user_id:
            return None
        business = await uow.businesses.get(booking.business_id)
    if business is None:
        return None
    return booking, client, business


def _too_late(locale: str, business: Business, error: OutsideCancellationWindow) -> str:
    deadline = format_datetime(
        error.deadline.astimezone(ZoneInfo(business.timezone)),
        locale,
        "short",
    )
    contact = error.contact or business.phone
    if contact:
        return text(locale, "attend.too_late_contact", deadline=deadline, contact=contact)
    return text(locale, "attend.too_late", deadline=deadline)


def _changed_text(locale: str, business: Business, booking: Booking) -> str:
    when = format_day_time(booking.start.astimezone(ZoneInfo(business.timezone)), locale)
    status = text(locale, f"changed.status.{booking.status.value}")
    return text(locale, "changed.now", when=when, status=status)


def attendance_keyboard(locale: str, booking: Booking) -> InlineKeyboardMarkup | None:
    """The attendance request's buttons for the booking as it is now (None once it is over)."""
    if not booking.can(BookingEventName.CANCELLED):
        return None
    label = load_catalog("notify").text

    def button(key: str, action: str) -> InlineKeyboardButton:
        data = AttendanceAnswer(action=action, booking_id=booking.id or 0, version=booking.version)
        return InlineKeyboardButton(text=label(locale, key), callback_data=data.pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button("button.attend", "ok")],
            [button("button.reschedule", "rs"), button("button.cancel", "cx")],
        ]
    )


async def _show_changed(
    query: CallbackQuery,
    uow_factory: UowFactory,
    locale: str,
    business: Business,
    changed: BookingChanged,
) -> None:
    """The booking moved on since these buttons were drawn: say what it is now, fresh buttons."""
    booking = changed.current
    if booking is None:
        async with uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(changed.booking_id)
    if booking is None:
        await query.answer(text(locale, "attend.not_found"), show_alert=True)
        return
    said = _changed_text(locale, business, booking)
    await query.answer(said)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(said, reply_markup=attendance_keyboard(locale, booking))


async def _done(query: CallbackQuery, said: str) -> None:
    """Answer the press and mark the request as answered (its buttons are spent)."""
    await query.answer(said)
    if isinstance(query.message, Message) and query.message.text:
        await query.message.edit_text(f"{query.message.text}\n\n{said}", reply_markup=None)


async def _enter_business(
    ctx: ChatContext, state: FSMContext, business: Business, client: Client
) -> None:
    """Make this chat talk about ``business`` as ``client`` (the dialogs read ``ctx``)."""
    await remember_business(ctx, state, business.id or 0)
    ctx.business, ctx.client = business, client


def build_client_buttons_router(
    *, uow_factory: UowFactory, clock: Clock, wake: Callable[[], None] = lambda: None
) -> Router:
    router = Router(name="client-notification-buttons")

    @router.callback_query(AttendanceAnswer.filter())
    async def attendance(
        query: CallbackQuery,
        callback_data: AttendanceAnswer,
        ctx: ChatContext,
        state: FSMContext,
        dialog_manager: DialogManager,
    ) -> None:
        found = await _own_booking(uow_factory, query.from_user.id, callback_data.booking_id)
        if found is None:
            log.warning("attendance button refused for %s: %s", query.from_user.id, callback_data)
            await query.answer(text(ctx.locale, "attend.not_found"), show_alert=True)
            return
        booking, client, business = found
        locale = normalize_locale(client.locale or ctx.locale)
        now = clock()
        booking_id, client_id, version = booking.id or 0, client.id or 0, callback_data.version
        try:
            if callback_data.action == "ok":
                await use_cases.confirm_attendance(
                    uow_factory(),
                    now=now,
                    booking_id=booking_id,
                    client_id=client_id,
                    expected_version=version,
                )
                wake()
                await _done(query, text(locale, "attend.confirmed"))
            elif callback_data.action == "cx":
                await use_cases.cancel_by_client(
                    uow_factory(),
                    now=now,
                    booking_id=booking_id,
                    client_id=client_id,
                    expected_version=version,
                )
                wake()
                await _done(query, text(locale, "attend.cancelled"))
            elif callback_data.action == "rs":
                booking.check_version(version)
                if not booking.can(BookingEventName.RESCHEDULED):
                    raise InvalidTransition(booking.status.value, BookingEventName.RESCHEDULED)
                late = use_cases.client_change_refusal(business, booking, now)
                if late is not None:
                    raise late
                await query.answer()
                await _enter_business(ctx, state, business, client)
                await dialog_manager.start(
                    MainSG.menu, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND
                )
                await dialog_manager.start(
                    BookSG.day,
                    data={
                        "reschedule": booking.id,
                        "services": list(booking.service_ids),
                        "staff": booking.staff_id,
                        "version": booking.version,
                    },
                    show_mode=ShowMode.SEND,
                )
            else:
                await query.answer(text(locale, "attend.not_found"), show_alert=True)
        except BookingChanged as changed:
            log.info("attendance answer %s on a changed booking", callback_data)
            await _show_changed(query, uow_factory, locale, business, changed)
        except OutsideCancellationWindow as error:
            await query.answer(_too_late(locale, business, error), show_alert=True)
            if isinstance(query.message, Message):
                await query.message.answer(_too_late(locale, business, error))
        except DomainError as error:
            log.info("attendance answer %s refused: %s", callback_data, error)
            await query.answer(text(locale, "attend.not_possible"), show_alert=True)

    @router.callback_query(BookAgain.filter())
    async def book_again(
        query: CallbackQuery,
        callback_data: BookAgain,
        ctx: ChatContext,
        state: FSMContext,
        dialog_manager: DialogManager,
    ) -> None:
        business = await clients.business_by_id(
            uow_factory(read_only=True), callback_data.business_id
        )
        client = (
            await clients.find_client(
                uow_factory(read_only=True),
                business_id=callback_data.business_id,
                telegram_user_id=query.from_user.id,
            )
            if business is not None
            else None
        )
        if business is None or client is None:
            await query.answer(text(ctx.locale, "attend.not_found"), show_alert=True)
            return
        await query.answer()
        await _enter_business(ctx, state, business, client)
        await dialog_manager.start(MainSG.menu, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)
        await dialog_manager.start(BookSG.service, show_mode=ShowMode.SEND)

    return router
