"""``/help`` for a linked provider: their own commands, not the client's menu.

Registered on the Dispatcher itself (like ``/start link-<code>``), so it runs before the
client's ``/help``; for anyone who is not linked :class:`IsProvider` does not match and the
client's help answers as before.
"""

from __future__ import annotations

from aiogram import Dispatcher, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.commands import command_list

from .access import IsProvider, Provider, UowFactory
from .linking import PROVIDER_COMMANDS, provider_commands


def provider_help(provider: Provider) -> str:
    own = [c for c in provider_commands(provider.locale) if c.command in PROVIDER_COMMANDS]
    return "\n\n".join(
        (
            provider.t("help.title", business=provider.business.name),
            command_list(own),
            provider.t("help.more"),
        )
    )


def install_provider_help(dp: Dispatcher, *, uow_factory: UowFactory) -> None:
    async def help_(message: Message, provider: Provider, state: FSMContext) -> None:
        await state.set_state(None)
        await message.answer(provider_help(provider))

    dp.message.register(
        help_, F.chat.type == "private", Command("help", "ajuda"), IsProvider(uow_factory)
    )
