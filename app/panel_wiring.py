"""Wiring of the panel: builds its parts from the container and mounts them on the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from limits.aio.storage import MemoryStorage, RedisStorage, Storage

if TYPE_CHECKING:
    from panel import CheckSetup

    from .wiring import Container

DEFAULT_BOT_USERNAME = "agendei_bot"


def _limiter_storage(redis_url: str) -> Storage:
    """Redis when configured (throttling shared by every instance), else this process's memory."""
    if not redis_url:
        return MemoryStorage()
    # limits names its async Redis backend "async+redis://" (and "async+rediss://"...).
    return RedisStorage(f"async+{redis_url}", implementation="redispy")


def _check_setup(container: Container) -> CheckSetup:
    """The doctor's checks over this app's own parts, rendered in the provider's language."""
    from panel import SetupCheck

    from .doctor import Subject, diagnose

    def scheduler_lag() -> float | None:
        parts = container.scheduler_parts
        return parts.ticker.lag_seconds() if parts is not None else None

    async def check(locale: str) -> list[SetupCheck]:
        subject = Subject(
            settings=container.settings,
            engine=container.engine,
            redis=container.redis,
            scheduler_lag=scheduler_lag,
            polling=container.polling,
            clock=container.clock,
        )
        findings = await diagnose(subject)
        # A name learnt late (Telegram was down at start-up) is picked up here too.
        await container.bot_identity.refresh()
        return [
            SetupCheck(f.ok, f.note, f.title(locale), f.detail(locale), f.fix(locale))
            for f in findings
        ]

    return check


def plug(app: FastAPI, container: Container, with_workers: bool) -> None:
    from panel import PanelOptions, build_panel

    from .sandbox_wiring import sandbox_chats

    settings = container.settings
    options = PanelOptions(
        secret_key=settings.secret_key,
        secure_cookies=settings.public_url.startswith("https://"),
        bot_username=DEFAULT_BOT_USERNAME,
        public_url=settings.public_url,
        sandbox_mode=settings.sandbox,
    )
    storage = _limiter_storage(settings.redis_url if container.redis is not None else "")
    panel = build_panel(
        uow_factory=container.uow_factory,
        clock=container.clock,
        options=options,
        limiter_storage=storage,
        # Tests sharing one Redis set a prefix of their own here before build_app().
        throttle_prefix=container.panel_throttle_prefix,
        # Learnt by the bot wiring from getMe once the bot has started.
        bot_username=lambda: container.bot_identity.username,
        sandbox=sandbox_chats(container),
        wake=container.wake,
        check_setup=_check_setup(container),
    )
    container.panel = panel
    panel.install(app)
