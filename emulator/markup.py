"""Reply markup checks and lookups.

Telegram validates keyboards when a message is sent, not when a user taps them, so a
callback_data over 64 bytes fails the ``sendMessage`` call itself. The emulator checks the same
rules at the same moment, so such bugs surface in tests exactly where production would fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import (
    BAD_MARKUP,
    BUTTON_DATA_INVALID,
    BUTTON_URL_INVALID,
    TEXT_BUTTONS_UNALLOWED,
    bad_request,
)

Markup = dict[str, Any]
Button = dict[str, Any]

INLINE_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_URL_SCHEMES = ("http://", "https://", "tg://")
MAX_CALLBACK_DATA_BYTES = 64


def _rows(value: Any) -> list[list[Any]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(BAD_MARKUP)
    return value


def _inline_button(button: Any) -> Button:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(BAD_MARKUP)
    actions = INLINE_ACTIONS.intersection(button)
    if not actions:
        raise bad_request(TEXT_BUTTONS_UNALLOWED)
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request(BUTTON_DATA_INVALID)
    if "url" in button and not str(button["url"]).startswith(_URL_SCHEMES):
        raise bad_request(BUTTON_URL_INVALID)
    return dict(button)


def _reply_button(button: Any) -> Button:
    if isinstance(button, str):
        return {"text": button}
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(BAD_MARKUP)
    return dict(button)


def normalize_markup(value: Any) -> Markup | None:
    """Validate a decoded ``reply_markup`` and return it in canonical form.

    Reply keyboard buttons given as bare strings become ``{"text": ...}`` so later lookups and
    equality checks see one shape.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(BAD_MARKUP)
    if "inline_keyboard" in value:
        rows = [[_inline_button(b) for b in row] for row in _rows(value["inline_keyboard"])]
        return {"inline_keyboard": rows}
    if "keyboard" in value:
        rows = [[_reply_button(b) for b in row] for row in _rows(value["keyboard"])]
        return {**value, "keyboard": rows}
    if value.get("remove_keyboard") is True or value.get("force_reply") is True:
        return dict(value)
    raise bad_request(BAD_MARKUP)


def is_inline(markup: Markup | None) -> bool:
    """Whether the markup is an inline keyboard (the only kind echoed back in a Message)."""
    return markup is not None and "inline_keyboard" in markup


def is_reply_keyboard(markup: Markup | None) -> bool:
    """Whether the markup replaces the user's custom keyboard."""
    return markup is not None and "keyboard" in markup


def buttons(markup: Markup | None) -> Iterator[Button]:
    """Every button of an inline or reply keyboard, row by row."""
    if markup is None:
        return
    for row in markup.get("inline_keyboard") or markup.get("keyboard") or []:
        yield from row


def find_inline_button(
    markup: Markup | None, *, data: str | None = None, text: str | None = None
) -> Button | None:
    """The inline button with this callback_data, or else with this visible text."""
    candidates = list(buttons(markup)) if is_inline(markup) else []
    if data is not None:
        for button in candidates:
            if button.get("callback_data") == data:
                return button
    if text is not None:
        for button in candidates:
            if button.get("text") == text:
                return button
    return None


def find_reply_button(markup: Markup | None, text: str) -> Button | None:
    """The reply keyboard button whose text is ``text``."""
    if not is_reply_keyboard(markup):
        return None
    return next((b for b in buttons(markup) if b.get("text") == text), None)
