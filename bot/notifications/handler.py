"""Delivers message actions from the outbox: who hears about it, in which words, and sending.

Implements :class:`domain.ports.ActionHandler` for the scheduler's poller. Recipients:

* provider kinds go to every Telegram account linked to the business as owner (no staff) and
  to the staff member the booking is with, each in the link's language;
* client kinds go to the booking's client in their language, unless they blocked the bot.

Each recipient is recorded right after Telegram accepts their message (``record_sent``), so a
crash repeats at most that one message and a retry skips whoever was already told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain import actions
from domain.model import Booking, Business, Client
from domain.panel_model import ProviderLink
from domain.ports import Notifier, OutboxItem, RecordSent, SchedulerUnitOfWork
from i18n import normalize_locale

from .render import Facts, message, to_client, to_provider

log = logging.getLogger("agendei.notifier")

PROVIDER_KINDS = frozenset({actions.NOTIFY_PROVIDER_NEW, actions.NOTIFY_PROVIDER_CHANGE})


@dataclass(frozen=True)
class Recipient:
    key: str  # what ``record_sent`` stores: "p:<telegram id>" or "c:<telegram id>"
    chat_id: int
    locale: str
    client_id: int | None = None


def provider_recipients(
    links: list[ProviderLink], booking: Booking, business: Business
) -> list[Recipient]:
    """The owner's accounts and the booking's staff member's, once each."""
    out: dict[int, Recipient] = {}
    for link in links:
        if link.staff_id is None or link.staff_id == booking.staff_id:
            locale = normalize_locale(link.locale or business.locale)
            out.setdefault(
                link.telegram_user_id,
                Recipient(f"p:{link.telegram_user_id}", link.telegram_user_id, locale),
            )
    return list(out.values())


def client_recipient(client: Client | None, business: Business) -> Recipient | None:
    if client is None or client.telegram_user_id is None or client.unreachable:
        return None
    locale = normalize_locale(client.locale or business.locale)
    return Recipient(f"c:{client.telegram_user_id}", client.telegram_user_id, locale, client.id)


class DeliveryHandler:
    def __init__(
        self,
        uow_factory: Callable[..., SchedulerUnitOfWork],
        notifier: Notifier,
        *,
        bot_id: int = 0,
    ) -> None:
        self._uow_factory = uow_factory
        self._notifier = notifier
        self._bot_id = bot_id

    async def handle(
        self, item: OutboxItem, booking: Booking | None, *, now: datetime, record_sent: RecordSent
    ) -> str | None:
        if booking is None:
            return "booking gone"
        for_provider = item.kind in PROVIDER_KINDS
        async with self._uow_factory(read_only=True) as uow:
            business = await uow.businesses.get(booking.business_id)
            if business is None:
                return "business gone"
            staff = await uow.staff.get(booking.staff_id)
            client = await uow.clients.get(booking.client_id)
            if for_provider:
                links = await uow.links.links_for_business(booking.business_id)
                recipients = provider_recipients(links, booking, business)
            else:
                single = client_recipient(client, business)
                recipients = [single] if single is not None else []
        if not recipients:
            return "nobody to tell (no linked account, or the client is unreachable)"
        facts = Facts(
            business=business,
            booking=booking,
            client_name=client.name if client is not None else "",
            staff_name=staff.name if staff is not None else "",
        )
        render = to_provider if for_provider else to_client
        delivered = 0
        for recipient in recipients:
            if recipient.key in item.sent_to:
                delivered += 1
                continue
            rendered = render(item.kind, item.payload, facts, recipient.locale)
            if rendered is None:
                return f"nothing to say for {item.kind}/{item.payload}"
            accepted = await self._notifier.send(self._bot_id, message(recipient.chat_id, rendered))
            await record_sent(recipient.key)
            if accepted:
                delivered += 1
            elif recipient.client_id is not None:
                await self._mark_unreachable(recipient.client_id)
        return None if delivered else "every recipient is unreachable"

    async def _mark_unreachable(self, client_id: int) -> None:
        """The client blocked the bot: stop writing to them until they write again."""
        async with self._uow_factory() as uow:
            client = await uow.clients.get(client_id)
            if client is not None and not client.unreachable:
                client.unreachable = True
                await uow.clients.update(client)
                await uow.commit()
        log.info("client %s blocked the bot: marked unreachable", client_id)
