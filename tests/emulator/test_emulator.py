"""The Bot API emulator, driven over real HTTP by aiogram's own client.

Each test serves the emulator with uvicorn on 127.0.0.1 and talks to it with
``Bot(session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))``, so what is
checked is what the bot will see: Telegram's envelopes, aiogram's exception types, the
update JSON a webhook receiver gets. Time is a FakeClock wherever ages or windows matter.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from emulator import (
    SECRET_HEADER,
    EmulatedUser,
    EmulatorError,
    EmulatorState,
    RateLimit,
)
from tests.e2e.emulator_fixtures import (
    FakeClock,
    emulator_bot,
    serve_app,
    serve_emulator,
    wait_until,
)

TOKEN = "123456:TEST-emulator_token"
BOT_ID = 123456
SECRET = "s3cr3t-Token_1"
ANA = EmulatedUser(
    id=4242, first_name="Ana", username="ana", language_code="pt-br", phone_number="5511987654321"
)
BIA = EmulatedUser(id=5151, first_name="Bia")


@dataclass
class Env:
    """A served emulator with one registered bot and an aiogram client for it."""

    base_url: str
    state: EmulatorState
    clock: FakeClock
    bot: Bot


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    clock = FakeClock()
    async with serve_emulator(clock=clock) as (base_url, state):
        state.add_bot(TOKEN)
        async with emulator_bot(base_url, TOKEN) as bot:
            yield Env(base_url, state, clock, bot)


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in buttons]
    )


def tiny_png(width: int, height: int) -> bytes:
    """PNG signature + IHDR: enough for the emulator to read the size."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    crc = zlib.crc32(b"IHDR" + ihdr).to_bytes(4, "big")
    return b"\x89PNG\r\n\x1a\n" + len(ihdr).to_bytes(4, "big") + b"IHDR" + ihdr + crc


# ------------------------------------------------------------------- identity and envelopes


async def test_get_me_describes_the_registered_bot(env: Env) -> None:
    me = await env.bot.get_me()

    assert (me.id, me.is_bot, me.username) == (BOT_ID, True, "agendei_test_123456_bot")
    assert env.state.bot(TOKEN).stats.calls["getMe"] == 1


async def test_unknown_token_is_unauthorized_and_unknown_method_not_found(env: Env) -> None:
    async with emulator_bot(env.base_url, "999:not-registered") as stranger:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await stranger.get_me()

    async with httpx.AsyncClient(base_url=env.base_url) as http:
        missing = await http.post(f"/bot{TOKEN}/sendTelepathy", data={"chat_id": "1"})
        by_get = await http.get(f"/bot{TOKEN}/getme")  # names are case-insensitive
        as_json = await http.post(
            f"/bot{TOKEN}/sendMessage",
            json={
                "chat_id": ANA.id,
                "text": "json body",
                "reply_markup": keyboard(("a", "a")).model_dump(exclude_none=True),
            },
        )

    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert by_get.json()["result"]["id"] == BOT_ID
    assert as_json.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "a"


# ------------------------------------------------------------------- sending and editing


async def test_send_message_with_inline_keyboard_appears_in_transcript(env: Env) -> None:
    sent = await env.bot.send_message(
        ANA.id,
        "  <b>Olá</b>, choose a time \n",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("10:00", "slot:10"), ("11:00", "slot:11")),
    )

    [message] = env.state.transcript(TOKEN, ANA.id)
    assert message.message_id == sent.message_id
    assert (message.sender, message.text) == ("bot", "Olá, choose a time")
    assert message.entities == [{"type": "bold", "offset": 0, "length": 3}]
    assert message.reply_markup == keyboard(("10:00", "slot:10"), ("11:00", "slot:11")).model_dump(
        exclude_none=True
    )
    assert sent.text == "Olá, choose a time"
    assert sent.reply_markup is not None and sent.reply_markup.inline_keyboard[1][0].text == "11:00"
    assert [s.chat_id for s in env.state.bot(TOKEN).stats.sent] == [ANA.id]


