"""The table Bot API method handlers register in, and what a handler receives.

Each group of methods (messages, updates, commands) fills its own ``MethodTable``; ``api``
merges them. Tables are explicit values rather than a global filled by import side effects,
so what the emulator serves is visible in one line of ``api.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from .models import BotRecord
from .params import Params

if TYPE_CHECKING:
    from .state import EmulatorState


@dataclass
class Call:
    """One Bot API call being served."""

    state: EmulatorState
    bot: BotRecord
    method: str
    params: Params


class Described(NamedTuple):
    """A result Telegram sends with a ``description`` (``setWebhook``: "Webhook was set")."""

    result: Any
    description: str


Handler = Callable[[Call], Awaitable[Any]]
H = TypeVar("H", bound=Handler)


class MethodTable:
    """Handlers by lower-case Bot API name (Telegram's names are case-insensitive)."""

    def __init__(self) -> None:
        self.handlers: dict[str, tuple[str, Handler]] = {}

    def method(self, name: str) -> Callable[[H], H]:
        """Register a handler under its canonical Bot API name (keeps its precise type)."""

        def register(handler: H) -> H:
            self.handlers[name.lower()] = (name, handler)
            return handler

        return register

    def lookup(self, name: str) -> tuple[str, Handler] | None:
        """Canonical name and handler for a requested method name, if served."""
        return self.handlers.get(name.lower())

    @classmethod
    def merge(cls, *tables: MethodTable) -> MethodTable:
        """One table serving every method of ``tables``."""
        merged = cls()
        for table in tables:
            merged.handlers.update(table.handlers)
        return merged
