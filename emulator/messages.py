"""Message methods: send, edit, delete, chat actions, callback answers, files.

Validation follows Telegram: HTML is parsed and trimmed, keyboards are checked when sent,
edits that change nothing fail with "message is not modified", and a chat whose user
blocked the bot answers 403.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .errors import (
    BAD_MARKUP,
    BOT_BLOCKED,
    CAPTION_TOO_LONG,
    CHAT_NOT_FOUND,
    MESSAGE_CANT_BE_DELETED,
    MESSAGE_CANT_BE_EDITED,
    MESSAGE_TEXT_EMPTY,
    MESSAGE_TO_DELETE_NOT_FOUND,
    MESSAGE_TO_EDIT_NOT_FOUND,
    MESSAGE_TO_REPLY_NOT_FOUND,
    MESSAGE_TOO_LONG,
    NO_CAPTION_TO_EDIT,
    NO_TEXT_TO_EDIT,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    WRONG_CHAT_ACTION,
    ApiError,
    bad_request,
)
from .formatting import render_text, utf16_len
from .markup import Markup, is_inline, is_reply_keyboard, normalize_markup
from .models import JSON, CallbackAnswer, ChatAction, ChatRecord, MessageRecord, StoredFile
from .params import Upload
from .registry import Call, MethodTable

MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

methods = MethodTable()


def resolve_chat(call: Call) -> ChatRecord:
    """The chat named by ``chat_id`` (id or @username); 403 if the user blocked the bot.

    Unknown numeric ids open a private chat unless the state is strict, because tests often
    notify a user before simulating their first message.
    """
    raw = call.params.raw("chat_id")
    if raw is None:
        raise bad_request("Bad Request: chat_id is empty")
    chats = call.bot.chats
    if isinstance(raw, str) and raw.startswith("@"):
        wanted = raw[1:].lower()
        chat = next((c for c in chats.values() if (c.user.username or "").lower() == wanted), None)
    else:
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request(CHAT_NOT_FOUND) from None
        chat = chats.get(chat_id)
        if chat is None and chat_id > 0 and not call.state.strict_chats:
            chat = call.state.open_chat(call.bot, call.state.user(chat_id))
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND)
    if chat.blocked:
        raise ApiError(403, BOT_BLOCKED)
    return chat


def _rendered(call: Call, field: str, entities_field: str) -> tuple[str, list[JSON]]:
    raw = call.params.get_str(field) or ""
    entities = call.params.get_json(entities_field)
    return render_text(
        raw, call.params.get_str("parse_mode"), entities if isinstance(entities, list) else None
    )


def _text(call: Call) -> tuple[str, list[JSON]]:
    text, entities = _rendered(call, "text", "entities")
    if not text:
        raise bad_request(MESSAGE_TEXT_EMPTY)
    if utf16_len(text) > MAX_TEXT:
        raise bad_request(MESSAGE_TOO_LONG)
    return text, entities


def _caption(call: Call) -> tuple[str | None, list[JSON]]:
    caption, entities = _rendered(call, "caption", "caption_entities")
    if utf16_len(caption) > MAX_CAPTION:
        raise bad_request(CAPTION_TOO_LONG)
    return (caption or None), entities


def _reply_target(call: Call, chat: ChatRecord) -> MessageRecord | None:
    message_id = call.params.get_int("reply_to_message_id")
    allow_missing = call.params.get_bool("allow_sending_without_reply")
    reply_parameters = call.params.get_json("reply_parameters")
    if isinstance(reply_parameters, dict) and "message_id" in reply_parameters:
        message_id = int(reply_parameters["message_id"])
        allow_missing = bool(reply_parameters.get("allow_sending_without_reply", allow_missing))
    if message_id is None:
        return None
    target = chat.find(message_id)
    if target is None and not allow_missing:
        raise bad_request(MESSAGE_TO_REPLY_NOT_FOUND)
    return target


def _post(call: Call, chat: ChatRecord, **content: Any) -> JSON:
    """Append a bot message, update the user's keyboard, count the send."""
    markup: Markup | None = normalize_markup(call.params.get_json("reply_markup"))
    message = MessageRecord(
        message_id=chat.take_message_id(),
        chat=chat.user.chat_json(),
        sender="bot",
        from_user=call.bot.user_json(),
        date=call.state.date(),
        reply_markup=markup,
        reply_to=_reply_target(call, chat),
        **content,
    )
    chat.messages.append(message)
    if is_reply_keyboard(markup):
        chat.reply_keyboard = markup
    elif markup is not None and markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    call.state.record_send(call.bot, call.method, message)
    return message.to_telegram()


