"""Telegram Bot API emulator: a local stand-in for api.telegram.org.

Tests point aiogram at it (``TelegramAPIServer.from_base(base_url)``) and the sandbox page
lets a provider try the bot without a real token. It speaks the Bot API's URL shape, JSON
envelopes and error strings, keeps the visible transcript of every chat, and simulates users
(text, contact sharing, button presses) by delivering updates to the bot's webhook or
getUpdates queue. It imports nothing from the rest of Agendei, so it can be reused anywhere.
"""

from .app import create_emulator_app
from .errors import ApiError, EmulatorError
from .models import (
    BotRecord,
    CallbackAnswer,
    ChatRecord,
    Delivery,
    EmulatedUser,
    MessageRecord,
    RateLimit,
)
from .state import EmulatorState, bot_id_from_token
from .users import SECRET_HEADER

__all__ = [
    "SECRET_HEADER",
    "ApiError",
    "BotRecord",
    "CallbackAnswer",
    "ChatRecord",
    "Delivery",
    "EmulatedUser",
    "EmulatorError",
    "EmulatorState",
    "MessageRecord",
    "RateLimit",
    "bot_id_from_token",
    "create_emulator_app",
]
