"""Records the emulator keeps: bots, users, chats, messages, callback queries, counters.

Plain dataclasses with ``to_telegram()`` methods that produce the Bot API's JSON objects
(only non-empty optional fields, as Telegram omits them) and ``to_json()`` for the control
routes and the sandbox page.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Literal

from .markup import Markup, is_inline

JSON = dict[str, Any]
Sender = Literal["bot", "user"]


def _compact(values: JSON) -> JSON:
    """Drop ``None`` and empty lists, the way Telegram leaves optional fields out."""
    return {k: v for k, v in values.items() if v is not None and v != []}


@dataclass
class EmulatedUser:
    """A Telegram user talking to a bot; in a private chat, chat id == user id.

    ``phone_number`` is what ``send_contact`` shares by default. Real clients send it with or
    without a leading "+", so code reading contacts must accept both.
    """

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    phone_number: str | None = None

    def to_telegram(self) -> JSON:
        """The ``User`` object (``from`` of messages and callback queries)."""
        return _compact(
            {
                "id": self.id,
                "is_bot": False,
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
                "language_code": self.language_code,
            }
        )

    def chat_json(self) -> JSON:
        """The private ``Chat`` object for this user."""
        return _compact(
            {
                "id": self.id,
                "type": "private",
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
            }
        )


@dataclass
class MessageRecord:
    """One visible message of a chat, in its current (possibly edited) state."""

    message_id: int
    chat: JSON
    sender: Sender
    from_user: JSON
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    reply_markup: Markup | None = None
    edit_date: int | None = None
    reply_to: MessageRecord | None = None
    contact: JSON | None = None
    photo: list[JSON] | None = None
    document: JSON | None = None

    @property
    def chat_id(self) -> int:
        """The id of the chat the message lives in."""
        return int(self.chat["id"])

    @property
    def edited(self) -> bool:
        """Whether the message was edited after being sent."""
        return self.edit_date is not None

    @property
    def kind(self) -> str:
        """What the message carries: text, photo, document or contact."""
        if self.photo is not None:
            return "photo"
        if self.document is not None:
            return "document"
        if self.contact is not None:
            return "contact"
        return "text"

    def content(self) -> tuple[Any, ...]:
        """What Telegram compares to decide that an edit changes nothing."""
        return (
            self.text,
            self.entities,
            self.caption,
            self.caption_entities,
            self.photo,
            self.document,
            self.reply_markup,
        )

    def to_telegram(self, *, with_reply: bool = True) -> JSON:
        """The ``Message`` object as the Bot API returns it (reply keyboards are not echoed)."""
        reply = None
        if with_reply and self.reply_to is not None:
            reply = self.reply_to.to_telegram(with_reply=False)
        return _compact(
            {
                "message_id": self.message_id,
                "from": self.from_user,
                "chat": self.chat,
                "date": self.date,
                "edit_date": self.edit_date,
                "reply_to_message": reply,
                "text": self.text,
                "entities": self.entities,
                "caption": self.caption,
                "caption_entities": self.caption_entities,
                "photo": self.photo,
                "document": self.document,
                "contact": self.contact,
                "reply_markup": self.reply_markup if is_inline(self.reply_markup) else None,
            }
        )

    def to_json(self) -> JSON:
        """The transcript view: what the user sees, including reply keyboards."""
        return {
            "message_id": self.message_id,
            "sender": self.sender,
            "from": self.from_user,
            "date": self.date,
            "kind": self.kind,
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "photo": self.photo,
            "document": self.document,
            "contact": self.contact,
            "reply_markup": self.reply_markup,
            "edited": self.edited,
            "edit_date": self.edit_date,
            "reply_to_message_id": self.reply_to.message_id if self.reply_to else None,
        }


@dataclass
class CallbackAnswer:
    """What the bot answered to a button press (the toast or alert the user sees)."""

    query_id: str
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    at: float

    def to_json(self) -> JSON:
        """Control-route view of the answer."""
        return dict(self.__dict__)


@dataclass
class CallbackQueryRecord:
    """A button press waiting for ``answerCallbackQuery``."""

    id: str
    chat_id: int
    message_id: int
    data: str | None
    created_at: float
    answer: CallbackAnswer | None = None


@dataclass
class ChatAction:
    """A ``sendChatAction`` call ("typing", "upload_photo", ...)."""

    action: str
    at: float


@dataclass
class ChatRecord:
    """A private chat between one bot and one user."""

    user: EmulatedUser
    messages: list[MessageRecord] = field(default_factory=list)
    next_message_id: int = 1
    blocked: bool = False
    reply_keyboard: Markup | None = None
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    actions: list[ChatAction] = field(default_factory=list)
    deleted_count: int = 0

    @property
    def chat_id(self) -> int:
        """Private chats share the user's id."""
        return self.user.id

    def take_message_id(self) -> int:
        """Next message id; bot and user messages share one sequence per chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def find(self, message_id: int) -> MessageRecord | None:
        """The visible message with this id (deleted messages are gone)."""
        return next((m for m in self.messages if m.message_id == message_id), None)

    def to_json(self) -> JSON:
        """Full transcript for the control routes and the sandbox page."""
        return {
            "chat": self.user.chat_json(),
            "user": self.user.to_telegram(),
            "blocked": self.blocked,
            "messages": [m.to_json() for m in self.messages],
            "reply_keyboard": self.reply_keyboard,
            "callback_answers": [a.to_json() for a in self.callback_answers],
            "actions": [{"action": a.action, "at": a.at} for a in self.actions],
            "deleted_count": self.deleted_count,
        }


@dataclass
class WebhookConfig:
    """What ``setWebhook`` stored, plus the last delivery error Telegram would report."""

    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` requests in any ``period`` seconds."""

    count: int
    period: float = 1.0


