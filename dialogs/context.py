"""What every handler and getter of the conversation needs, built per update by ``bot/``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from aiogram_dialog import DialogManager

from domain import clients
from domain.clients import Catalog
from domain.errors import NotFound
from domain.model import Business, Client
from domain.ports import UowFactory
from i18n import load_catalog

CATALOG = "bot"


def text(locale: str, key: str, /, **values: object) -> str:
    return load_catalog(CATALOG).text(locale, key, **values)


@dataclass
class ChatContext:
    """One update's view of the conversation: who, at which business, in which language.

    Mutable on purpose: a handler that switches the language or the business updates it so the
    window rendered right after already uses the new value.
    """

    bot_id: int
    telegram_user_id: int
    first_name: str
    locale: str
    now: datetime
    uow_factory: UowFactory
    clock: Callable[[], datetime]
    business: Business | None = None
    client: Client | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # The business's services and staff, read with the business by the middleware; every
    # getter and handler of this update shares it (see :func:`catalog_of`).
    catalog: Catalog | None = None

    def t(self, key: str, /, **values: object) -> str:
        return text(self.locale, key, **values)

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.business.timezone if self.business else "America/Sao_Paulo")

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    @property
    def business_id(self) -> int:
        assert self.business is not None and self.business.id is not None
        return self.business.id

    @property
    def client_id(self) -> int:
        assert self.client is not None and self.client.id is not None
        return self.client.id


async def catalog_of(ctx: ChatContext) -> Catalog:
    """The catalog of the chat's business: the one read with the update's context, or (when a
    handler switched business meanwhile) read now and kept for the rest of the update."""
    catalog = ctx.catalog
    if catalog is None or catalog.business.id != ctx.business_id:
        catalog = await clients.load_catalog(ctx.uow_factory(read_only=True), ctx.business_id)
        if catalog is None:
            raise NotFound("business", ctx.business_id)
        ctx.catalog = catalog
    return catalog


def wake_scheduler(manager: DialogManager) -> None:
    """After a commit that wrote notifications: let the scheduler deliver them now, not at its
    next tick. ``wake_scheduler`` is a dispatcher keyword argument (absent in tests that build a
    bare dispatcher: then nothing happens and the next tick delivers)."""
    wake = manager.middleware_data.get("wake_scheduler")
    if callable(wake):
        wake()


def record_outcome(manager: DialogManager, outcome: str) -> None:
    """Count what the client got ("booked", "taken") in the metrics, when app/ provides them
    (the ``record_outcome`` dispatcher keyword)."""
    record = manager.middleware_data.get("record_outcome")
    if callable(record):
        record(outcome)


def ctx_of(manager: DialogManager) -> ChatContext:
    ctx = manager.middleware_data["ctx"]
    assert isinstance(ctx, ChatContext)
    return ctx
