"""Bot API errors with Telegram's exact wording.

aiogram (and our own code) branch on the HTTP status *and* on substrings of the description
("message is not modified", "bot was blocked by the user"), so the strings here are copied from
what api.telegram.org really answers. Change them only to track Telegram.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
MESSAGE_TO_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
MESSAGE_TO_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
MESSAGE_CANT_BE_EDITED = "Bad Request: message can't be edited"
MESSAGE_CANT_BE_DELETED = "Bad Request: message can't be deleted for everyone"
MESSAGE_TO_REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
NO_CAPTION_TO_EDIT = "Bad Request: there is no caption in the message to edit"
MESSAGE_TEXT_EMPTY = "Bad Request: message text is empty"
MESSAGE_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_NOT_FOUND = "Bad Request: chat not found"
BOT_BLOCKED = "Forbidden: bot was blocked by the user"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
BUTTON_URL_INVALID = "Bad Request: BUTTON_URL_INVALID"
TEXT_BUTTONS_UNALLOWED = "Bad Request: text buttons are unallowed in the inline keyboard"
BAD_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object"
BOT_COMMAND_INVALID = "Bad Request: BOT_COMMAND_INVALID"
WRONG_CHAT_ACTION = "Bad Request: wrong parameter action in request"
SECRET_TOKEN_INVALID = "Bad Request: secret token contains unallowed characters"
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
UNAUTHORIZED = "Unauthorized"
NOT_FOUND = "Not Found"


class ApiError(Exception):
    """A Bot API failure, rendered as Telegram's ``{"ok": false, ...}`` body.

    Method handlers raise it anywhere; the HTTP layer turns it into a response, so handlers
    read as the happy path plus the checks Telegram makes.
    """

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    """A 400 with a full description (already prefixed with ``Bad Request:``)."""
    return ApiError(400, description)


def too_many_requests(retry_after: int) -> ApiError:
    """Telegram's flood-control answer; aiogram turns it into ``TelegramRetryAfter``."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def http_error(status: int, description: str | None = None) -> ApiError:
    """A non-429 status with Telegram's usual description (used by injected failures)."""
    if description is None:
        try:
            description = HTTPStatus(status).phrase
        except ValueError:
            description = "Error"
    return ApiError(status, description)


class EmulatorError(Exception):
    """Misuse of the emulator by a test or the sandbox (not a Bot API error).

    Examples: pressing a button that is not on the message, sharing a contact when the bot
    never offered the request_contact keyboard. Control routes answer with ``status``
    (404 for something unknown, 409 for an action the current chat state does not allow).
    """

    def __init__(self, message: str, *, status: int = 409) -> None:
        super().__init__(message)
        self.status = status