@dataclass
class FailureRule:
    """``remaining`` forced failures for matching calls, injected by tests."""

    status: int
    remaining: int
    description: str | None = None
    retry_after: int | None = None
    method: str | None = None  # lower-cased Bot API method name, None for any
    bot_id: int | None = None  # None for any bot

    def matches(self, bot_id: int, method: str) -> bool:
        """Whether this rule applies to ``method`` called by ``bot_id``."""
        return (
            self.remaining > 0
            and (self.method is None or self.method == method)
            and (self.bot_id is None or self.bot_id == bot_id)
        )

    def to_json(self) -> JSON:
        """Control-route view of the rule."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class SentRecord:
    """One message a bot sent (for pacing assertions and benchmarks)."""

    chat_id: int
    message_id: int
    method: str
    at: float


@dataclass
class BotStats:
    """Counters of everything a bot did against the emulator."""

    calls: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0
    injected_failures: int = 0
    sent: list[SentRecord] = field(default_factory=list)

    def sent_to(self, chat_id: int) -> list[SentRecord]:
        """Messages sent to one chat, oldest first."""
        return [s for s in self.sent if s.chat_id == chat_id]

    def to_json(self) -> JSON:
        """Control-route view of the counters."""
        return {
            "calls": dict(self.calls),
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "rate_limited": self.rate_limited,
            "injected_failures": self.injected_failures,
            "sent": [s.__dict__ for s in self.sent],
        }


@dataclass
class BotRecord:
    """A bot registered by token, with everything Telegram keeps for it."""

    token: str
    id: int
    username: str
    first_name: str
    chats: dict[int, ChatRecord] = field(default_factory=dict)
    next_update_id: int = 1
    pending: list[JSON] = field(default_factory=list)
    update_log: deque[JSON] = field(default_factory=lambda: deque(maxlen=1000))
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    polling_allowed_updates: list[str] | None = None
    commands: dict[tuple[str, str], list[JSON]] = field(default_factory=dict)
    profile: dict[tuple[str, str], str] = field(default_factory=dict)
    callback_queries: dict[str, CallbackQueryRecord] = field(default_factory=dict)
    stats: BotStats = field(default_factory=BotStats)
    send_times: deque[float] = field(default_factory=deque)
    chat_send_times: dict[int, deque[float]] = field(default_factory=dict)
    poll_generation: int = 0
    poll_waiters: list[asyncio.Future[None]] = field(default_factory=list)

    def user_json(self) -> JSON:
        """The bot's own ``User`` object (``from`` of its messages)."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def get_me(self) -> JSON:
        """``getMe`` result."""
        return {
            **self.user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def take_update_id(self) -> int:
        """Next update id; increasing per bot, as Telegram guarantees."""
        update_id = self.next_update_id
        self.next_update_id += 1
        return update_id

    def wake_pollers(self) -> None:
        """Release every pending long poll so it re-checks the queue."""
        waiters, self.poll_waiters = self.poll_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def to_json(self) -> JSON:
        """Control-route summary; the token is left out (bots are addressed by id)."""
        return {
            "id": self.id,
            "username": self.username,
            "first_name": self.first_name,
            "webhook": {
                "url": self.webhook.url,
                "has_secret_token": self.webhook.secret_token is not None,
                "allowed_updates": self.webhook.allowed_updates,
                "last_error_message": self.webhook.last_error_message,
            },
            "pending_update_count": len(self.pending),
            "chats": sorted(self.chats),
            "commands": [
                {"scope": json.loads(scope), "language_code": lang, "commands": commands}
                for (scope, lang), commands in self.commands.items()
            ],
            "stats": self.stats.to_json(),
        }


@dataclass(frozen=True)
class StoredFile:
    """An uploaded photo/document, kept so the sandbox can show it and getFile works."""

    file_id: str
    file_unique_id: str
    data: bytes
    filename: str
    content_type: str


@dataclass
class Delivery:
    """How an update reached the bot.

    ``mode`` is "webhook" (POSTed; ``status`` is the receiver's HTTP status or None when the
    connection failed, with ``error``), "queued" (waiting for getUpdates) or "filtered"
    (dropped because the bot's allowed_updates exclude it, as Telegram does).
    """

    update: JSON
    mode: Literal["webhook", "queued", "filtered"]
    status: int | None = None
    error: str | None = None
    response: Any = None

    @property
    def ok(self) -> bool:
        """Queued, or accepted by the webhook with a 2xx."""
        if self.mode == "webhook":
            return self.status is not None and 200 <= self.status < 300
        return self.mode == "queued"

    def to_json(self) -> JSON:
        """Control-route view of the delivery."""
        return {
            "update": self.update,
            "mode": self.mode,
            "status": self.status,
            "error": self.error,
            "ok": self.ok,
        }
