"""Hostile input to the bot and its webhook, served for real (uvicorn + the emulator):
huge or deeply nested bodies, updates from bots, invisible characters, crafted callback data."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from tests.conftest import Backend
from tests.e2e.bot_harness import SECRET, RunningBot, running_bot, seed_business, t
from tests.e2e.test_bot_booking import CORTE, bookings_of, pick_time

MB = 1024 * 1024


def _update(update_id: int, user_id: int, text_: str, *, is_bot: bool = False) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": is_bot, "first_name": "X"},
            "text": text_,
        },
    }


class RawConnection:
    """One kept-alive HTTP/1.1 connection, to see what happens to it between requests."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, bot: RunningBot) -> RawConnection:
        parts = urlsplit(bot.url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer)

    def head(self, path: str, extra: str) -> bytes:
        return (
            f"POST {path} HTTP/1.1\r\nHost: agendei\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n{extra}\r\n"
        ).encode()

    async def post(self, path: str, body: bytes) -> int:
        self.writer.write(self.head(path, f"Content-Length: {len(body)}\r\n") + body)
        await self.writer.drain()
        return await self.status()

    async def status(self) -> int:
        line = await asyncio.wait_for(self.reader.readline(), 30)
        status = int(line.split()[1])
        length = 0
        while (header := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def _rows(bot: RunningBot, table: str) -> int:
    async with bot.container.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_large_bodies_are_refused_with_413_declared_or_chunked(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        path = urlsplit(bot.webhook_url).path
        declared = await RawConnection.open(bot)
        # Only the headers are sent: the answer must not wait for 10 MB that never come.
        declared.writer.write(declared.head(path, f"Content-Length: {10 * MB}\r\n"))
        await declared.writer.drain()
        assert await declared.status() == 413
        declared.close()

        chunked = await RawConnection.open(bot)
        chunked.writer.write(chunked.head(path, "Transfer-Encoding: chunked\r\n"))
        chunk = b"[" * (64 * 1024)
        sent = 0
        try:
            for _ in range(160):  # 10 MB, unless the server hangs up first
                chunked.writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await chunked.writer.drain()
                sent += len(chunk)
        except ConnectionError:
            pass
        try:
            status = await chunked.status()
        except ConnectionError:  # the 413 can be lost in the reset of a half-sent body
            status = 413
        # Refused before the end: the server stopped reading long before 10 MB.
        assert status == 413 and sent < 10 * MB
        chunked.close()


async def test_deep_nesting_is_a_400_and_the_connection_keeps_working(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(backend) as bot:
        await seed_business(bot.container)
        path = urlsplit(bot.webhook_url).path
        connection = await RawConnection.open(bot)
        nested = b'{"update_id": 1, "message": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
        assert await connection.post(path, nested) == 400
        deep_dict = b'{"update_id": 2, "x": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"}"
        assert await connection.post(path, deep_dict) in (200, 400)
        start = json.dumps(_update(3, 7001, "/start barbearia-central")).encode()
        assert await connection.post(path, start) == 200
        connection.close()
        assert "Traceback" not in caplog.text
        transcript = bot.emulator.transcript(bot.bot_id, 7001)
        assert any(m.sender == "bot" for m in transcript)


async def test_updates_from_bot_accounts_are_ignored_quietly(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(backend) as bot:
        await seed_business(bot.container)
        caplog.set_level(logging.INFO)
        clients = await _rows(bot, "clients")
        delivery = await bot.emulator.deliver(
            bot.bot_id, _update(11, 7002, "/start barbearia-central", is_bot=True)
        )
        assert delivery.status == 200
        assert "failed" not in caplog.text and "TypeError" not in caplog.text
        assert await _rows(bot, "clients") == clients
        assert bot.emulator.bot(bot.bot_id).stats.sent == []


async def _to_name_step(bot: RunningBot, user_id: int, **profile: Any) -> Any:
    chat = bot.chat(user_id, **profile)
    await chat.send("/start barbearia-central")
    await chat.press_key("menu.book")
    await chat.press_key("book.service_item", **CORTE)
    await chat.press(chat.buttons()[0])
    await pick_time(chat, "10:00")
    assert chat.last.text == t("pt_BR", "name.ask")
    return chat


async def test_invisible_names_are_refused_and_controls_are_stripped(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        # A Telegram profile name with nothing visible is not offered as a button.
        chat = await _to_name_step(bot, 7003, first_name="\u200b\u200b")
        offer = t("pt_BR", "name.use_telegram", first_name="\x01").split("\x01")[0]
        assert not any(b.startswith(offer) for b in chat.buttons())
        await chat.send("\u200b\u2060\u200b")  # zero-width only: not a name, not a button
        assert chat.last.text == t("pt_BR", "input.unreadable")
        await chat.send("\u202eAna\x00 \u200bLima\u202c")
        assert chat.last.text == t("pt_BR", "phone.ask")
        await chat.send("(11) 98765-4321")
        await chat.press_key("review.confirm")
        [booking] = await bookings_of(bot, seed)
        async with bot.container.uow_factory(read_only=True) as uow:
            client = await uow.clients.get(booking.client_id)
        assert client is not None and client.name == "Ana Lima"


async def test_a_crafted_day_in_the_past_opens_nothing(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        await seed_business(bot.container)
        chat = bot.chat(7004)
        await chat.send("/start barbearia-central")
        await chat.press_key("menu.book")
        await chat.press_key("book.service_item", **CORTE)
        day_message = chat.last.message_id
        real = chat.button_data(chat.buttons()[0])
        crafted = real[: -len("2026-03-09")] + "2020-01-01"
        assert crafted != real
        delivery = await chat.press_forged(crafted, message_id=day_message)
        assert delivery.status == 200
        assert not any("2020" in text_ for text_ in chat.bot_texts())
        assert not any(":" in b and len(b) == 5 for b in chat.buttons())  # no times offered


async def test_a_crafted_time_in_the_past_opens_nothing(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container)
        chat = bot.chat(7005)
        await chat.send("/start barbearia-central")
        await chat.press_key("menu.book")
        await chat.press_key("book.service_item", **CORTE)
        await chat.press(chat.buttons()[0])
        await pick_time(chat, "10:00")
        await chat.press_key("nav.back")  # back to the list of times
        times_message = chat.last.message_id
        real = chat.button_data("10:00")
        stamp = real.rsplit(":", 1)[1]
        crafted = real[: -len(stamp)] + "1577880000"  # 2020-01-01 12:00 UTC
        delivery = await chat.press_forged(crafted, message_id=times_message)
        assert delivery.status == 200
        assert not any("2020" in text_ for text_ in chat.bot_texts())
        assert chat.last.text != t("pt_BR", "name.ask")
        assert await bookings_of(bot, seed) == []
