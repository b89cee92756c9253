"""Error handlers: the client always gets a short answer, never silence or a stack trace.

* ``UnknownIntent``/``OutdatedIntent``/``UnknownState`` (a button of a finished or forgotten
  dialog, e.g. Redis restarted without persistence): the client's bookings if they have some
  (the press may have booked before the state was lost), else "this menu has expired" and the
  main menu (:func:`bot.commands.recover`);
* a domain refusal that escaped a handler: its one-line explanation;
* anything else but an infrastructure outage: "something went wrong", logged with the trace.

Outages (database or Redis unreachable, anywhere in the error's chain, as ``is_outage`` says:
:func:`app.outage.is_outage`) are *not* handled here: they propagate to the webhook route,
which answers 503 so Telegram redelivers the update later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, Update
from aiogram_dialog import DialogManager
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState

from dialogs.context import ChatContext, text
from dialogs.errors import explain
from domain.errors import DomainError
from i18n import normalize_locale

from .commands import best_effort, recover

log = logging.getLogger(__name__)


async def _say(update: Update, message: str) -> None:
    """Tell the user, by every channel we have: a failed callback answer (a query too old
    after a slow update) must not also swallow the chat message, or the user meets silence."""
    query = update.callback_query
    if query is not None:
        await best_effort(query.answer(message))
        if query.message is not None:
            await best_effort(query.message.answer(message))
    elif update.message is not None:
        await best_effort(update.message.answer(message))


def error_router(is_outage: Callable[[BaseException], bool]) -> Router:
    router = Router(name="errors")

    @router.errors(ExceptionTypeFilter(UnknownIntent, OutdatedIntent, UnknownState))
    async def expired(
        event: ErrorEvent,
        ctx: ChatContext | None = None,
        dialog_manager: DialogManager | None = None,
    ) -> bool:
        if ctx is None or dialog_manager is None:
            raise event.exception  # not a chat we know: the generic handler answers
        log.warning("expired menu pressed by %s: %s", ctx.telegram_user_id, event.exception)

        async def say(message: str) -> None:
            await _say(event.update, message)

        await recover(ctx, dialog_manager, say)
        return True

    @router.errors(ExceptionTypeFilter(DomainError))
    async def refused(event: ErrorEvent, ctx: ChatContext | None = None) -> bool:
        error = event.exception
        if ctx is None or not isinstance(error, DomainError):
            raise error
        log.info("domain refusal for %s: %s", ctx.telegram_user_id, error)
        await _say(event.update, explain(ctx, error))
        return True

    @router.errors(lambda event: not is_outage(event.exception))
    async def unexpected(
        event: ErrorEvent,
        ctx: ChatContext | None = None,
        record_outcome: Callable[[str], None] | None = None,
    ) -> bool:
        log.error("update %s failed", event.update.update_id, exc_info=event.exception)
        if record_outcome is not None:  # the metrics' error count (app/observability.py)
            record_outcome("error")
        if ctx is not None:
            message = ctx.t("error.generic")
        else:
            user = getattr(event.update.event, "from_user", None)
            message = text(normalize_locale(getattr(user, "language_code", None)), "error.generic")
        await _say(event.update, message)
        return True

    return router
