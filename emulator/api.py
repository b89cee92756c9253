"""The Bot API over HTTP: ``/bot{token}/{method}`` with Telegram's envelopes.

``execute`` wraps every call the way Telegram does (method lookup, injected failures, flood
control, counters) around the handlers of ``messages``, ``updates`` and ``commands``. It is
also used for Bot API calls a webhook receiver returns in its response body.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from . import commands, messages, updates
from .deps import StateDep
from .errors import NOT_FOUND, UNAUTHORIZED, ApiError, http_error
from .models import BotRecord, FailureRule
from .params import Params, read_params
from .registry import Call, Described, MethodTable
from .state import EmulatorState

METHODS = MethodTable.merge(messages.methods, updates.methods, commands.methods)


def _failure(rule: FailureRule) -> ApiError:
    if rule.status == 429:
        retry_after = rule.retry_after or 1
        return ApiError(
            429,
            rule.description or f"Too Many Requests: retry after {retry_after}",
            retry_after=retry_after,
        )
    return http_error(rule.status, rule.description)


def _chat_id_hint(params: Params) -> int | None:
    try:
        return params.get_int("chat_id")
    except ApiError:
        return None


async def execute(state: EmulatorState, bot: BotRecord, name: str, params: Params) -> Any:
    """Run one Bot API call for ``bot`` with Telegram's checks, counting everything."""
    key = name.lower()
    canonical, handler = METHODS.lookup(key) or (name, None)
    bot.stats.calls[canonical] += 1
    try:
        if handler is None:
            raise ApiError(404, NOT_FOUND)
        rule = state.take_failure(bot, key)
        if rule is not None:
            raise _failure(rule)
        state.check_rate_limit(bot, key, _chat_id_hint(params))
        result = await handler(Call(state=state, bot=bot, method=key, params=params))
    except ApiError as error:
        bot.stats.statuses[error.error_code] += 1
        raise
    bot.stats.statuses[200] += 1
    return result


async def handle_request(
    state: EmulatorState, token: str, name: str, request: Request
) -> JSONResponse:
    """Serve ``/bot{token}/{method}``: authenticate, run, wrap in Telegram's envelope."""
    bot = state.find_bot(token)
    try:
        if bot is None:
            raise ApiError(401, UNAUTHORIZED)
        result = await execute(state, bot, name, await read_params(request))
    except ApiError as error:
        return JSONResponse(error.to_body(), status_code=error.error_code)
    if isinstance(result, Described):
        body = {"ok": True, "result": result.result, "description": result.description}
        return JSONResponse(body)
    return JSONResponse({"ok": True, "result": result})


def build_api_router() -> APIRouter:
    """Routes with Telegram's URL shape (``TelegramAPIServer.from_base(base)``)."""
    router = APIRouter()

    @router.api_route("/bot{token}/{name}", methods=["GET", "POST"], include_in_schema=False)
    async def bot_api(token: str, name: str, request: Request, state: StateDep) -> JSONResponse:
        return await handle_request(state, token, name, request)

    @router.get("/file/bot{token}/{file_path:path}", include_in_schema=False)
    async def download(token: str, file_path: str, state: StateDep) -> Response:
        stored = state.files.get(file_path.removeprefix("files/"))
        if state.find_bot(token) is None or stored is None:
            return JSONResponse(ApiError(404, NOT_FOUND).to_body(), status_code=404)
        return Response(stored.data, media_type=stored.content_type)

    return router
