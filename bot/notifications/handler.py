"""Delivers message actions from the outbox: who hears about it, in which words, and sending.

Implements :class:`domain.ports.ActionHandler` for the scheduler's poller. Recipients:

* provider kinds go to every Telegram account linked to the business as owner (no staff) and
  to the staff member the booking is with, each in the link's language;
* client kinds go to the booking's client in their language, unless they blocked the bot.

Each recipient is recorded right after Telegram accepts their message (``record_sent``), so a
crash repeats at most that one message and a retry skips whoever was already told. The last
recipient of a delivered action is recorded with ``done=True``: the same write finishes the
action (most actions have one recipient, so one write per message).

Everything comes from the :class:`~domain.ports.DeliveryContext` the poller loaded for the
batch: no query per action.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain import actions
from domain.model import Booking, Business, Client, ProviderLink
from domain.ports import (
    DeliveryContext,
    Notifier,
    OutboxItem,
    RecordSent,
    SchedulerUnitOfWork,
)
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
        self,
        item: OutboxItem,
        context: DeliveryContext,
        *,
        now: datetime,
        record_sent: RecordSent,
    ) -> str | None:
        booking = context.bookings.get(item.booking_id) if item.booking_id else None
        if booking is None:
            return "booking gone"
        business = context.businesses.get(booking.business_id)
        if business is None:
            return "business gone"
        for_provider = item.kind in PROVIDER_KINDS
        client = context.clients.get(booking.client_id)
        if for_provider:
            links = context.links.get(booking.business_id, [])
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
            staff_name=context.staff_names.get(booking.staff_id, ""),
        )
        render = to_provider if for_provider else to_client
        todo = [r for r in recipients if r.key not in item.sent_to]
        delivered = len(recipients) - len(todo)
        for n, recipient in enumerate(todo):
            rendered = render(item.kind, item.payload, facts, recipient.locale)
            if rendered is None:
                return f"nothing to say for {item.kind}/{item.payload}"
            accepted = await self._notifier.send(self._bot_id, message(recipient.chat_id, rendered))
            if accepted:
                delivered += 1
            # The last recipient of a delivered action: record and finish in one write.
            await record_sent(recipient.key, done=n == len(todo) - 1 and delivered > 0)
            if not accepted and recipient.client_id is not None:
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
