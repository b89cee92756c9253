"""``/start link-<code>``: connect this Telegram account to a business (owner or staff member).

Registered on the Dispatcher itself (see :func:`install_link_start`): a dispatcher's own
handlers run before any included router, so the client's ``/start <slug>`` never sees a
``link-`` payload. Any other ``/start`` does not match and goes on to the client as before.

On success the provider's commands are set for this chat only (``BotCommandScopeChat``), in
every language: clients keep the client menu.
"""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import BotCommand, BotCommandScopeChat, Message

from bot.commands import bot_commands
from domain.errors import NotFound
from domain.linking import START_PREFIX, redeem_link_code
from i18n import LOCALES, normalize_locale

from .access import Clock, UowFactory, find_provider, text

log = logging.getLogger("agendei.provider")

PROVIDER_COMMANDS = ("agenda", "pending", "next", "block", "book")


def provider_commands(locale: str) -> list[BotCommand]:
    """The client's menu plus the provider's commands, in one language."""
    own = [
        BotCommand(command=c, description=text(locale, f"command.{c}")) for c in PROVIDER_COMMANDS
    ]
    return own + bot_commands(locale)


async def set_provider_commands(bot: Bot, chat_id: int, locale: str) -> None:
    scope = BotCommandScopeChat(chat_id=chat_id)
    await bot.set_my_commands(provider_commands(locale), scope=scope)
    for each in LOCALES:
        await bot.set_my_commands(
            provider_commands(each), scope=scope, language_code=each.split("_")[0]
        )


def install_link_start(dp: Dispatcher, *, uow_factory: UowFactory, clock: Clock) -> None:
    async def link(message: Message, bot: Bot, state: FSMContext) -> None:
        user = message.from_user
        if user is None:
            return
        locale = normalize_locale(user.language_code)  # until we know the business
        payload = (message.text or "").split(maxsplit=1)[-1]
        try:
            # No language of its own: the link speaks the business's (a pt-BR business's
            # /pending answered in English when the owner's phone was set to English).
            linked = await redeem_link_code(
                uow_factory(), now=clock(), code=payload, telegram_user_id=user.id
            )
        except NotFound:
            log.info("link code refused for user %s", user.id)
            await message.answer(text(locale, "link.invalid"))
            return
        await state.set_state(None)
        provider = await find_provider(uow_factory, user.id, linked.business_id)
        name = provider.business.name if provider is not None else ""
        locale = provider.locale if provider is not None else locale
        who = "link.done_staff" if linked.staff_id is not None else "link.done_owner"
        await message.answer(text(locale, who, business=name) + "\n\n" + text(locale, "link.help"))
        try:
            await set_provider_commands(bot, message.chat.id, locale)
        except TelegramAPIError as error:  # the link stands; the menu is a convenience
            log.warning("could not set the provider's commands: %s", error)

    dp.message.register(
        link,
        F.chat.type == "private",
        CommandStart(magic=F.args.startswith(START_PREFIX)),
    )
