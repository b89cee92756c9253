"""Small widgets and handlers shared by the dialogs: localized text, "use the buttons" hints."""

from __future__ import annotations

from typing import Any

from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.text import Text

from .context import ctx_of
from .states import MainSG


class T(Text):
    """Catalog text in the chat's language; ``{name}`` placeholders come from the getter."""

    def __init__(self, key: str, when: Any = None) -> None:
        super().__init__(when=when)
        self.key = key

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        return ctx_of(manager).t(self.key, **data)


async def use_the_buttons(message: Message, _widget: Any, manager: DialogManager) -> None:
    """Text where a button is expected: one-line hint, then the same step again (below it)."""
    await message.answer(ctx_of(manager).t("hint.use_buttons"))
    manager.show_mode = ShowMode.SEND


def buttons_only() -> MessageInput:
    return MessageInput(use_the_buttons)


async def to_main(manager: DialogManager, *, send: bool = False) -> None:
    await manager.start(
        MainSG.menu,
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.SEND if send else ShowMode.AUTO,
    )


async def go_main(_event: Any, _widget: Any, manager: DialogManager) -> None:
    await to_main(manager)