def _target(call: Call) -> MessageRecord:
    """The bot message an edit method points at."""
    if call.params.raw("inline_message_id") is not None:
        raise bad_request(MESSAGE_TO_EDIT_NOT_FOUND)  # inline mode is not emulated
    chat = resolve_chat(call)
    message_id = call.params.get_int("message_id")
    if message_id is None:
        raise bad_request("Bad Request: message identifier is not specified")
    message = chat.find(message_id)
    if message is None:
        raise bad_request(MESSAGE_TO_EDIT_NOT_FOUND)
    if message.sender != "bot":
        raise bad_request(MESSAGE_CANT_BE_EDITED)
    return message


def _edit_markup(call: Call, message: MessageRecord) -> Markup | None:
    """New markup of an edit: omitting ``reply_markup`` removes the inline keyboard."""
    markup = normalize_markup(call.params.get_json("reply_markup"))
    if markup is not None and not is_inline(markup):
        raise bad_request(BAD_MARKUP)
    if markup is None and not is_inline(message.reply_markup):
        return message.reply_markup  # a reply keyboard is not part of the message body
    return markup


def _apply_edit(call: Call, message: MessageRecord, **changes: Any) -> JSON:
    """Apply an edit, or fail with "message is not modified" when nothing changes."""
    if replace(message, **changes).content() == message.content():
        raise bad_request(NOT_MODIFIED)
    for name, value in changes.items():
        setattr(message, name, value)
    message.edit_date = call.state.date()
    return message.to_telegram()


def _store(call: Call, source: Upload | str | None, field: str) -> StoredFile:
    """Keep an uploaded file (or reuse a known file_id) the way Telegram stores media."""
    state = call.state
    if source is None:
        raise bad_request(f"Bad Request: there is no {field} in the request")
    if isinstance(source, str):
        if source in state.files:
            return state.files[source]
        if not source.startswith(("http://", "https://")):
            raise bad_request("Bad Request: wrong file identifier/HTTP URL specified")
        upload = Upload(source.rsplit("/", 1)[-1] or field, "application/octet-stream", b"")
    else:
        upload = source
    number = state.next_sequence()
    stored = StoredFile(
        file_id=f"AgAC{call.bot.id}F{number:08d}",
        file_unique_id=f"AQAD{number:08d}",
        data=upload.data,
        filename=upload.filename,
        content_type=upload.content_type,
    )
    state.files[stored.file_id] = stored
    return stored


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 512, 512


def _photo(stored: StoredFile) -> list[JSON]:
    width, height = _png_size(stored.data)
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
            "file_size": len(stored.data),
        }
    ]


def _document(stored: StoredFile) -> JSON:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": stored.filename,
        "mime_type": stored.content_type,
        "file_size": len(stored.data),
    }


@methods.method("sendMessage")
async def send_message(call: Call) -> JSON:
    """Post a text message (HTML parse mode honoured, keyboards validated)."""
    chat = resolve_chat(call)
    text, entities = _text(call)
    return _post(call, chat, text=text, entities=entities)


@methods.method("sendPhoto")
async def send_photo(call: Call) -> JSON:
    """Post a photo (upload, URL or known file_id) with an optional caption."""
    chat = resolve_chat(call)
    stored = _store(call, call.params.upload("photo"), "photo")
    caption, entities = _caption(call)
    return _post(call, chat, photo=_photo(stored), caption=caption, caption_entities=entities)


@methods.method("sendDocument")
async def send_document(call: Call) -> JSON:
    """Post a document with an optional caption."""
    chat = resolve_chat(call)
    stored = _store(call, call.params.upload("document"), "document")
    caption, entities = _caption(call)
    document = _document(stored)
    return _post(call, chat, document=document, caption=caption, caption_entities=entities)


@methods.method("editMessageText")
async def edit_message_text(call: Call) -> JSON:
    """Replace a text message's text (and inline keyboard) in place."""
    message = _target(call)
    if message.text is None:
        raise bad_request(NO_TEXT_TO_EDIT)
    text, entities = _text(call)
    markup = _edit_markup(call, message)
    return _apply_edit(call, message, text=text, entities=entities, reply_markup=markup)


