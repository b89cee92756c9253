"""The provider's side of the chat, and the client buttons that notifications carry.

``build_provider_router`` bundles the provider's buttons (on notifications and lists), their
commands (/agenda, /pending, /next, /block, /book) and the client's answers to notifications
(attendance, book again). ``install_link_start`` puts ``/start link-<code>`` and the provider's
``/help`` on the Dispatcher itself, ahead of the client's ``/start`` and ``/help``.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Dispatcher, Router

from .access import Clock, UowFactory
from .agenda import build_agenda_router
from .block import build_block_router
from .buttons import build_buttons_router
from .client_buttons import build_client_buttons_router
from .daily_buttons import build_daily_buttons_router
from .help import install_provider_help
from .linking import install_link_start as _install_link_start
from .linking import set_provider_commands
from .walkin import build_walkin_router

__all__ = ["build_provider_router", "install_link_start", "set_provider_commands"]


def build_provider_router(
    *, uow_factory: UowFactory, clock: Clock, wake: Callable[[], None] = lambda: None
) -> Router:
    router = Router(name="provider")
    router.include_routers(
        # Before the single-booking buttons: the morning-after list's presses (arg 1) are its.
        build_daily_buttons_router(uow_factory=uow_factory, clock=clock, wake=wake),
        build_buttons_router(uow_factory=uow_factory, clock=clock, wake=wake),
        build_agenda_router(uow_factory=uow_factory, clock=clock, wake=wake),
        build_block_router(uow_factory=uow_factory, clock=clock),
        build_walkin_router(uow_factory=uow_factory, clock=clock, wake=wake),
        build_client_buttons_router(uow_factory=uow_factory, clock=clock, wake=wake),
    )
    return router


def install_link_start(dp: Dispatcher, *, uow_factory: UowFactory, clock: Clock) -> None:
    """The provider's handlers that must run before the client's routers."""
    _install_link_start(dp, uow_factory=uow_factory, clock=clock)
    install_provider_help(dp, uow_factory=uow_factory)
