"""The preview bot: the sandbox page next to a real bot, without ever touching real Telegram.

With a real token the panel's "try your bot" page talks to a second bot (random token) that
lives in an in-process Bot API emulator. Three pieces keep it apart from the real bot:

* :class:`InProcessSession`: the preview bot's Bot API calls go to the emulator's ASGI app in
  this process, so the emulator needs no HTTP route anybody outside could reach;
* :class:`EmulatedChatRouter`: a Notifier that sends whatever is addressed to an emulated user
  (:func:`domain.sandbox.is_emulated_user`) through the preview bot, the rest through the real one;
* :class:`RefuseEmulatedChats`: a request middleware on the real bot that refuses any call
  addressed to an emulated user, should a future code path forget the router.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import httpx
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramNetworkError
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile
from starlette.types import ASGIApp

from domain.ports import Notifier, OutgoingMessage
from domain.sandbox import is_emulated_user

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

log = logging.getLogger("agendei.preview")

# Never resolved: httpx's ASGI transport hands every request to the app in this process.
IN_PROCESS_BASE = "http://preview.emulator.internal"


class InProcessSession(BaseSession):
    """An aiogram session whose requests are served by an ASGI app (the emulator) in-process."""

    def __init__(self, app: ASGIApp, **kwargs: Any) -> None:
        super().__init__(api=TelegramAPIServer.from_base(IN_PROCESS_BASE), **kwargs)
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> TelegramType:
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        fields: dict[str, str] = {}
        files: dict[str, InputFile] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                fields[key] = prepared
        uploads: dict[str, tuple[str, bytes]] = {}
        for key, file in files.items():
            content = b"".join([chunk async for chunk in file.read(bot)])
            uploads[key] = (file.filename or key, content)
        try:
            response = await self._client.post(
                url,
                data=fields,
                files=uploads or None,
                timeout=self.timeout if timeout is None else timeout,
            )
        except httpx.HTTPError as error:
            raise TelegramNetworkError(method=method, message=repr(error)) from error
        checked = self.check_response(
            bot=bot, method=method, status_code=response.status_code, content=response.text
        )
        return checked.result  # type: ignore[return-value]

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 (aiogram's signature)
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        async with self._client.stream("GET", url, headers=headers, timeout=timeout) as response:
            if raise_for_status:
                response.raise_for_status()
            async for chunk in response.aiter_bytes(chunk_size):
                yield chunk

    async def close(self) -> None:
        await self._client.aclose()


class EmulatedChatRouter:
    """Implements :class:`domain.ports.Notifier`: emulated users hear from the preview bot."""

    def __init__(self, real: Notifier, preview: Notifier, preview_bot_id: int) -> None:
        self.real = real
        self.preview = preview
        self._preview_bot_id = preview_bot_id

    async def send(self, bot_id: int, message: OutgoingMessage) -> bool:
        if is_emulated_user(message.chat_id):
            return await self.preview.send(self._preview_bot_id, message)
        return await self.real.send(bot_id, message)


class RefuseEmulatedChats(BaseRequestMiddleware):
    """On the real bot: a call addressed to an emulated user is refused, never sent."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        if isinstance(chat_id, int) and is_emulated_user(chat_id):
            log.error("refused %s to emulated chat %s on the real bot", type(method), chat_id)
            raise TelegramForbiddenError(method=method, message="Forbidden: emulated chat")
        return await make_request(bot, method)
