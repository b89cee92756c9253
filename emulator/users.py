"""What a Telegram user does, as updates, and how Telegram hands updates to a bot.

Builders here produce the exact ``Update`` JSON Telegram would send. Delivery follows the bot's
mode: with a webhook set, the update is POSTed to it (with the secret header, if any) and the
receiver's status is reported back; without one it waits in the queue that ``getUpdates`` long
polls. Updates the bot's ``allowed_updates`` exclude are dropped, as Telegram drops them.
"""

from __future__ import annotations

from typing import Any

import httpx

from .formatting import command_entities
from .models import JSON, BotRecord, ChatRecord, Delivery, EmulatedUser, MessageRecord

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Telegram's default when allowed_updates is empty: everything except these three.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def update_type(update: JSON) -> str:
    """The update's kind: its only key besides ``update_id``."""
    return next((key for key in update if key != "update_id"), "")


def is_allowed(update: JSON, allowed: list[str] | None) -> bool:
    """Whether Telegram would deliver ``update`` given the bot's ``allowed_updates``."""
    kind = update_type(update)
    if not allowed:
        return kind not in _OPT_IN_UPDATES
    return kind in allowed


def add_user_message(
    chat: ChatRecord,
    date: int,
    *,
    text: str | None = None,
    contact: JSON | None = None,
) -> MessageRecord:
    """Append a message written by the chat's user to the transcript."""
    message = MessageRecord(
        message_id=chat.take_message_id(),
        chat=chat.user.chat_json(),
        sender="user",
        from_user=chat.user.to_telegram(),
        date=date,
        text=text,
        entities=command_entities(text) if text else [],
        contact=contact,
    )
    chat.messages.append(message)
    return message


def contact_json(user: EmulatedUser, phone_number: str) -> JSON:
    """The ``Contact`` a user shares through a ``request_contact`` button (their own)."""
    contact: JSON = {
        "phone_number": phone_number,
        "first_name": user.first_name,
        "user_id": user.id,
    }
    if user.last_name:
        contact["last_name"] = user.last_name
    return contact


def message_update(update_id: int, message: MessageRecord) -> JSON:
    """``{"update_id", "message"}`` for a user's message."""
    return {"update_id": update_id, "message": message.to_telegram()}


def callback_query_update(
    update_id: int,
    *,
    query_id: str,
    bot: BotRecord,
    chat: ChatRecord,
    message: MessageRecord,
    data: str | None,
) -> JSON:
    """``{"update_id", "callback_query"}`` carrying the message as it is *now*."""
    query: JSON = {
        "id": query_id,
        "from": chat.user.to_telegram(),
        "message": message.to_telegram(),
        "chat_instance": str(abs(bot.id * 1_000_003 + chat.chat_id)),
    }
    if data is not None:
        query["data"] = data
    return {"update_id": update_id, "callback_query": query}


def my_chat_member_update(
    update_id: int, *, bot: BotRecord, chat: ChatRecord, date: int, blocked: bool
) -> JSON:
    """The update Telegram sends when a user blocks (or restarts) the bot."""
    member = {"status": "member", "user": bot.user_json()}
    kicked = {"status": "kicked", "user": bot.user_json(), "until_date": 0}
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": chat.user.chat_json(),
            "from": chat.user.to_telegram(),
            "date": date,
            "old_chat_member": member if blocked else kicked,
            "new_chat_member": kicked if blocked else member,
        },
    }


async def post_to_webhook(
    client: httpx.AsyncClient, bot: BotRecord, update: JSON, *, time_limit: float, date: int
) -> tuple[Delivery, httpx.Response | None]:
    """POST ``update`` to the bot's webhook as Telegram does, recording failures.

    Telegram keeps the last delivery error for ``getWebhookInfo``; the same is recorded here.
    The raw response is returned too: its body may carry a Bot API call to execute.
    """
    headers = {"Content-Type": "application/json"}
    if bot.webhook.secret_token is not None:
        headers[SECRET_HEADER] = bot.webhook.secret_token
    try:
        response = await client.post(
            bot.webhook.url, json=update, headers=headers, timeout=time_limit
        )
    except httpx.HTTPError as exc:
        bot.webhook.last_error_date = date
        bot.webhook.last_error_message = f"Connection failed: {type(exc).__name__}"
        error = str(exc) or type(exc).__name__
        return Delivery(update=update, mode="webhook", error=error), None
    body: Any = None
    if response.headers.get("content-type", "").startswith("application/json"):
        try:
            body = response.json()
        except ValueError:
            body = None
    if not 200 <= response.status_code < 300:
        bot.webhook.last_error_date = date
        bot.webhook.last_error_message = (
            f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
        )
    delivery = Delivery(update=update, mode="webhook", status=response.status_code, response=body)
    return delivery, response
