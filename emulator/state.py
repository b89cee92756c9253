"""``EmulatorState``: everything the emulated Telegram knows, and what its users do.

One object holds the bots, chats and counters so the HTTP app, tests in the same process and
the sandbox page all look at the same world. It is created by whoever serves the emulator (a
test fixture, ``app/``), never at import time. Time comes from an injectable ``clock`` so
query-age and rate-limit behaviour can be tested without sleeping.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx

from .errors import EmulatorError, too_many_requests
from .markup import buttons, find_inline_button, find_reply_button
from .models import (
    JSON,
    BotRecord,
    BotStats,
    CallbackQueryRecord,
    ChatRecord,
    Delivery,
    EmulatedUser,
    FailureRule,
    MessageRecord,
    RateLimit,
    SentRecord,
    StoredFile,
)
from .params import params_from_body
from .users import (
    add_user_message,
    callback_query_update,
    contact_json,
    is_allowed,
    message_update,
    my_chat_member_update,
    post_to_webhook,
)

Clock = Callable[[], float]
BotRef = str | int  # a token, or the numeric bot id
UserRef = EmulatedUser | int

_TOKEN = re.compile(r"^(\d+):[\w-]+$")

# Methods that count against flood limits. Edits are throttled by Telegram too, but far more
# loosely; tests that need that can add them to ``EmulatorState.rate_limited_methods``.
DEFAULT_RATE_LIMITED_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})


def bot_id_from_token(token: str) -> int:
    """The bot id is the token's numeric prefix ("123456:ABC..." -> 123456)."""
    match = _TOKEN.match(token)
    if match is None:
        raise ValueError(f"not a bot token: {token[:12]!r}...")
    return int(match.group(1))


def _seconds_to_wait(times: deque[float], limit: RateLimit, now: float) -> float:
    """How long until one more request fits in the sliding window (0 if it fits now)."""
    while times and times[0] <= now - limit.period:
        times.popleft()
    if len(times) < limit.count:
        return 0.0
    return times[len(times) - limit.count] + limit.period - now


