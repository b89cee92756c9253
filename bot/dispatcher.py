"""The client bot's Dispatcher: storage, isolation, middlewares, routers, dialogs.

Built by ``app/bot_wiring.py`` (never at import time) with what it needs passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from aiogram import Dispatcher, Router
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram_dialog import setup_dialogs

from dialogs import all_dialogs
from domain.ports import UowFactory

from .commands import client_router, fallback_router
from .errors import error_router
from .input_hygiene import InputHygieneMiddleware
from .middlewares import ContextMiddleware


def _no_wake() -> None:
    """Without a scheduler the next tick (of whoever runs one) delivers."""


def build_dispatcher(
    *,
    storage: BaseStorage,
    events_isolation: BaseEventIsolation,
    uow_factory: UowFactory,
    clock: Callable[[], datetime],
    is_outage: Callable[[BaseException], bool],
    sandbox: bool = False,
    extra_routers: Sequence[Router] = (),
    wake_scheduler: Callable[[], None] | None = None,
) -> Dispatcher:
    """``extra_routers`` (e.g. the provider's) go after the client commands, before fallbacks.

    ``wake_scheduler`` is called by the dialogs after a booking change commits, so the outbox
    rows it wrote go out at once; it reaches handlers as the ``wake_scheduler`` keyword.
    """
    dp = Dispatcher(
        storage=storage,
        events_isolation=events_isolation,
        wake_scheduler=wake_scheduler or _no_wake,
    )
    # First: bots' updates dropped and text cleaned before anything reads them.
    dp.update.outer_middleware(InputHygieneMiddleware())
    dp.update.outer_middleware(
        ContextMiddleware(uow_factory=uow_factory, clock=clock, sandbox=sandbox)
    )
    dp.include_router(error_router(is_outage))
    dp.include_router(client_router())
    for router in extra_routers:
        dp.include_router(router)
    dp.include_routers(*all_dialogs())
    dp.include_router(fallback_router())
    setup_dialogs(dp, events_isolation=events_isolation)
    return dp
