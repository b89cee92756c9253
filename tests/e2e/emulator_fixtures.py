"""Serve the Bot API emulator (or any ASGI app) on a real local port, inside the test's loop.

Real HTTP on 127.0.0.1 means aiogram's own aiohttp client is exercised exactly as against
api.telegram.org, and everything still runs in one event loop, so tests can drive users
through ``EmulatorState`` while the bot talks HTTP.

    async with serve_emulator() as (base_url, state):
        state.add_bot(TOKEN)
        async with emulator_bot(base_url, TOKEN) as bot:
            await bot.send_message(42, "hi")
        assert state.transcript(TOKEN, 42)[0].text == "hi"
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from starlette.types import ASGIApp

from emulator import EmulatorState, create_emulator_app

HOST = "127.0.0.1"


async def wait_until(condition: Callable[[], object], *, within: float = 5.0) -> None:
    """Wait, without a fixed sleep, until ``condition()`` is true; fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"condition not met within {within} s")
        await asyncio.sleep(0.005)


@asynccontextmanager
async def serve_app(
    app: ASGIApp,
    *,
    before_shutdown: Callable[[], None] | None = None,
    start_within: float = 10.0,
) -> AsyncIterator[str]:
    """Run ``app`` with uvicorn on a free port; yield its base URL; shut down cleanly.

    The socket is bound here (port 0) and handed to uvicorn, so there is no window in which
    another process can take the port. ``before_shutdown`` runs before uvicorn stops, e.g. to
    release long polls that would otherwise hold the graceful shutdown open.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host=HOST,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + start_within
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started serving")
            if loop.time() > deadline:
                raise TimeoutError("uvicorn did not start in time")
            await asyncio.sleep(0.01)
        yield f"http://{HOST}:{port}"
    finally:
        if before_shutdown is not None:
            before_shutdown()
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def serve_emulator(
    state: EmulatorState | None = None, **state_options: Any
) -> AsyncIterator[tuple[str, EmulatorState]]:
    """Serve a Bot API emulator; yield ``(base_url, state)``.

    ``state_options`` go to ``EmulatorState`` when no state is given (``clock=``,
    ``http_client=``, ``callback_query_timeout=``...).
    """
    emulator = state if state is not None else EmulatorState(**state_options)
    app = create_emulator_app(emulator)
    async with serve_app(app, before_shutdown=emulator.cancel_long_polls) as base_url:
        yield base_url, emulator


@asynccontextmanager
async def emulator_bot(base_url: str, token: str, **bot_options: Any) -> AsyncIterator[Bot]:
    """An aiogram ``Bot`` whose HTTP session points at the emulator; closed on exit."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    bot = Bot(token, session=session, **bot_options)
    try:
        yield bot
    finally:
        await bot.session.close()


class FakeClock:
    """A settable clock for ``EmulatorState(clock=...)``: query ages and rate windows
    move only when the test says so."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds
