"""``/_emulator/...``: JSON control routes for the sandbox page and out-of-process tests.

They expose what in-process tests do with ``EmulatorState`` directly: read transcripts, act
as a user, reset chats, set flood limits, inject failures, block the bot. Bots are addressed
by numeric id and private chats by the user's id, so tokens stay out of URLs. User actions
answer with the delivery outcome and the chat transcript after it (with a webhook, the
bot's reply is already there because delivery waits for the receiver).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field

from .deps import StateDep
from .errors import EmulatorError
from .models import JSON, Delivery, RateLimit
from .state import EmulatorState


class BotIn(BaseModel):
    """A bot to register."""

    token: str
    username: str | None = None
    first_name: str | None = None


class UserIn(BaseModel):
    """Profile fields of the user behind a chat (all optional)."""

    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None


class TextIn(BaseModel):
    """The user sends a text message."""

    text: str = Field(min_length=1)
    user: UserIn | None = None


class ContactIn(BaseModel):
    """The user shares their phone number."""

    phone_number: str | None = None
    require_button: bool = True
    user: UserIn | None = None


class PressIn(BaseModel):
    """The user taps an inline button (``message_id`` null: newest message with it)."""

    message_id: int | None = None
    button: str | None = None
    data: str | None = None
    text: str | None = None


class ReplyButtonIn(BaseModel):
    """The user taps a reply keyboard button."""

    text: str


class BlockIn(BaseModel):
    """Whether the bot gets the ``my_chat_member`` update."""

    notify: bool = True


class LimitIn(BaseModel):
    """At most ``count`` requests per ``period`` seconds."""

    count: int = Field(ge=1)
    period: float = Field(default=1.0, gt=0)


class RateLimitsIn(BaseModel):
    """Flood limits; null disables one."""

    per_bot: LimitIn | None = None
    per_chat: LimitIn | None = None
    methods: list[str] | None = None


class FailureIn(BaseModel):
    """Forced failures for the next matching calls."""

    count: int = Field(default=1, ge=1)
    status: int = Field(default=429, ge=400, le=599)
    retry_after: int | None = Field(default=None, ge=1)
    description: str | None = None
    method: str | None = None
    bot_id: int | None = None


def _limits_json(state: EmulatorState) -> JSON:
    def one(limit: RateLimit | None) -> JSON | None:
        return None if limit is None else {"count": limit.count, "period": limit.period}

    return {
        "per_bot": one(state.per_bot_limit),
        "per_chat": one(state.per_chat_limit),
        "methods": sorted(state.rate_limited_methods),
    }


def _after(state: EmulatorState, bot_id: int, chat_id: int, delivery: Delivery | None) -> JSON:
    return {
        "delivery": None if delivery is None else delivery.to_json(),
        "transcript": state.chat(bot_id, chat_id).to_json(),
    }


def _profile(state: EmulatorState, chat_id: int, user: UserIn | None) -> None:
    if user is not None:
        state.user(chat_id, **user.model_dump(exclude_none=True))


def build_control_router() -> APIRouter:
    """All control routes, mounted under ``/_emulator``."""
    router = APIRouter(prefix="/_emulator", tags=["emulator"])

    @router.get("/bots")
    async def list_bots(state: StateDep) -> list[JSON]:
        return [bot.to_json() for bot in state.bots.values()]

    @router.post("/bots", status_code=201)
    async def add_bot(body: BotIn, state: StateDep) -> JSON:
        try:
            bot = state.add_bot(body.token, username=body.username, first_name=body.first_name)
        except ValueError as exc:
            raise EmulatorError(str(exc), status=422) from None
        return bot.to_json()

    @router.get("/bots/{bot_id}")
    async def get_bot(bot_id: int, state: StateDep) -> JSON:
        return state.bot(bot_id).to_json()

    @router.get("/bots/{bot_id}/updates")
    async def updates(bot_id: int, state: StateDep) -> JSON:
        bot = state.bot(bot_id)
        return {"pending": bot.pending, "recent": list(bot.update_log)}

    @router.post("/bots/{bot_id}/updates")
    async def deliver(bot_id: int, update: Annotated[JSON, Body()], state: StateDep) -> JSON:
        return (await state.deliver(bot_id, update)).to_json()

    @router.post("/bots/{bot_id}/updates/{update_id}/redeliver")
    async def redeliver(bot_id: int, update_id: int, state: StateDep) -> JSON:
        bot = state.bot(bot_id)
        update = next((u for u in bot.update_log if u["update_id"] == update_id), None)
        if update is None:
            raise EmulatorError(f"update {update_id} is not in the log", status=404)
        return (await state.redeliver(bot_id, update)).to_json()

    @router.get("/bots/{bot_id}/chats")
    async def list_chats(bot_id: int, state: StateDep) -> list[JSON]:
        return [
            {
                "chat": chat.user.chat_json(),
                "blocked": chat.blocked,
                "message_count": len(chat.messages),
                "last_message": chat.messages[-1].to_json() if chat.messages else None,
            }
            for chat in state.bot(bot_id).chats.values()
        ]

    @router.get("/bots/{bot_id}/chats/{chat_id}")
    async def transcript(bot_id: int, chat_id: int, state: StateDep) -> JSON:
        return state.chat(bot_id, chat_id).to_json()

    @router.post("/bots/{bot_id}/chats/{chat_id}/reset", status_code=204)
    async def reset_chat(bot_id: int, chat_id: int, state: StateDep) -> Response:
        state.reset_chat(bot_id, chat_id)
        return Response(status_code=204)

    @router.post("/bots/{bot_id}/chats/{chat_id}/text")
    async def send_text(bot_id: int, chat_id: int, body: TextIn, state: StateDep) -> JSON:
        _profile(state, chat_id, body.user)
        delivery = await state.send_text(bot_id, chat_id, body.text)
        return _after(state, bot_id, chat_id, delivery)

    @router.post("/bots/{bot_id}/chats/{chat_id}/contact")
    async def send_contact(bot_id: int, chat_id: int, body: ContactIn, state: StateDep) -> JSON:
        _profile(state, chat_id, body.user)
        delivery = await state.send_contact(
            bot_id, chat_id, body.phone_number, require_button=body.require_button
        )
        return _after(state, bot_id, chat_id, delivery)

    @router.post("/bots/{bot_id}/chats/{chat_id}/press")
    async def press(bot_id: int, chat_id: int, body: PressIn, state: StateDep) -> JSON:
        delivery = await state.press_button(
            bot_id, chat_id, body.message_id, body.button, data=body.data, text=body.text
        )
        return _after(state, bot_id, chat_id, delivery)

    @router.post("/bots/{bot_id}/chats/{chat_id}/reply-button")
    async def reply_button(bot_id: int, chat_id: int, body: ReplyButtonIn, state: StateDep) -> JSON:
        delivery = await state.press_reply_button(bot_id, chat_id, body.text)
        return _after(state, bot_id, chat_id, delivery)

    @router.post("/bots/{bot_id}/chats/{chat_id}/block")
    async def block(
        bot_id: int, chat_id: int, state: StateDep, body: BlockIn | None = None
    ) -> JSON:
        delivery = await state.block(bot_id, chat_id, notify=(body or BlockIn()).notify)
        return _after(state, bot_id, chat_id, delivery)

    @router.post("/bots/{bot_id}/chats/{chat_id}/unblock")
    async def unblock(
        bot_id: int, chat_id: int, state: StateDep, body: BlockIn | None = None
    ) -> JSON:
        delivery = await state.unblock(bot_id, chat_id, notify=(body or BlockIn()).notify)
        return _after(state, bot_id, chat_id, delivery)

    @router.get("/rate-limits")
    async def get_limits(state: StateDep) -> JSON:
        return _limits_json(state)

    @router.put("/rate-limits")
    async def put_limits(body: RateLimitsIn, state: StateDep) -> JSON:
        state.set_rate_limits(
            per_bot=RateLimit(**body.per_bot.model_dump()) if body.per_bot else None,
            per_chat=RateLimit(**body.per_chat.model_dump()) if body.per_chat else None,
        )
        if body.methods is not None:
            state.rate_limited_methods = {m.lower() for m in body.methods}
        return _limits_json(state)

    @router.get("/failures")
    async def list_failures(state: StateDep) -> list[JSON]:
        return [rule.to_json() for rule in state.failures]

    @router.post("/failures", status_code=201)
    async def inject(body: FailureIn, state: StateDep) -> JSON:
        rule = state.inject_failures(
            body.count,
            status=body.status,
            retry_after=body.retry_after,
            description=body.description,
            method=body.method,
            bot=body.bot_id,
        )
        return rule.to_json()

    @router.delete("/failures", status_code=204)
    async def clear_failures(state: StateDep) -> Response:
        state.clear_failures()
        return Response(status_code=204)

    @router.post("/reset", status_code=204)
    async def reset(state: StateDep) -> Response:
        state.reset()
        return Response(status_code=204)

    @router.get("/files/{file_id}")
    async def file(file_id: str, state: StateDep) -> Response:
        stored = state.files.get(file_id)
        if stored is None:
            raise EmulatorError(f"unknown file {file_id}", status=404)
        return Response(stored.data, media_type=stored.content_type)

    return router
