"""Command routers of the client's chat: /start, /help, /cancel, /privacy, /forget, /language.

Also the fallbacks, included last: a button nobody handles (an old message, forged data) gets
"this menu has expired" and the main menu; a message outside any dialog gets the main menu.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import BotCommand, CallbackQuery, Message
from aiogram_dialog import DialogManager, ShowMode, StartMode

from dialogs.context import ChatContext, text
from dialogs.main_menu import remember_business
from dialogs.states import ForgetSG, MainSG, MyBookingsSG, StartSG
from domain import clients
from domain.sandbox import may_visit
from i18n import LOCALES

log = logging.getLogger(__name__)

CANCEL_WORDS = {text(locale, "nav.cancel_word").casefold() for locale in LOCALES}

COMMANDS = ("start", "help", "cancel", "language", "privacy", "forget")


def bot_commands(locale: str) -> list[BotCommand]:
    """The command menu Telegram shows, in one language."""
    return [BotCommand(command=c, description=text(locale, f"command.{c}")) for c in COMMANDS]


def command_list(commands: list[BotCommand]) -> str:
    """One "/command — what it does" line per command, as /help shows them."""
    return "\n".join(f"/{c.command} — {c.description}" for c in commands)


async def open_home(ctx: ChatContext, manager: DialogManager, *, send: bool = True) -> None:
    """The main menu of the chat's business, or the "which business?" step."""
    show = ShowMode.SEND if send else ShowMode.AUTO
    await _find_business(ctx, manager)
    if ctx.business is None:
        await manager.start(StartSG.choose, mode=StartMode.RESET_STACK, show_mode=show)
        return
    await manager.start(MainSG.menu, mode=StartMode.RESET_STACK, show_mode=show)


async def _find_business(ctx: ChatContext, manager: DialogManager) -> None:
    """The chat's business when its state does not say (new chat, or state lost): the only
    business there is, or the only one this user is a client of."""
    if ctx.business is not None:
        return
    business = await clients.the_only_business(ctx.uow_factory(read_only=True))
    if business is None:
        known = await clients.businesses_of(ctx.uow_factory(read_only=True), ctx.telegram_user_id)
        business = known[0] if len(known) == 1 else None
    if business is not None and business.id is not None:
        state: FSMContext = manager.middleware_data["state"]
        await _open_business(ctx, state, business.id)


async def recover(
    ctx: ChatContext, manager: DialogManager, say: Callable[[str], Awaitable[None]]
) -> None:
    """A button of a dialog that is gone: finished, or its state lost (Redis restarted).

    The press may have been the one that booked (committed, then the state was lost): a client
    with upcoming bookings is shown them ("my bookings"), so they see what took effect instead
    of booking twice; anyone else gets "this menu has expired" and the main menu.
    """
    await _find_business(ctx, manager)
    if ctx.business is not None and ctx.client is not None and ctx.client.id is not None:
        found = await clients.client_bookings(
            ctx.uow_factory(read_only=True), client_id=ctx.client.id, now=ctx.now
        )
        if found.upcoming:
            await say(ctx.t("error.restarted"))
            home = ShowMode.NO_UPDATE  # Back from my bookings leads to it
            await manager.start(MainSG.menu, mode=StartMode.RESET_STACK, show_mode=home)
            await manager.start(MyBookingsSG.upcoming, show_mode=ShowMode.SEND)
            return
    await say(ctx.t("error.expired"))
    await open_home(ctx, manager)


async def _open_business(ctx: ChatContext, state: FSMContext, business_id: int) -> None:
    if not may_visit(ctx.telegram_user_id, business_id):
        return
    ctx.business = await clients.business_by_id(ctx.uow_factory(read_only=True), business_id)
    if ctx.business is None:
        return
    await remember_business(ctx, state, business_id)
    ctx.client = await clients.resolve_client(
        ctx.uow_factory(),
        business_id=business_id,
        telegram_user_id=ctx.telegram_user_id,
        locale=ctx.locale,
    )


DIALOG_SEPARATOR = "\x1d"  # aiogram-dialog's "<intent id>\x1d<widget data>"
_PREFIXED = re.compile(r"^[a-z]{1,8}:")  # aiogram CallbackData of other routers ("pv:cf:12")