async def test_edit_message_text_changes_the_message_in_place(env: Env) -> None:
    sent = await env.bot.send_message(ANA.id, "Pick a day", reply_markup=keyboard(("Mon", "d:1")))
    env.clock.advance(5)

    edited = await env.bot.edit_message_text(
        "Pick a time", chat_id=ANA.id, message_id=sent.message_id, reply_markup=keyboard(("9", "t"))
    )

    [message] = env.state.transcript(TOKEN, ANA.id)
    assert isinstance(edited, Message) and edited.message_id == sent.message_id
    assert (message.text, message.edited) == ("Pick a time", True)
    assert message.edit_date == int(env.clock.now)
    assert message.reply_markup == keyboard(("9", "t")).model_dump(exclude_none=True)

    await env.bot.edit_message_text("Done", chat_id=ANA.id, message_id=sent.message_id)
    assert env.state.transcript(TOKEN, ANA.id)[0].reply_markup is None  # omitted markup = removed


async def test_identical_edit_is_not_modified_like_telegram(env: Env) -> None:
    markup = keyboard(("Mon", "d:1"))
    sent = await env.bot.send_message(
        ANA.id, "<b>Pick</b>", parse_mode=ParseMode.HTML, reply_markup=markup
    )

    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new message"):
        # Same parsed text (Telegram trims) and same keyboard.
        await env.bot.edit_message_text(
            "<b>Pick</b>\n",
            chat_id=ANA.id,
            message_id=sent.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await env.bot.edit_message_reply_markup(
            chat_id=ANA.id, message_id=sent.message_id, reply_markup=markup
        )
    assert env.state.bot(TOKEN).stats.statuses[400] == 2


async def test_edits_of_missing_or_foreign_messages_fail(env: Env) -> None:
    await env.state.send_text(TOKEN, ANA, "hello")  # message 1, written by the user

    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await env.bot.edit_message_text("x", chat_id=ANA.id, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await env.bot.edit_message_text("x", chat_id=ANA.id, message_id=1)


async def test_invalid_html_and_oversized_callback_data_are_rejected(env: Env) -> None:
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "br" at byte offset 5'):
        await env.bot.send_message(ANA.id, "Hello<br>there", parse_mode=ParseMode.HTML)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await env.bot.send_message(ANA.id, "x", reply_markup=keyboard(("too long", "x" * 65)))
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await env.bot.send_message(ANA.id, "   ")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await env.bot.send_message(ANA.id, "é" * 4097)
    assert env.state.bot(TOKEN).chats[ANA.id].messages == []


async def test_delete_message_removes_it_from_the_transcript(env: Env) -> None:
    keep = await env.bot.send_message(ANA.id, "keep")
    drop = await env.bot.send_message(ANA.id, "drop")

    assert await env.bot.delete_message(ANA.id, drop.message_id) is True

    assert [m.message_id for m in env.state.transcript(TOKEN, ANA.id)] == [keep.message_id]
    assert env.state.chat(TOKEN, ANA.id).deleted_count == 1
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await env.bot.delete_message(ANA.id, drop.message_id)
    env.clock.advance(49 * 3600)
    with pytest.raises(TelegramBadRequest, match="message can't be deleted for everyone"):
        await env.bot.delete_message(ANA.id, keep.message_id)


async def test_photos_are_stored_and_captions_edited(env: Env) -> None:
    png = tiny_png(33, 33)
    sent = await env.bot.send_photo(
        ANA.id,
        BufferedInputFile(png, filename="qr.png"),
        caption="<i>Your</i> QR",
        parse_mode=ParseMode.HTML,
    )

    assert sent.photo is not None and (sent.photo[0].width, sent.photo[0].file_size) == (
        33,
        len(png),
    )
    assert (sent.caption, sent.caption_entities[0].type if sent.caption_entities else None) == (
        "Your QR",
        "italic",
    )
    file_id = sent.photo[0].file_id
    async with httpx.AsyncClient(base_url=env.base_url) as http:
        assert (await http.get(f"/_emulator/files/{file_id}")).content == png
    info = await env.bot.get_file(file_id)
    assert info.file_path is not None
    await env.bot.edit_message_caption(chat_id=ANA.id, message_id=sent.message_id, caption="New")
    assert env.state.transcript(TOKEN, ANA.id)[0].caption == "New"
    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await env.bot.edit_message_text("x", chat_id=ANA.id, message_id=sent.message_id)
    again = await env.bot.send_photo(ANA.id, file_id)  # re-send by file_id
    assert again.photo is not None and again.photo[0].file_id == file_id


async def test_documents_media_edits_bulk_delete_actions_and_profile(env: Env) -> None:
    doc = await env.bot.send_document(
        ANA.id, BufferedInputFile(b"BEGIN:VCALENDAR", filename="booking.ics"), caption="ICS"
    )
    assert doc.document is not None and doc.document.file_name == "booking.ics"
    swapped = await env.bot.edit_message_media(
        InputMediaPhoto(media=BufferedInputFile(tiny_png(64, 48), filename="qr.png")),
        chat_id=ANA.id,
        message_id=doc.message_id,
    )
    assert isinstance(swapped, Message) and swapped.photo is not None
    assert (swapped.photo[0].width, swapped.photo[0].height, swapped.document) == (64, 48, None)

    texts = [await env.bot.send_message(ANA.id, str(n)) for n in range(3)]
    assert await env.bot.delete_messages(ANA.id, [t.message_id for t in texts[:2]] + [999])
    assert [m.text for m in env.state.transcript(TOKEN, ANA.id)] == [None, "2"]

    assert await env.bot.send_chat_action(ANA.id, "typing")
    assert [a.action for a in env.state.chat(TOKEN, ANA.id).actions] == ["typing"]
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await env.bot.send_chat_action(ANA.id, "dancing")

    assert await env.bot.set_my_description("Agende seu horário", language_code="pt")
    assert (await env.bot.get_my_description(language_code="pt")).description == (
        "Agende seu horário"
    )
    assert (await env.bot.get_my_name()).name == "Agendei"


async def test_strict_chats_and_flushing_queued_updates_to_a_new_webhook() -> None:
    received: list[int] = []
    receiver = FastAPI()

    @receiver.post("/tg")
    async def hook(request: Request) -> Response:
        received.append((await request.json())["update_id"])
        return Response()

    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver)) as client,
        serve_emulator(http_client=client, strict_chats=True) as (base_url, state),
        emulator_bot(base_url, TOKEN) as bot,
    ):
        state.add_bot(TOKEN)
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(ANA.id, "nobody wrote to me yet")
        queued = [await state.send_text(TOKEN, ANA, f"msg {n}") for n in range(2)]
        assert [d.mode for d in queued] == ["queued", "queued"]
        assert (await bot.get_webhook_info()).pending_update_count == 2

        await bot.set_webhook("http://receiver.test/tg")
        flushed = await state.flush_pending(TOKEN)

    assert [d.status for d in flushed] == [200, 200]
    assert received == [d.update["update_id"] for d in queued]


