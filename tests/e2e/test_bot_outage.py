"""The database goes away: the webhook answers 503 (Telegram retries later) and nothing is lost.
When it is back, Telegram's redelivery of the very same update is processed — the de-dup mark
of the failed attempt was released (or never taken). Both backends.

The outage is real, not a mocked repository:

* SQLite: the database's folder is moved away and the pool emptied, so opening a connection
  fails ("unable to open database file"); moving it back ends the outage;
* PostgreSQL: the app reaches the server through a TCP proxy of the test's own, which drops
  every connection and refuses new ones during the outage. (Redis stays up, so the update is
  claimed, fails in the middle and its claim must be released.)
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from emulator import Delivery
from tests.conftest import Backend
from tests.e2e.bot_harness import HOST, RunningBot, running_bot, seed_business, t
from tests.e2e.test_bot_booking import CORTE, bookings_of, pick_time


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a server; can go down and come back on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._handle, HOST, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        await self._server.wait_closed()
        self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()
        self._writers.discard(writer)


class Outage:
    """Switches the backend's database off and on."""

    def __init__(self, backend: Backend, tmp_path: Path) -> None:
        self.backend = backend
        self.tmp_path = tmp_path
        self.proxy: TcpProxy | None = None
        self.bot: RunningBot | None = None

    @asynccontextmanager
    async def reachable_backend(self) -> AsyncIterator[Backend]:
        url = make_url(self.backend.database_url)
        if self.backend.name == "sqlite":
            folder = self.tmp_path / "db"
            folder.mkdir()
            path = folder / "agendei.db"
            shutil.copy(url.database or "", path)
            yield replace(self.backend, database_url=f"sqlite+aiosqlite:///{path}")
            return
        self.proxy = TcpProxy(url.host or HOST, url.port or 5432)
        await self.proxy.up()
        proxied = url.set(host=HOST, port=self.proxy.port).render_as_string(hide_password=False)
        try:
            yield replace(self.backend, database_url=proxied)
        finally:
            with contextlib.suppress(AssertionError):
                await self.proxy.down()

    async def start(self) -> None:
        assert self.bot is not None
        if self.proxy is not None:
            await self.proxy.down()
        else:
            (self.tmp_path / "db").rename(self.tmp_path / "db-away")
        await self.bot.container.engine.dispose()  # pooled connections would still work

    async def end(self) -> None:
        if self.proxy is not None:
            await self.proxy.up()
        else:
            (self.tmp_path / "db-away").rename(self.tmp_path / "db")


async def test_database_outage_answers_503_and_the_redelivery_is_processed(
    backend: Backend, tmp_path: Path
) -> None:
    outage = Outage(backend, tmp_path)
    async with outage.reachable_backend() as reachable, running_bot(reachable) as bot:
        outage.bot = bot
        seed = await seed_business(bot.container)
        chat = bot.chat(681)
        await chat.send("/start barbearia-central")
        await chat.press_key("menu.book")
        await chat.press_key("book.service_item", **CORTE)
        await chat.press(chat.buttons()[0])
        await pick_time(chat, "10:00")
        await chat.send("Ana Paula")
        await chat.send("11987654321")
        assert chat.last.text and chat.last.text.startswith(t("pt_BR", "review.title"))

        captured: list[dict[str, Any]] = []
        real_dispatch = bot.emulator.dispatch

        async def capture(_record: Any, update: dict[str, Any]) -> Delivery:
            captured.append(update)
            return Delivery(update=update, mode="queued")

        bot.emulator.dispatch = capture  # type: ignore[method-assign,assignment]
        await chat.press_key("review.confirm")
        bot.emulator.dispatch = real_dispatch  # type: ignore[method-assign]
        [confirm] = captured
        sent = len(bot.emulator.bot(bot.bot_id).stats.sent)

        await outage.start()
        try:
            during = await bot.emulator.redeliver(bot.bot_id, confirm)
            again = await bot.emulator.redeliver(bot.bot_id, confirm)  # Telegram retries
        finally:
            await outage.end()
        assert (during.status, again.status) == (503, 503)
        assert chat.last.text.startswith(t("pt_BR", "review.title"))  # nothing changed
        assert len(bot.emulator.bot(bot.bot_id).stats.sent) == sent

        after = await bot.emulator.redeliver(bot.bot_id, confirm)
        assert after.status == 200
        assert (chat.last.text or "").startswith("✅")
        [booking] = await bookings_of(bot, seed)
        assert booking.client_id is not None

        # Delivered once more after it took effect: ignored, no second booking or reply.
        sent = len(bot.emulator.bot(bot.bot_id).stats.sent)
        duplicate = await bot.emulator.redeliver(bot.bot_id, confirm)
        assert duplicate.status == 200
        assert len(await bookings_of(bot, seed)) == 1
        assert len(bot.emulator.bot(bot.bot_id).stats.sent) == sent
