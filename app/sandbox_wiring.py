"""The panel's "try your bot" page, wired to the Bot API emulator that the bot wiring mounted.

:class:`EmulatorChats` implements the panel's :class:`panel.routes.sandbox.SandboxChats` port
over :class:`bot.emulator.EmulatorState`, in this process: the panel never imports the bot, and
the page needs no HTTP round trip of its own. Every user action is still a real Telegram
update delivered to our webhook route; afterwards the scheduler is woken so the notifications
the action caused (a new request for the provider, a confirmation for the client) go out now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.emulator import EmulatorError, EmulatorState
from panel.routes.sandbox import SandboxRefused

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
    state = container.parts.get("emulator")
    bot_id = container.parts.get("bot_id")
    if not isinstance(state, EmulatorState) or not isinstance(bot_id, int):
        return None

    def wake() -> None:
        wake_scheduler = container.parts.get("wake_scheduler")
        if callable(wake_scheduler):
            wake_scheduler()

    return EmulatorChats(state, bot_id, wake)