# ------------------------------------------------------------------- buttons and callbacks


async def test_press_button_builds_the_callback_query_telegram_would_send(env: Env) -> None:
    await env.state.send_text(TOKEN, ANA, "/start")
    sent = await env.bot.send_message(ANA.id, "Pick", reply_markup=keyboard(("Cancel", "c:1")))
    await env.bot.edit_message_text(
        "Pick a slot",
        chat_id=ANA.id,
        message_id=sent.message_id,
        reply_markup=keyboard(("10:00", "s:10"), ("Cancel", "c:1")),
    )

    delivery = await env.state.press_button(TOKEN, ANA.id, sent.message_id, "Cancel")  # by text

    assert delivery.mode == "queued"
    query = delivery.update["callback_query"]
    assert query["data"] == "c:1"
    assert query["from"]["id"] == ANA.id and query["from"]["language_code"] == "pt-br"
    assert query["message"]["message_id"] == sent.message_id
    assert query["message"]["text"] == "Pick a slot"  # the message as it is now
    assert "edit_date" in query["message"]
    assert query["message"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "s:10"
    parsed = Update.model_validate(delivery.update)
    assert parsed.callback_query is not None and isinstance(parsed.callback_query.message, Message)
    first_update_id = env.state.bot(TOKEN).update_log[0]["update_id"]
    assert delivery.update["update_id"] == first_update_id + 1
    by_data = await env.state.press_button(TOKEN, ANA.id, None, data="s:10")  # newest message
    assert by_data.update["callback_query"]["data"] == "s:10"
    with pytest.raises(EmulatorError, match="no inline button"):
        await env.state.press_button(TOKEN, ANA.id, sent.message_id, "Nope")


async def test_answer_callback_query_once_and_only_while_fresh(env: Env) -> None:
    sent = await env.bot.send_message(ANA.id, "Confirm?", reply_markup=keyboard(("Yes", "y")))
    press = await env.state.press_button(TOKEN, ANA.id, sent.message_id, "y")
    query_id = press.update["callback_query"]["id"]

    assert await env.bot.answer_callback_query(query_id, text="Booked!", show_alert=True)

    [answer] = env.state.chat(TOKEN, ANA.id).callback_answers
    assert (answer.text, answer.show_alert, answer.data) == ("Booked!", True, "y")
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout expired"):
        await env.bot.answer_callback_query(query_id)  # a second answer
    late = await env.state.press_button(TOKEN, ANA.id, sent.message_id, "y")
    env.clock.advance(16)
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await env.bot.answer_callback_query(late.update["callback_query"]["id"])
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await env.bot.answer_callback_query("12345")


async def test_contact_is_shared_through_the_request_contact_keyboard(env: Env) -> None:
    await env.state.send_text(TOKEN, ANA, "/start")
    with pytest.raises(EmulatorError, match="no request_contact button"):
        await env.state.send_contact(TOKEN, ANA)

    share = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Share my phone", request_contact=True)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )
    sent = await env.bot.send_message(ANA.id, "We need your phone", reply_markup=share)
    assert sent.reply_markup is None  # Telegram does not echo reply keyboards
    assert env.state.chat(TOKEN, ANA.id).reply_keyboard is not None

    delivery = await env.state.press_reply_button(TOKEN, ANA, "Share my phone")

    contact = delivery.update["message"]["contact"]
    assert contact == {"phone_number": "5511987654321", "first_name": "Ana", "user_id": ANA.id}
    assert env.state.chat(TOKEN, ANA.id).reply_keyboard is None  # one-time keyboard hides
    parsed = Update.model_validate(delivery.update)
    assert parsed.message is not None and parsed.message.contact is not None


# ------------------------------------------------------------------- blocking and limits


async def test_blocked_chat_is_forbidden_until_the_user_restarts(env: Env) -> None:
    sent = await env.bot.send_message(ANA.id, "hi")
    await env.state.block(TOKEN, ANA.id)

    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await env.bot.send_message(ANA.id, "reminder")
    with pytest.raises(TelegramForbiddenError):
        await env.bot.edit_message_text("x", chat_id=ANA.id, message_id=sent.message_id)

    await env.state.send_text(TOKEN, ANA, "/start")
    kinds = [next(k for k in u if k != "update_id") for u in env.state.bot(TOKEN).pending]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]  # kicked, back, /start
    assert (await env.bot.send_message(ANA.id, "welcome back")).text == "welcome back"