@methods.method("editMessageCaption")
async def edit_message_caption(call: Call) -> JSON:
    """Replace a media message's caption."""
    message = _target(call)
    if message.kind not in {"photo", "document"}:
        raise bad_request(NO_CAPTION_TO_EDIT)
    caption, entities = _caption(call)
    markup = _edit_markup(call, message)
    return _apply_edit(
        call, message, caption=caption, caption_entities=entities, reply_markup=markup
    )


@methods.method("editMessageMedia")
async def edit_message_media(call: Call) -> JSON:
    """Swap a media message's photo/document (and caption)."""
    message = _target(call)
    if message.kind not in {"photo", "document"}:
        raise bad_request("Bad Request: there is no media in the message to edit")
    media = call.params.get_json("media")
    if not isinstance(media, dict) or media.get("type") not in {"photo", "document"}:
        raise bad_request("Bad Request: can't parse InputMedia JSON object")
    stored = _store(call, call.params.attachment(str(media.get("media", ""))), "media")
    caption, entities = render_text(
        str(media.get("caption") or ""), media.get("parse_mode"), media.get("caption_entities")
    )
    is_photo = media["type"] == "photo"
    return _apply_edit(
        call,
        message,
        photo=_photo(stored) if is_photo else None,
        document=None if is_photo else _document(stored),
        caption=caption or None,
        caption_entities=entities,
        reply_markup=_edit_markup(call, message),
    )


@methods.method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> JSON:
    """Replace (or remove) a message's inline keyboard."""
    message = _target(call)
    return _apply_edit(call, message, reply_markup=_edit_markup(call, message))


def _delete(call: Call, chat: ChatRecord, message_id: int) -> bool:
    message = chat.find(message_id)
    if message is None:
        return False
    if call.state.now() - message.date > call.state.delete_window:
        raise bad_request(MESSAGE_CANT_BE_DELETED)
    chat.messages.remove(message)
    chat.deleted_count += 1
    return True


@methods.method("deleteMessage")
async def delete_message(call: Call) -> bool:
    """Remove a message from the chat (bot or user message, within 48 hours)."""
    chat = resolve_chat(call)
    if not _delete(call, chat, call.params.need_int("message_id")):
        raise bad_request(MESSAGE_TO_DELETE_NOT_FOUND)
    return True


@methods.method("deleteMessages")
async def delete_messages(call: Call) -> bool:
    """Remove several messages; unknown ids are skipped, as Telegram does."""
    chat = resolve_chat(call)
    ids = call.params.get_json("message_ids")
    if not isinstance(ids, list) or not ids:
        raise bad_request("Bad Request: message_ids is empty")
    for message_id in ids:
        _delete(call, chat, int(message_id))
    return True


@methods.method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    """Record a "typing..." style action."""
    chat = resolve_chat(call)
    action = call.params.need_str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request(WRONG_CHAT_ACTION)
    chat.actions.append(ChatAction(action=action, at=call.state.now()))
    return True


@methods.method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    """Answer a button press once, within the timeout, else "query is too old"."""
    query_id = call.params.need_str("callback_query_id")
    query = call.bot.callback_queries.get(query_id)
    state = call.state
    if (
        query is None
        or query.answer is not None
        or state.now() - query.created_at > state.callback_query_timeout
    ):
        raise bad_request(QUERY_TOO_OLD)
    query.answer = CallbackAnswer(
        query_id=query_id,
        message_id=query.message_id,
        data=query.data,
        text=call.params.get_str("text"),
        show_alert=call.params.get_bool("show_alert"),
        url=call.params.get_str("url"),
        cache_time=call.params.get_int("cache_time", 0) or 0,
        at=state.now(),
    )
    chat = call.bot.chats.get(query.chat_id)
    if chat is not None:
        chat.callback_answers.append(query.answer)
    return True


@methods.method("getFile")
async def get_file(call: Call) -> JSON:
    """File info with a path served under ``/file/bot{token}/``."""
    stored = call.state.files.get(call.params.need_str("file_id"))
    if stored is None:
        raise bad_request("Bad Request: invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": f"files/{stored.file_id}",
    }
