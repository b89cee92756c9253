"""Who the bot is, as Telegram says: the username every t.me link and QR code points to.

The username is never configured by hand: it comes from ``getMe`` for the configured token,
asked at start-up (so a new token is picked up by the next start) and again whenever it is
still unknown, e.g. because Telegram could not be reached at start-up. In the sandbox it is the
emulated bot's name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("agendei.bot")

GetMe = Callable[[], Awaitable[str | None]]


class BotIdentity:
    def __init__(self, username: str | None = None) -> None:
        self.username = username
        self._get_me: GetMe | None = None
        self._retry: asyncio.Task[None] | None = None

    def learn_from(self, get_me: GetMe) -> None:
        """How to ask Telegram; called by the bot wiring once the bot exists."""
        self._get_me = get_me

    async def refresh(self) -> str | None:
        """Ask getMe again; keeps the last known name when Telegram cannot be reached."""
        if self._get_me is None:
            return self.username
        try:
            name = await self._get_me()
        except Exception as error:  # an unreachable Telegram must not stop the app
            log.warning("getMe failed (%s): t.me links wait for the bot's name", error)
            return self.username
        if name and name != self.username:
            log.info("bot is @%s", name)
            self.username = name
        return self.username

    async def start(self, retry_every: float = 30.0) -> None:
        """Start-up: ask now; while the name is unknown, keep asking in the background."""
        if await self.refresh() is not None or self._get_me is None:
            return

        async def keep_asking() -> None:
            while True:  # a retry interval, not waiting for a condition
                await asyncio.sleep(retry_every)
                if await self.refresh() is not None:
                    return

        self._retry = asyncio.create_task(keep_asking())

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
            self._retry = None


async def ask_telegram(token: str, api_base: str = "") -> str:
    """getMe for ``token`` once (the CLI's link codes); raises if Telegram says no."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    )
    bot = Bot(token, session=session)
    try:
        return (await bot.get_me()).username or ""
    finally:
        await bot.session.close()