async def test_injected_failures_become_aiogram_exceptions(env: Env) -> None:
    env.state.inject_failures(2, retry_after=7, method="sendMessage")
    env.state.inject_failures(1, status=502)

    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as caught:
            await env.bot.send_message(ANA.id, "hi")
        assert caught.value.retry_after == 7
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await env.bot.get_me()
    await env.bot.send_message(ANA.id, "hi")

    stats = env.state.bot(TOKEN).stats
    assert (stats.statuses[429], stats.statuses[502], stats.injected_failures) == (2, 1, 3)
    assert len(env.state.transcript(TOKEN, ANA.id)) == 1


async def test_flood_limits_answer_429_with_retry_after(env: Env) -> None:
    env.state.set_rate_limits(per_chat=RateLimit(count=1, period=1.0))
    await env.bot.send_message(ANA.id, "one")

    with pytest.raises(TelegramRetryAfter, match="Too Many Requests: retry after 1") as caught:
        await env.bot.send_message(ANA.id, "two")
    assert caught.value.retry_after == 1
    await env.bot.send_message(BIA.id, "another chat is fine")
    env.clock.advance(1.0)
    await env.bot.send_message(ANA.id, "two")

    env.state.set_rate_limits(per_bot=RateLimit(count=3, period=1.0))
    env.clock.advance(10)
    for chat_id in (1, 2, 3):
        await env.bot.send_message(chat_id, "bulk")
    with pytest.raises(TelegramRetryAfter):
        await env.bot.send_message(4, "bulk")

    stats = env.state.bot(TOKEN).stats
    assert stats.rate_limited == 2 and stats.statuses[429] == 2
    sent_to_ana = stats.sent_to(ANA.id)
    assert [s.at - sent_to_ana[0].at for s in sent_to_ana] == [0.0, 1.0]


