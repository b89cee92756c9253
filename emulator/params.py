"""Bot API request parameters, whatever way the client encoded them.

Telegram accepts query strings, urlencoded forms, multipart forms and JSON bodies. aiogram
sends multipart/form-data where scalars are strings (ints and bools JSON-encoded: ``"42"``,
``"true"``) and nested objects such as ``reply_markup`` are JSON strings; uploads arrive as
extra parts referenced by ``attach://name``. ``Params`` hides those differences from method
handlers and turns malformed values into Telegram-style 400s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from .errors import ApiError, bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


class Params:
    """Typed access to one call's parameters."""

    def __init__(self, values: Mapping[str, Any], uploads: Mapping[str, Upload] | None = None):
        self._values = dict(values)
        self._uploads = dict(uploads or {})

    def raw(self, name: str) -> Any:
        """The value as received (str from forms, any JSON type from JSON bodies)."""
        value = self._values.get(name)
        return None if value == "" else value

    def __contains__(self, name: str) -> bool:
        return self.raw(name) is not None

    def _missing(self, name: str) -> ApiError:
        return bad_request(f"Bad Request: {name} is empty")

    def get_str(self, name: str, default: str | None = None) -> str | None:
        """A string parameter; numbers are accepted and stringified, as Telegram does."""
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise bad_request(f'Bad Request: field "{name}" must be of type String')

    def need_str(self, name: str) -> str:
        """A string that must be present."""
        value = self.get_str(name)
        if value is None:
            raise self._missing(name)
        return value

    def get_int(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter (``"42"`` from forms, ``42`` from JSON)."""
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            raise bad_request(f'Bad Request: field "{name}" must be of type Integer')
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'Bad Request: field "{name}" must be of type Integer') from None

    def need_int(self, name: str) -> int:
        """An integer that must be present."""
        value = self.get_int(name)
        if value is None:
            raise self._missing(name)
        return value

    def get_float(self, name: str, default: float) -> float:
        """A number parameter (poll timeouts)."""
        value = self.raw(name)
        if value is None:
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'Bad Request: field "{name}" must be of type Number') from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        """A boolean parameter (``"true"``/``"false"``/``"1"``/``"0"`` or JSON booleans)."""
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in {"true", "1"}

    def get_json(self, name: str) -> Any:
        """A nested object: a JSON string from forms, the object itself from JSON bodies."""
        value = self.raw(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"Bad Request: can't parse {name} JSON object") from None

    def upload(self, name: str) -> Upload | str | None:
        """A file parameter: the uploaded part, or a string (file_id or URL)."""
        if name in self._uploads:
            return self._uploads[name]
        value = self.get_str(name)
        if value is not None and value.startswith("attach://"):
            attached = self._uploads.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"Bad Request: {name} must be a file")
            return attached
        return value

    def attachment(self, reference: str) -> Upload | str:
        """Resolve a string inside a JSON parameter (``InputMedia.media``)."""
        if reference.startswith("attach://"):
            attached = self._uploads.get(reference.removeprefix("attach://"))
            if attached is None:
                raise bad_request("Bad Request: media must be a file")
            return attached
        return reference


async def read_params(request: Request) -> Params:
    """Collect query, form or JSON parameters from a Bot API request."""
    values: dict[str, Any] = dict(request.query_params)
    uploads: dict[str, Upload] = {}
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and content_type.startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise bad_request("Bad Request: can't parse JSON") from None
        if isinstance(body, dict):
            values.update(body)
    elif request.method == "POST" and content_type.startswith(
        ("multipart/form-data", "application/x-www-form-urlencoded")
    ):
        async with request.form() as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    uploads[key] = Upload(
                        filename=value.filename or key,
                        content_type=value.content_type or "application/octet-stream",
                        data=await value.read(),
                    )
                else:
                    values[key] = value
    return Params(values, uploads)


async def params_from_body(content_type: str, body: bytes) -> Params:
    """Parse a body that is not an incoming request (a webhook reply carrying a method call).

    Reuses ``read_params`` through a one-shot ASGI receive, so JSON, urlencoded and multipart
    replies (aiogram sends multipart) are all understood the same way.
    """
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "headers": [(b"content-type", content_type.encode())],
    }
    return await read_params(Request(scope, receive))
