"""Per-update context: which business this chat is at, who the client is, which language.

Runs as an outer middleware on every update (after aiogram's FSM middleware, so the chat's
stored data is at hand) and hands handlers, getters and error handlers a ``ctx``
(:class:`dialogs.context.ChatContext`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
)
from aiogram.methods.base import Response
from aiogram.types import TelegramObject, Update, User

from dialogs.context import ChatContext
from domain import clients
from domain.ports import UowFactory
from i18n import LOCALES, normalize_locale


class ContextMiddleware(BaseMiddleware):
    def __init__(
        self, *, uow_factory: UowFactory, clock: Callable[[], datetime], sandbox: bool = False
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._sandbox = sandbox
        self._response_types = pin_response_types()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        bot = data["bot"]
        if user is None or user.is_bot:
            return await handler(event, data)
        state: FSMContext | None = data.get("state")
        stored = await state.get_data() if state is not None else {}
        locale = stored.get("locale")
        ctx = ChatContext(
            bot_id=bot.id,
            telegram_user_id=user.id,
            first_name=user.full_name,
            locale=locale if locale in LOCALES else normalize_locale(user.language_code),
            now=self._clock(),
            uow_factory=self._uow_factory,
            clock=self._clock,
            extra={"sandbox": self._sandbox},
        )
        business_id = stored.get("business_id")
        if isinstance(business_id, int) and isinstance(event, Update) and _is_private(event):
            # Business, catalog and client in one read: getters and handlers reuse them.
            ctx.catalog, client = await clients.chat_context(
                self._uow_factory(read_only=True),
                business_id=business_id,
                telegram_user_id=user.id,
            )
            ctx.business = ctx.catalog.business if ctx.catalog is not None else None
            if ctx.business is not None:
                # Read first: only a client's very first update needs a write transaction.
                ctx.client = client or await clients.resolve_client(
                    self._uow_factory(),
                    business_id=business_id,
                    telegram_user_id=user.id,
                    locale=ctx.locale,
                )
                if locale not in LOCALES and ctx.client.locale in LOCALES:
                    ctx.locale = ctx.client.locale
        data["ctx"] = ctx
        return await handler(event, data)


def _is_private(update: Update) -> bool:
    chat = None
    if update.message is not None:
        chat = update.message.chat
    elif update.callback_query is not None and update.callback_query.message is not None:
        chat = update.callback_query.message.chat
    return chat is None or chat.type == "private"


def pin_response_types() -> list[type]:
    """Keep aiogram's ``Response[<result type>]`` models of the methods every update calls alive.

    aiogram builds ``Response[method.__returning__]`` for each Bot API answer; pydantic caches
    parametrized generics only weakly, so once the garbage collector frees one the next answer
    builds the model class again (~10 ms of CPU, measured in the webhook benchmark's profile).
    Holding a strong reference keeps them in pydantic's cache for the life of the dispatcher.
    """
    methods = (
        AnswerCallbackQuery,
        DeleteMessage,
        EditMessageReplyMarkup,
        EditMessageText,
        SendMessage,
    )
    return [Response[m.__returning__] for m in methods]  # type: ignore[name-defined]
