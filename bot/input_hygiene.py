"""The first thing every update meets: who may talk to the bot, and text cleaned once.

- Updates sent by bots (``from.is_bot``) are dropped: bots cannot open a private chat with
  another bot on Telegram, so such an update is forged or a mistake, and nothing downstream
  (client resolution, dialogs) is built for a bot account.
- A message's text is cleaned with :func:`domain.text.clean_text` (NFC, no control or format
  characters: NUL, zero-width, RTL overrides), so every handler, filter and keyboard match sees
  the same safe text. A message whose text has nothing visible left is answered with one clear
  line and goes no further: it is not a button press, a name or a command.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from dialogs.context import text
from domain.text import clean_text, has_visible
from i18n import normalize_locale

log = logging.getLogger(__name__)


class InputHygieneMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None and user.is_bot:
            log.info("ignored an update sent by a bot account (%s)", user.id)
            return None
        if not isinstance(event, Update) or event.message is None:
            return await handler(event, data)
        message = event.message
        if message.text is None:
            return await handler(event, data)
        cleaned = clean_text(message.text, multiline=True)
        if not has_visible(cleaned):
            locale = normalize_locale(user.language_code if user else None)
            await message.answer(text(locale, "input.unreadable"))
            return None
        if cleaned != message.text:
            # Entity offsets pointed into the old text; commands are read from the text itself.
            message = message.model_copy(update={"text": cleaned, "entities": None})
            event = event.model_copy(update={"message": message})
        return await handler(event, data)