# ------------------------------------------------------------------- commands


async def test_commands_are_stored_per_scope_and_language(env: Env) -> None:
    await env.bot.set_my_commands([BotCommand(command="start", description="Start")])
    await env.bot.set_my_commands(
        [
            BotCommand(command="start", description="Começar"),
            BotCommand(command="reservas", description="Minhas reservas"),
        ],
        language_code="pt",
    )
    await env.bot.set_my_commands(
        [BotCommand(command="agenda", description="Agenda")],
        scope=BotCommandScopeChat(chat_id=ANA.id),
    )

    assert [c.command for c in await env.bot.get_my_commands()] == ["start"]
    pt = await env.bot.get_my_commands(language_code="pt")
    assert [(c.command, c.description) for c in pt] == [
        ("start", "Começar"),
        ("reservas", "Minhas reservas"),
    ]
    assert await env.bot.get_my_commands(language_code="es") == []
    scoped = await env.bot.get_my_commands(scope=BotCommandScopeChat(chat_id=ANA.id))
    assert [c.command for c in scoped] == ["agenda"]
    assert len(env.state.bot(TOKEN).commands) == 3
    await env.bot.delete_my_commands(language_code="pt")
    assert await env.bot.get_my_commands(language_code="pt") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await env.bot.set_my_commands([BotCommand(command="Start!", description="x")])


# ------------------------------------------------------------------- polling


async def test_get_updates_long_polls_and_confirms_with_offset(env: Env) -> None:
    async def ana_writes_later() -> None:
        await wait_until(lambda: env.state.bot(TOKEN).poll_waiters)  # the long poll is waiting
        await env.state.send_text(TOKEN, ANA, "/start promo")

    writer = asyncio.create_task(ana_writes_later())
    updates = await env.bot.get_updates(timeout=5)
    await writer

    assert [u.message.text for u in updates if u.message] == ["/start promo"]
    assert updates[0].message is not None and updates[0].message.entities is not None
    assert updates[0].message.entities[0].type == "bot_command"
    assert await env.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []


async def test_a_second_poller_terminates_the_first(env: Env) -> None:
    first = asyncio.create_task(env.bot.get_updates(timeout=5))
    await wait_until(lambda: env.state.bot(TOKEN).poll_waiters)

    await env.bot.get_updates(timeout=0)

    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await first
    await env.bot.set_webhook("http://127.0.0.1:9/unused")
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await env.bot.get_updates()


async def test_aiogram_dispatcher_polling_talks_to_a_user(env: Env) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(f"Welcome! ref={command.args}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(
        dispatcher.start_polling(
            env.bot, handle_signals=False, close_bot_session=False, polling_timeout=1
        )
    )
    try:
        await env.state.send_text(TOKEN, ANA, "/start ref42")
        reply = await env.state.wait_for_bot_message(TOKEN, ANA.id)
    finally:
        await dispatcher.stop_polling()
        await polling

    assert reply.text == "Welcome! ref=ref42"


# ------------------------------------------------------------------- webhooks