def unknown_callback_data(callback: CallbackQuery) -> bool:
    """Data neither a dialog nor another router could have made: stale or forged.

    Without this, the active dialog would take it as its own and silently re-render.
    """
    data = callback.data or ""
    return DIALOG_SEPARATOR not in data and not _PREFIXED.match(data)


async def expired_button(
    callback: CallbackQuery, ctx: ChatContext, dialog_manager: DialogManager
) -> None:
    log.warning(
        "stale or unknown button from user %s: %r",
        ctx.telegram_user_id,
        (callback.data or "")[:64],
    )

    async def say(message: str) -> None:
        await best_effort(callback.answer(message))
        if callback.message is not None:
            await best_effort(callback.message.answer(message))

    await recover(ctx, dialog_manager, say)


async def best_effort(call: Awaitable[object]) -> None:
    """Send a courtesy reply; a failure (say, a callback query too old after a slow update) is
    logged and must not stop the next reply from reaching the user."""
    try:
        await call
    except TelegramAPIError as error:
        log.warning("could not reply to the user: %s", error)


def client_router() -> Router:
    router = Router(name="client-commands")
    router.message.filter(F.chat.type == "private")
    router.callback_query.register(expired_button, unknown_callback_data)

    @router.message(CommandStart())
    async def start(
        message: Message,
        command: CommandObject,
        ctx: ChatContext,
        state: FSMContext,
        dialog_manager: DialogManager,
    ) -> None:
        slug = (command.args or "").strip()
        if slug:
            business = await clients.business_by_slug(ctx.uow_factory(read_only=True), slug)
            if (
                business is None
                or business.id is None
                # A sandbox's emulated client never reaches another business (as if unknown).
                or not may_visit(ctx.telegram_user_id, business.id)
            ):
                log.info("start: unknown business link %r", slug[:64])
                await message.answer(ctx.t("start.unknown_link"))
            else:
                await _open_business(ctx, state, business.id)
                await message.answer(ctx.t("start.welcome", business=business.name))
        await open_home(ctx, dialog_manager)

    @router.message(Command("help", "ajuda"))
    async def help_(message: Message, ctx: ChatContext, dialog_manager: DialogManager) -> None:
        # A linked provider never gets here: bot.provider.help answers them first.
        await message.answer(ctx.t("help.client") + "\n\n" + command_list(bot_commands(ctx.locale)))
        await open_home(ctx, dialog_manager)

    @router.message(Command("cancel"))
    @router.message(F.text.casefold().in_(CANCEL_WORDS))
    async def cancel(message: Message, ctx: ChatContext, dialog_manager: DialogManager) -> None:
        await message.answer(ctx.t("cancel.done"))
        await open_home(ctx, dialog_manager)

    @router.message(Command("privacy"))
    async def privacy(message: Message, ctx: ChatContext, dialog_manager: DialogManager) -> None:
        if ctx.client is None or ctx.client.id is None:
            await message.answer(ctx.t("privacy.nothing"))
        else:
            summary = await clients.privacy_summary(
                ctx.uow_factory(read_only=True), client_id=ctx.client.id
            )
            none = ctx.t("privacy.empty")
            await message.answer(
                ctx.t(
                    "privacy.text",
                    name=summary.name or none,
                    phone=summary.phone or none,
                    language=ctx.t(f"language.{ctx.locale}"),
                    bookings=summary.bookings,
                    business=ctx.business.name if ctx.business else "",
                )
            )
        await open_home(ctx, dialog_manager)

    @router.message(Command("forget"))
    async def forget(message: Message, ctx: ChatContext, dialog_manager: DialogManager) -> None:
        if ctx.client is None:
            await message.answer(ctx.t("privacy.nothing"))
            await open_home(ctx, dialog_manager)
            return
        await dialog_manager.start(
            ForgetSG.confirm, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND
        )

    @router.message(Command("language"))
    async def language(message: Message, ctx: ChatContext, dialog_manager: DialogManager) -> None:
        if ctx.business is None:
            await open_home(ctx, dialog_manager)
            if ctx.business is None:
                return
        await dialog_manager.start(
            MainSG.language, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND
        )

    return router


def fallback_router() -> Router:
    """Included after every other router: whatever nobody handled."""
    router = Router(name="client-fallback")

    router.callback_query.register(expired_button)

    @router.message(F.chat.type == "private")
    async def outside_dialog(
        message: Message, ctx: ChatContext, dialog_manager: DialogManager
    ) -> None:
        await open_home(ctx, dialog_manager)

    return router
