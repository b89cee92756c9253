"""The bot's identity and profile: getMe, command lists, name and descriptions."""

from __future__ import annotations

import json
import re

from .errors import BOT_COMMAND_INVALID, bad_request
from .models import JSON
from .registry import Call, MethodTable

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")

methods = MethodTable()


@methods.method("getMe")
async def get_me(call: Call) -> JSON:
    """The bot's own user."""
    return call.bot.get_me()


def _scope_key(call: Call) -> tuple[str, str]:
    scope = call.params.get_json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("Bad Request: can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), call.params.get_str("language_code") or ""


@methods.method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    """Store the command list for one (scope, language_code)."""
    commands = call.params.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("Bad Request: can't parse commands JSON object")
    cleaned: list[JSON] = []
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.match(str(command.get("command"))):
            raise bad_request(BOT_COMMAND_INVALID)
        description = str(command.get("description") or "")
        if not 1 <= len(description) <= 256:
            raise bad_request("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": command["command"], "description": description})
    key = _scope_key(call)
    if cleaned:
        call.bot.commands[key] = cleaned
    else:
        call.bot.commands.pop(key, None)
    return True


@methods.method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    """Forget the command list for one (scope, language_code)."""
    call.bot.commands.pop(_scope_key(call), None)
    return True


@methods.method("getMyCommands")
async def get_my_commands(call: Call) -> list[JSON]:
    """The list stored for exactly this (scope, language_code), else empty."""
    return call.bot.commands.get(_scope_key(call), [])


def _profile_methods(field: str, result_key: str, limit: int) -> None:
    """set/getMy{Name,Description,ShortDescription}: a text per language_code."""
    title = "".join(part.capitalize() for part in field.split("_"))

    async def setter(call: Call) -> bool:
        value = call.params.get_str(result_key) or ""
        if len(value) > limit:
            raise bad_request(f"Bad Request: {result_key} is too long")
        key = (field, call.params.get_str("language_code") or "")
        if value:
            call.bot.profile[key] = value
        else:
            call.bot.profile.pop(key, None)
        return True

    async def getter(call: Call) -> JSON:
        language = call.params.get_str("language_code") or ""
        profile = call.bot.profile
        value = profile.get((field, language)) or profile.get((field, ""), "")
        if not value and field == "name":
            value = call.bot.first_name
        return {result_key: value}

    methods.method(f"setMy{title}")(setter)
    methods.method(f"getMy{title}")(getter)


_profile_methods("name", "name", 64)
_profile_methods("description", "description", 512)
_profile_methods("short_description", "short_description", 120)