class EmulatorState:
    """The emulated Telegram: bots by token, chats, webhooks, limits, failures, counters.

    Args:
        clock: seconds since the epoch; message dates, query ages and rate windows use it.
        http_client: client used to POST updates to webhooks. Inject one with
            ``httpx.ASGITransport`` to reach an in-process app; by default a real one is
            created on first use and closed by ``aclose()``.
        callback_query_timeout: after this many seconds an unanswered button press can no
            longer be answered (Telegram: "query is too old ...").
        webhook_timeout: seconds to wait for a webhook receiver.
        max_long_poll: cap on ``getUpdates`` timeout (Telegram caps at 50).
        auto_register_bots: accept any well-formed token on first use (sandbox convenience);
            off by default so an unknown token gets Telegram's 401.
        strict_chats: ``sendMessage`` to a chat no user has opened fails with "chat not found"
            instead of creating the chat.
        delete_window: seconds after which a message can no longer be deleted (48 h).
    """

    def __init__(
        self,
        *,
        clock: Clock = time.time,
        http_client: httpx.AsyncClient | None = None,
        callback_query_timeout: float = 15.0,
        webhook_timeout: float = 10.0,
        max_long_poll: float = 50.0,
        auto_register_bots: bool = False,
        strict_chats: bool = False,
        delete_window: float = 48 * 3600,
    ) -> None:
        self.clock = clock
        self.callback_query_timeout = callback_query_timeout
        self.webhook_timeout = webhook_timeout
        self.max_long_poll = max_long_poll
        self.auto_register_bots = auto_register_bots
        self.strict_chats = strict_chats
        self.delete_window = delete_window
        self.bots: dict[int, BotRecord] = {}
        self.users: dict[int, EmulatedUser] = {}
        self.files: dict[str, StoredFile] = {}
        self.failures: list[FailureRule] = []
        self.per_bot_limit: RateLimit | None = None
        self.per_chat_limit: RateLimit | None = None
        self.rate_limited_methods: set[str] = set(DEFAULT_RATE_LIMITED_METHODS)
        self.closing = False
        self._http_client = http_client
        self._owns_client = http_client is None
        self._sequence = 0

    # ----------------------------------------------------------------- time and ids

    def now(self) -> float:
        """Current time from the injected clock."""
        return self.clock()

    def date(self) -> int:
        """Current Unix time as Telegram's integer ``date``."""
        return int(self.clock())

    def next_sequence(self) -> int:
        """A process-wide counter for callback query and file ids."""
        self._sequence += 1
        return self._sequence

    # ----------------------------------------------------------------- bots

    def add_bot(
        self, token: str, *, username: str | None = None, first_name: str | None = None
    ) -> BotRecord:
        """Register a bot (idempotent for the same token). Raises ValueError on a bad token."""
        bot_id = bot_id_from_token(token)
        existing = self.bots.get(bot_id)
        if existing is not None and existing.token == token:
            return existing
        record = BotRecord(
            token=token,
            id=bot_id,
            username=username or f"agendei_test_{bot_id}_bot",
            first_name=first_name or "Agendei",
        )
        self.bots[bot_id] = record
        return record

    def find_bot(self, token: str) -> BotRecord | None:
        """The bot for a Bot API token, or None (the HTTP layer answers 401)."""
        try:
            bot_id = bot_id_from_token(token)
        except ValueError:
            return None
        record = self.bots.get(bot_id)
        if record is not None and record.token == token:
            return record
        if record is None and self.auto_register_bots:
            return self.add_bot(token)
        return None

    def bot(self, ref: BotRef) -> BotRecord:
        """A registered bot by token or id; EmulatorError(404) if unknown."""
        record = self.bots.get(ref) if isinstance(ref, int) else self.find_bot(ref)
        if record is None:
            raise EmulatorError(f"unknown bot {ref!r}", status=404)
        return record

    # ----------------------------------------------------------------- users and chats

    def user(self, user_id: int, **fields: Any) -> EmulatedUser:
        """The user with this id, created on first use; ``fields`` update its profile."""
        existing = self.users.get(user_id)
        if existing is None:
            existing = EmulatedUser(id=user_id, first_name=f"User {user_id}")
            self.users[user_id] = existing
        for name, value in fields.items():
            if name == "id" or not hasattr(existing, name):
                raise EmulatorError(f"unknown user field {name!r}", status=422)
            setattr(existing, name, value)
        return existing

    def _user(self, user: UserRef) -> EmulatedUser:
        if isinstance(user, EmulatedUser):
            self.users[user.id] = user
            return user
        return self.user(user)

    def open_chat(self, bot: BotRecord, user: EmulatedUser) -> ChatRecord:
        """The private chat between ``bot`` and ``user``, created if new."""
        chat = bot.chats.get(user.id)
        if chat is None:
            chat = ChatRecord(user=user)
            bot.chats[user.id] = chat
        else:
            chat.user = user
        return chat

    def chat(self, bot_ref: BotRef, chat_id: int) -> ChatRecord:
        """An existing chat; EmulatorError(404) if nobody opened it."""
        chat = self.bot(bot_ref).chats.get(chat_id)
        if chat is None:
            raise EmulatorError(f"unknown chat {chat_id}", status=404)
        return chat

    def transcript(self, bot_ref: BotRef, chat_id: int) -> list[MessageRecord]:
        """Visible messages of a chat, oldest first (deleted ones are gone)."""
        return list(self.chat(bot_ref, chat_id).messages)

    def last_bot_message(self, bot_ref: BotRef, chat_id: int) -> MessageRecord | None:
        """The newest visible message the bot sent in this chat."""
        messages = self.chat(bot_ref, chat_id).messages
        return next((m for m in reversed(messages) if m.sender == "bot"), None)

    async def wait_for_bot_message(
        self, bot_ref: BotRef, chat_id: int, *, after: int = 0, within: float = 5.0
    ) -> MessageRecord:
        """Wait until the bot has a visible message with id > ``after`` (polling-mode tests).

        With a webhook, delivery already waits for the handler; with getUpdates the bot
        answers in its own time, so tests wait for the effect instead of sleeping blindly.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            chat = self.bot(bot_ref).chats.get(chat_id)
            if chat is not None:
                found = [m for m in chat.messages if m.sender == "bot" and m.message_id > after]
                if found:
                    return found[0]
            if loop.time() >= deadline:
                raise TimeoutError(f"no bot message in chat {chat_id} after #{after}")
            await asyncio.sleep(0.01)

    def reset_chat(self, bot_ref: BotRef, chat_id: int) -> None:
        """Forget a chat entirely (transcript, keyboard, answers, block)."""
        bot = self.bot(bot_ref)
        bot.chats.pop(chat_id, None)
        bot.chat_send_times.pop(chat_id, None)
        bot.callback_queries = {
            k: q for k, q in bot.callback_queries.items() if q.chat_id != chat_id
        }

    def set_blocked(self, bot_ref: BotRef, chat_id: int, blocked: bool) -> ChatRecord:
        """Mark a chat blocked/unblocked without telling the bot (no update)."""
        bot = self.bot(bot_ref)
        chat = self.open_chat(bot, self.user(chat_id))
        chat.blocked = blocked
        return chat

    async def block(self, bot_ref: BotRef, chat_id: int, *, notify: bool = True) -> Delivery | None:
        """The user blocks the bot; Telegram then sends a ``my_chat_member`` update."""
        return await self._change_block(bot_ref, chat_id, blocked=True, notify=notify)

    async def unblock(
        self, bot_ref: BotRef, chat_id: int, *, notify: bool = True
    ) -> Delivery | None:
        """The user restarts the bot; Telegram sends ``my_chat_member`` (kicked -> member)."""
        return await self._change_block(bot_ref, chat_id, blocked=False, notify=notify)

    async def _change_block(
        self, bot_ref: BotRef, chat_id: int, *, blocked: bool, notify: bool
    ) -> Delivery | None:
        bot = self.bot(bot_ref)
        chat = self.open_chat(bot, self.user(chat_id))
        changed = chat.blocked != blocked
        chat.blocked = blocked
        if not (notify and changed):
            return None
        update = my_chat_member_update(
            bot.take_update_id(), bot=bot, chat=chat, date=self.date(), blocked=blocked
        )
        return await self.dispatch(bot, update)

    def reset(self) -> None:
        """Forget all conversations, files, counters, limits and failures.

        Bots keep their registration, webhook and commands: those are the bot's
        configuration, set once at start-up, not per-scenario state.
        """
        for bot in self.bots.values():
            bot.chats.clear()
            bot.pending.clear()
            bot.update_log.clear()
            bot.callback_queries.clear()
            bot.send_times.clear()
            bot.chat_send_times.clear()
            bot.stats = BotStats()
        self.files.clear()
        self.failures.clear()
        self.set_rate_limits()

    # ----------------------------------------------------------------- limits and failures

    def set_rate_limits(
        self, *, per_bot: RateLimit | None = None, per_chat: RateLimit | None = None
    ) -> None:
        """Enable flood control (None disables a limit). Both are off by default."""
        self.per_bot_limit = per_bot
        self.per_chat_limit = per_chat

    def inject_failures(
        self,
        count: int = 1,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        method: str | None = None,
        bot: BotRef | None = None,
    ) -> FailureRule:
        """Make the next ``count`` matching calls fail with ``status``.

        429s carry ``retry_after`` (default 1) like real flood control; other statuses use
        Telegram's usual description unless ``description`` is given.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        rule = FailureRule(
            status=status,
            remaining=count,
            description=description,
            retry_after=retry_after,
            method=method.lower() if method else None,
            bot_id=self.bot(bot).id if bot is not None else None,
        )
        self.failures.append(rule)
        return rule

    def clear_failures(self) -> None:
        """Drop every injected failure not yet served."""
        self.failures.clear()

    def take_failure(self, bot: BotRecord, method: str) -> FailureRule | None:
        """Consume one injected failure matching this call, if any."""
        for rule in self.failures:
            if rule.matches(bot.id, method):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.failures.remove(rule)
                bot.stats.injected_failures += 1
                return rule
        return None

    def check_rate_limit(self, bot: BotRecord, method: str, chat_id: int | None) -> None:
        """Raise Telegram's 429 if sending now would exceed a configured limit."""
        if method not in self.rate_limited_methods:
            return
        now = self.now()
        wait = 0.0
        if self.per_bot_limit is not None:
            wait = _seconds_to_wait(bot.send_times, self.per_bot_limit, now)
        if self.per_chat_limit is not None and chat_id is not None:
            times = bot.chat_send_times.setdefault(chat_id, deque())
            wait = max(wait, _seconds_to_wait(times, self.per_chat_limit, now))
        if wait > 0:
            bot.stats.rate_limited += 1
            raise too_many_requests(max(1, math.ceil(wait)))

    def record_send(self, bot: BotRecord, method: str, message: MessageRecord) -> None:
        """Log a sent message for counters and the rate windows."""
        now = self.now()
        bot.stats.sent.append(SentRecord(message.chat_id, message.message_id, method, now))
        if method not in self.rate_limited_methods:
            return
        if self.per_bot_limit is not None:
            bot.send_times.append(now)
        if self.per_chat_limit is not None:
            bot.chat_send_times.setdefault(message.chat_id, deque()).append(now)

    # ----------------------------------------------------------------- user actions

    async def send_text(self, bot_ref: BotRef, user: UserRef, text: str) -> Delivery:
        """The user types ``text`` (``/start payload`` included) and sends it.

        A user who had blocked the bot must restart it to write, so the chat is unblocked
        first (with the ``my_chat_member`` update Telegram sends).
        """
        bot = self.bot(bot_ref)
        chat = self.open_chat(bot, self._user(user))
        if chat.blocked:
            await self.unblock(bot.id, chat.chat_id)
        message = add_user_message(chat, self.date(), text=text)
        return await self.dispatch(bot, message_update(bot.take_update_id(), message))

    async def send_contact(
        self,
        bot_ref: BotRef,
        user: UserRef,
        phone_number: str | None = None,
        *,
        require_button: bool = True,
    ) -> Delivery:
        """The user taps the bot's ``request_contact`` button and shares their own phone.

        By default the bot must currently show such a button (as in a real client); pass
        ``require_button=False`` to simulate sharing through the attachment menu.
        """
        bot = self.bot(bot_ref)
        person = self._user(user)
        chat = self.open_chat(bot, person)
        if require_button and not any(
            b.get("request_contact") for b in buttons(chat.reply_keyboard)
        ):
            raise EmulatorError("the bot shows no request_contact button in this chat")
        phone = phone_number or person.phone_number
        if not phone:
            raise EmulatorError("no phone number given and the user has none", status=422)
        self._hide_one_time_keyboard(chat)
        message = add_user_message(chat, self.date(), contact=contact_json(person, phone))
        return await self.dispatch(bot, message_update(bot.take_update_id(), message))

    async def press_reply_button(self, bot_ref: BotRef, user: UserRef, text: str) -> Delivery:
        """The user taps a button of the custom (reply) keyboard the bot shows."""
        bot = self.bot(bot_ref)
        person = self._user(user)
        chat = self.open_chat(bot, person)
        button = find_reply_button(chat.reply_keyboard, text)
        if button is None:
            raise EmulatorError(f"no reply keyboard button {text!r} in chat {chat.chat_id}")
        if button.get("request_contact"):
            return await self.send_contact(bot.id, person)
        self._hide_one_time_keyboard(chat)
        return await self.send_text(bot.id, person, text)

    @staticmethod
    def _hide_one_time_keyboard(chat: ChatRecord) -> None:
        if chat.reply_keyboard is not None and chat.reply_keyboard.get("one_time_keyboard"):
            chat.reply_keyboard = None

    async def press_button(
        self,
        bot_ref: BotRef,
        chat_id: int,
        message_id: int | None,
        button: str | None = None,
        *,
        data: str | None = None,
        text: str | None = None,
    ) -> Delivery:
        """The user taps an inline button; the bot gets a ``callback_query``.

        ``button`` matches callback_data first, then the visible text; ``data``/``text`` pick
        one explicitly. ``message_id=None`` means the newest bot message with such a button.
        The query carries the message as it is now, as Telegram does.
        """
        bot = self.bot(bot_ref)
        chat = self.chat(bot.id, chat_id)
        data_key, text_key = (data or button), (text or button)
        if message_id is not None and chat.find(message_id) is None:
            raise EmulatorError(f"message {message_id} is not in chat {chat_id}", status=404)
        candidates = (
            [chat.find(message_id)]
            if message_id is not None
            else [m for m in reversed(chat.messages) if m.sender == "bot"]
        )
        for message in candidates:
            if message is None:
                continue
            found = find_inline_button(message.reply_markup, data=data_key, text=text_key)
            if found is not None:
                break
        else:
            raise EmulatorError(
                f"no inline button {button or data or text!r} on message {message_id} "
                f"in chat {chat_id}",
                status=404,
            )
        if "callback_data" not in found:
            raise EmulatorError(f"button {found['text']!r} sends no callback query")
        query_id = str(4_000_000_000_000 + self.next_sequence())
        bot.callback_queries[query_id] = CallbackQueryRecord(
            id=query_id,
            chat_id=chat.chat_id,
            message_id=message.message_id,
            data=found["callback_data"],
            created_at=self.now(),
        )
        update = callback_query_update(
            bot.take_update_id(),
            query_id=query_id,
            bot=bot,
            chat=chat,
            message=message,
            data=found["callback_data"],
        )
        return await self.dispatch(bot, update)

    def build_update(self, bot_ref: BotRef, kind: str, payload: JSON) -> JSON:
        """A raw update ``{"update_id": next, kind: payload}`` for anything not modelled."""
        return {"update_id": self.bot(bot_ref).take_update_id(), kind: payload}

    async def deliver(self, bot_ref: BotRef, update: JSON) -> Delivery:
        """Deliver a raw update (``update_id`` is assigned if missing)."""
        bot = self.bot(bot_ref)
        update = dict(update)
        update.setdefault("update_id", bot.take_update_id())
        return await self.dispatch(bot, update)

    async def redeliver(self, bot_ref: BotRef, update: JSON) -> Delivery:
        """Deliver the very same update again (same ``update_id``), as Telegram does after a
        webhook timeout or error, to exercise de-duplication."""
        return await self.dispatch(self.bot(bot_ref), dict(update))

    async def flush_pending(self, bot_ref: BotRef) -> list[Delivery]:
        """Push queued updates to a newly set webhook (Telegram does this by itself)."""
        bot = self.bot(bot_ref)
        pending, bot.pending = bot.pending, []
        return [await self.dispatch(bot, update) for update in pending]

    # ----------------------------------------------------------------- delivery

    @property
    def http_client(self) -> httpx.AsyncClient:
        """Client for webhook POSTs (injected, or created on first use)."""
        if self._http_client is None:
            self._http_client = httpx.AsyncClient()
            self._owns_client = True
        return self._http_client

    async def dispatch(self, bot: BotRecord, update: JSON) -> Delivery:
        """Hand ``update`` to the bot: webhook POST if set, else the getUpdates queue."""
        bot.update_log.append(update)
        if bot.webhook.url:
            if not is_allowed(update, bot.webhook.allowed_updates):
                return Delivery(update=update, mode="filtered")
            delivery, response = await post_to_webhook(
                self.http_client, bot, update, time_limit=self.webhook_timeout, date=self.date()
            )
            if response is not None and delivery.ok:
                await self._run_webhook_reply(bot, response)
            return delivery
        if not is_allowed(update, bot.polling_allowed_updates):
            return Delivery(update=update, mode="filtered")
        bot.pending.append(update)
        bot.wake_pollers()
        return Delivery(update=update, mode="queued")

    async def _run_webhook_reply(self, bot: BotRecord, response: httpx.Response) -> None:
        """Execute a Bot API call returned in the webhook response body, like Telegram.

        aiogram can answer a webhook with ``{"method": ..., ...}`` (JSON or multipart); the
        result is not reported to anyone, so errors only show in the counters.
        """
        params = await params_from_body(response.headers.get("content-type", ""), response.content)
        method = params.get_str("method")
        if method:
            # Imported here: api.py builds on this module (it type-checks against the state).
            from .api import execute

            await execute(self, bot, method, params)

    def cancel_long_polls(self) -> None:
        """Release every waiting getUpdates (server shutdown) so it returns at once."""
        self.closing = True
        for bot in self.bots.values():
            bot.wake_pollers()

    async def aclose(self) -> None:
        """Release long polls and close the webhook client if the state created it."""
        self.cancel_long_polls()
        if self._owns_client and self._http_client is not None:
            await self._http_client.aclose()
            self._http_client = None