async def test_webhook_gets_updates_with_the_secret_header() -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    status = {"code": 200}
    receiver = FastAPI()

    @receiver.post("/tg/{bot_id}")
    async def hook(bot_id: int, request: Request) -> Response:
        received.append((request.headers.get(SECRET_HEADER), await request.json()))
        return Response(status_code=status["code"])

    transport = httpx.ASGITransport(app=receiver)
    async with (
        httpx.AsyncClient(transport=transport) as client,
        serve_emulator(http_client=client) as (base_url, state),
        emulator_bot(base_url, TOKEN) as bot,
    ):
        state.add_bot(TOKEN)
        url = f"http://receiver.test/tg/{BOT_ID}"
        assert await bot.set_webhook(url, secret_token=SECRET, allowed_updates=["message"])

        delivery = await state.send_text(TOKEN, ANA, "oi")
        again = await state.redeliver(TOKEN, delivery.update)
        status["code"] = 500
        failed = await state.send_text(TOKEN, ANA, "still there?")
        filtered = await state.block(TOKEN, ANA.id)  # my_chat_member is not allowed
        info = await bot.get_webhook_info()

    assert (delivery.mode, delivery.status, again.status, failed.status) == (
        "webhook",
        200,
        200,
        500,
    )
    assert [secret for secret, _ in received] == [SECRET] * 3
    assert received[0][1]["message"]["text"] == "oi"
    assert received[0][1]["update_id"] == received[1][1]["update_id"]  # a true redelivery
    assert filtered is not None and filtered.mode == "filtered"
    assert (info.url, info.allowed_updates, info.pending_update_count) == (url, ["message"], 0)
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_webhook_reply_body_is_executed_like_telegram() -> None:
    replies: list[Response] = []
    receiver = FastAPI()

    @receiver.post("/tg")
    async def hook() -> Response:
        return replies.pop(0)

    multipart = httpx.Request(
        "POST",
        "http://x",
        data={"method": "sendMessage", "chat_id": str(ANA.id), "text": "pong (multipart)"},
        files={"unused": ("a.txt", b"x")},
    )
    replies.append(JSONResponse({"method": "sendMessage", "chat_id": ANA.id, "text": "pong"}))
    replies.append(Response(multipart.read(), media_type=multipart.headers["content-type"]))
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver)) as client,
        serve_emulator(http_client=client) as (base_url, state),
        emulator_bot(base_url, TOKEN) as bot,
    ):
        state.add_bot(TOKEN)
        await bot.set_webhook("http://receiver.test/tg")
        await state.send_text(TOKEN, ANA, "ping")
        await state.send_text(TOKEN, ANA, "ping")

    assert [m.text for m in state.transcript(TOKEN, ANA.id)] == [
        "ping",
        "pong",
        "ping",
        "pong (multipart)",
    ]


async def test_full_loop_aiogram_webhook_app_over_real_http() -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(
            "<b>Olá</b>, pick a time:",
            reply_markup=keyboard(("10:00", "slot:10"), ("11:00", "slot:11")),
        )

    @router.callback_query(F.data.startswith("slot:"))
    async def pick(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message) and query.data is not None
        await query.message.edit_text(f"Booked at {query.data[5:]}:00")
        await query.answer("Done")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)

    async with serve_emulator() as (base_url, state):
        state.add_bot(TOKEN)
        async with emulator_bot(
            base_url, TOKEN, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
        ) as bot:
            receiver = FastAPI()

            @receiver.post("/webhooks/telegram/{bot_id}")
            async def hook(bot_id: int, request: Request) -> Response:
                if request.headers.get(SECRET_HEADER) != SECRET:
                    return Response(status_code=401)
                update = Update.model_validate(await request.json(), context={"bot": bot})
                await dispatcher.feed_update(bot, update)
                return Response()

            async with serve_app(receiver) as hook_base:
                await bot.set_webhook(
                    f"{hook_base}/webhooks/telegram/{BOT_ID}", secret_token=SECRET
                )
                started = await state.send_text(TOKEN, ANA, "/start")
                [_, menu] = state.transcript(TOKEN, ANA.id)
                menu_shown = (menu.text, [e["type"] for e in menu.entities], menu.reply_markup)
                picked = await state.press_button(TOKEN, ANA.id, menu.message_id, "11:00")
                await bot.set_webhook(f"{hook_base}/webhooks/telegram/{BOT_ID}", secret_token="x")
                rejected = await state.send_text(TOKEN, ANA, "hello?")

    assert (started.status, picked.status, rejected.status) == (200, 200, 401)
    assert menu_shown == (
        "Olá, pick a time:",
        ["bold"],
        keyboard(("10:00", "slot:10"), ("11:00", "slot:11")).model_dump(exclude_none=True),
    )
    [_, booked, _] = state.transcript(TOKEN, ANA.id)
    assert (booked.message_id, booked.text, booked.reply_markup) == (
        menu.message_id,
        "Booked at 11:00",
        None,
    )
    assert [a.text for a in state.chat(TOKEN, ANA.id).callback_answers] == ["Done"]


