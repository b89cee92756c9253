"""The panel's "try your bot" page, wired to the Bot API emulator that the bot wiring mounted.

:class:`EmulatorChats` implements the panel's :class:`panel.routes.sandbox.SandboxChats` port
over :class:`emulator.EmulatorState`, in this process: the panel never imports the bot, and
the page needs no HTTP round trip of its own. Every user action is still a real Telegram
update delivered to our webhook route; afterwards the scheduler is woken so the notifications
the action caused (a new request for the provider, a confirmation for the client) go out now.

With a real token, :func:`plug_preview` builds the *preview*: a second bot (random token) in an
emulator of its own, served by the same dispatcher and webhook route as the real bot. Its Bot
API calls and the emulator's webhook deliveries both stay in this process (ASGI, no socket), so
none of the emulator's routes is reachable over HTTP and its token is never shown to anyone.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from aiogram import Bot, Dispatcher
from fastapi import FastAPI

from bot.commands import bot_commands
from bot.preview import InProcessSession, RefuseEmulatedChats
from emulator import EmulatorError, EmulatorState, create_emulator_app
from i18n import LOCALES
from panel.routes.sandbox import SandboxRefused
from webhooks.telegram import webhook_path

if TYPE_CHECKING:
    from .wiring import Container

JSON = dict[str, Any]


class EmulatorChats:
    def __init__(self, state: EmulatorState, bot_id: int, wake: Callable[[], None]) -> None:
        self._state = state
        self._bot_id = bot_id
        self._wake = wake

    def bot_username(self) -> str:
        return self._state.bot(self._bot_id).username

    def transcript(self, user_id: int) -> JSON | None:
        chat = self._state.bot(self._bot_id).chats.get(user_id)
        return chat.to_json() if chat is not None else None

    def _profile(self, user_id: int, profile: JSON) -> None:
        known = {"first_name", "last_name", "username", "language_code", "phone_number"}
        self._state.user(user_id, **{k: v for k, v in profile.items() if k in known})

    async def send_text(self, user_id: int, text: str, profile: JSON) -> None:
        self._profile(user_id, profile)
        await self._run(self._state.send_text(self._bot_id, user_id, text))

    async def press(self, user_id: int, message_id: int, data: str) -> None:
        await self._run(self._state.press_button(self._bot_id, user_id, message_id, data=data))

    async def reply_button(self, user_id: int, text: str, profile: JSON) -> None:
        self._profile(user_id, profile)
        await self._run(self._state.press_reply_button(self._bot_id, user_id, text))

    async def reset(self, user_id: int) -> None:
        self._state.reset_chat(self._bot_id, user_id)

    async def _run(self, action: Any) -> None:
        try:
            await action
        except EmulatorError as error:  # a stale button, a keyboard that is gone...
            raise SandboxRefused(str(error)) from None
        finally:
            self._wake()


def sandbox_chats(container: Container) -> EmulatorChats | None:
    """The port over the mounted emulator, or None when no emulator is mounted."""
    parts = container.telegram_parts
    if parts is None or parts.emulator is None:
        return None
    # The preview bot when there is one (real token), else the sandbox bot itself.
    bot_id = parts.preview_bot.id if parts.preview_bot is not None else parts.bot_id
    return EmulatorChats(parts.emulator, bot_id, container.wake)


PREVIEW_USERNAME = "agendei_preview_bot"
# Only ever resolved by httpx's ASGI transport: the emulator's webhook POSTs reach our app here.
_SELF_BASE = "http://agendei.internal"


def _preview_token(real_bot_id: int) -> str:
    while True:
        bot_id = 1_000_000_000 + secrets.randbelow(1_000_000_000)
        if bot_id != real_bot_id:
            return f"{bot_id}:{secrets.token_urlsafe(32)}"


def plug_preview(
    app: FastAPI, container: Container, *, real_bot: Bot, dp: Dispatcher, secret: str
) -> Bot:
    """Build the preview bot and its emulator; returns the bot for the webhook's bot map.

    Sets ``container.telegram.emulator`` to the preview's :class:`EmulatorState`; the caller
    records the returned bot as ``preview_bot``. The real bot gets a guard that refuses calls
    to emulated users.
    """
    token = _preview_token(real_bot.id)
    # Deliveries go straight into our own app: same route, secret and de-dup as Telegram's.
    deliveries = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=_SELF_BASE)
    state = EmulatorState(http_client=deliveries)
    record = state.add_bot(token, username=PREVIEW_USERNAME, first_name="Agendei")
    record.webhook.url = _SELF_BASE + webhook_path(record.id)
    record.webhook.secret_token = secret
    record.webhook.allowed_updates = dp.resolve_used_update_types()
    for locale in LOCALES:
        commands = [c.model_dump() for c in bot_commands(locale)]
        record.commands[('{"type": "default"}', locale.split("_")[0])] = commands
    # Not mounted on ``app``: only the preview bot's session and the panel reach it.
    preview = Bot(token, session=InProcessSession(create_emulator_app(state)))
    real_bot.session.middleware(RefuseEmulatedChats())

    async def close() -> None:
        await state.aclose()
        await deliveries.aclose()
        await preview.session.close()

    container.shutdowns.append(close)
    container.telegram.emulator = state
    return preview
