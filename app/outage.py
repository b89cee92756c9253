"""The one answer to "is this an outage?": used by the webhook route (503, Telegram redelivers),
the bot's error handlers (don't tell the user "something went wrong" for it) and the panel
("try again in a moment" page, 503).

An outage is an infrastructure failure that a retry a moment later can cure: the database or
Redis unreachable, restarting or overloaded. Any such error anywhere in the exception's chain
counts (``__cause__``, ``__context__``, SQLAlchemy's ``.orig``, exception groups): e.g. aiogram's
per-chat lock release raising ``LockNotOwnedError`` *while* a ``ConnectionError`` propagates, or
a driver error wrapped twice.
"""

from __future__ import annotations

import errno
import html
import logging

from redis import exceptions as redis_errors
from starlette.datastructures import Headers
from starlette.responses import HTMLResponse
from starlette.types import Scope

from i18n import load_catalog, normalize_locale
from storage.outage import is_database_outage

log = logging.getLogger("agendei")

_REDIS_OUTAGES: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,  # refused, reset, BusyLoadingError (loading its dump)
    redis_errors.TimeoutError,
    # The per-chat lock was lost (expired or Redis restarted under it) or could not be taken in
    # time: the update did not run under isolation; let Telegram redeliver it.
    redis_errors.LockError,
    redis_errors.ReadOnlyError,  # a replica during failover
)
_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EPIPE,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
}


def _is_outage_itself(error: BaseException) -> bool:
    if is_database_outage(error) or isinstance(error, _REDIS_OUTAGES):
        return True
    if isinstance(error, ConnectionError | TimeoutError):  # refused, reset, broken pipe
        return True
    return isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo = [error]
    while todo and len(seen) < 32:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        for linked in (current.__cause__, current.__context__, getattr(current, "orig", None)):
            if isinstance(linked, BaseException):
                todo.append(linked)
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
    return seen


def is_outage(error: BaseException) -> bool:
    """Database or Redis unreachable (anywhere in the chain): retry later, it is not a bug."""
    return any(_is_outage_itself(e) for e in _chain(error))


def outage_response(scope: Scope, error: BaseException) -> HTMLResponse:
    """The "try again in a moment" page (503, ``Retry-After``) for an outage that escaped a
    route (answered by :class:`app.security.ErrorSafetyNet`), in the browser's language."""
    log.error("outage on %s: %s", scope.get("path"), _describe(error))
    return HTMLResponse(
        _page(_locale(Headers(scope=scope).get("accept-language", ""))),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


RETRY_AFTER_SECONDS = 5


def _describe(error: BaseException) -> str:
    causes = [type(e).__name__ for e in _chain(error) if _is_outage_itself(e)]
    return f"{type(error).__name__} ({', '.join(causes)})"


def _locale(accept_language: str) -> str:
    first = accept_language.split(",", 1)[0].strip()
    return normalize_locale(first or None)


def _page(locale: str) -> str:
    catalog = load_catalog("panel")
    title = html.escape(catalog.text(locale, "outage.title"))
    body = html.escape(catalog.text(locale, "outage.body"))
    lang = locale.replace("_", "-")
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="refresh" content="{RETRY_AFTER_SECONDS * 2}">'
        f'<title>{title}</title></head><body style="font-family:sans-serif;max-width:32rem;'
        f'margin:4rem auto;padding:0 1rem"><h1>{title}</h1><p>{body}</p></body></html>'
    )