# ------------------------------------------------------------------- control routes


async def test_control_routes_over_http(env: Env) -> None:
    root = f"/_emulator/bots/{BOT_ID}"
    chat = f"{root}/chats/{ANA.id}"
    async with httpx.AsyncClient(base_url=env.base_url) as http:
        bots = (await http.get("/_emulator/bots")).json()
        assert [(b["id"], b["username"]) for b in bots] == [(BOT_ID, "agendei_test_123456_bot")]
        assert (await http.post("/_emulator/bots", json={"token": "nope"})).status_code == 422

        said = await http.post(
            f"{chat}/text", json={"text": "/start", "user": {"first_name": "Ana"}}
        )
        assert said.json()["delivery"]["mode"] == "queued"
        assert said.json()["transcript"]["messages"][0]["sender"] == "user"

        sent = await env.bot.send_message(ANA.id, "Pick", reply_markup=keyboard(("10:00", "s:10")))
        transcript = (await http.get(chat)).json()
        assert transcript["chat"]["first_name"] == "Ana"
        assert transcript["messages"][1]["reply_markup"]["inline_keyboard"][0][0] == {
            "text": "10:00",
            "callback_data": "s:10",
        }
        pressed = await http.post(
            f"{chat}/press", json={"message_id": sent.message_id, "data": "s:10"}
        )
        assert pressed.json()["delivery"]["update"]["callback_query"]["data"] == "s:10"
        missing = await http.post(f"{chat}/press", json={"button": "nope"})
        assert missing.status_code == 404 and "no inline button" in missing.json()["detail"]

        limits = await http.put("/_emulator/rate-limits", json={"per_chat": {"count": 1}})
        assert limits.json()["per_chat"] == {"count": 1, "period": 1.0}
        await env.bot.send_message(ANA.id, "one")
        with pytest.raises(TelegramRetryAfter):
            await env.bot.send_message(ANA.id, "two")
        await http.put("/_emulator/rate-limits", json={})

        await http.post("/_emulator/failures", json={"status": 503, "method": "getMe"})
        assert len((await http.get("/_emulator/failures")).json()) == 1
        with pytest.raises(TelegramServerError):
            await env.bot.get_me()
        assert (await http.get("/_emulator/failures")).json() == []

        blocked = await http.post(f"{chat}/block", json={"notify": False})
        assert blocked.json()["transcript"]["blocked"] is True
        with pytest.raises(TelegramForbiddenError):
            await env.bot.send_message(ANA.id, "reminder")
        await http.post(f"{chat}/unblock")

        log = (await http.get(f"{root}/updates")).json()
        first_id = log["recent"][0]["update_id"]
        redelivered = await http.post(f"{root}/updates/{first_id}/redeliver")
        assert redelivered.json()["update"]["update_id"] == first_id
        raw = await http.post(f"{root}/updates", json={"message_reaction": {"chat": {"id": 1}}})
        assert raw.json()["mode"] == "filtered"  # opt-in update type, as on Telegram

        bot_info = (await http.get(root)).json()
        assert bot_info["stats"]["calls"]["sendMessage"] == 4
        assert (await http.post(f"{chat}/reset")).status_code == 204
        assert (await http.get(chat)).status_code == 404
        assert (await http.post("/_emulator/reset")).status_code == 204
        assert (await http.get(root)).json()["stats"]["calls"] == {}
