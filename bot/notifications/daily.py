"""Daily messages to the provider: the morning-after check and the agenda digest.

Implements :class:`domain.ports.ActionHandler` for :data:`domain.actions.DAILY_KINDS`;
:class:`DailyRouting` sends those here and every other kind to the regular handler.

Recipients are the business's linked accounts: an owner link hears about the whole business, a
staff link about that professional's bookings only; each in the link's language and the
business's local time. One message per recipient, its bookings numbered as in /agenda
(:func:`bot.provider.views.booking_line`). The morning-after message carries a row of
Completed / No-show buttons per booking (``pv:dn|ns:<id>:1``, handled by
:mod:`bot.provider.daily_buttons`, which only removes the pressed booking's row).

Nothing to report for a recipient: no message to them; for everyone: the action is finished
without a message (a provider hears from us only when there is something to read or mark).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain import actions
from domain.agenda_days import agenda_days
from domain.daily import (
    MAX_LISTED,
    parse_day,
    report_day,
    report_window,
    reported,
    stale_reason,
)
from domain.model import Booking, Business, ProviderLink
from domain.ports import (
    ActionHandler,
    DeliveryContext,
    Notifier,
    OutboxItem,
    OutgoingMessage,
    RecordSent,
    SchedulerUnitOfWork,
)
from i18n import load_catalog, normalize_locale

from ..provider.access import Provider
from ..provider.views import BookingView, booking_line, day_title, load_views
from .callbacks import ProviderAction

log = logging.getLogger("agendei.notifier")

Buttons = tuple[tuple[tuple[str, str], ...], ...]
LIST_ARG = 1  # ``arg`` of the list's buttons: the press edits only that booking's row
LABEL_SEP = " · "  # "<number> · <label>": the press handler reads the number back


def _text(locale: str, key: str, /, **values: object) -> str:
    return load_catalog("notify").text(locale, key, **values)


def _data(action: str, booking: Booking) -> str:
    return ProviderAction(
        action=action, booking_id=booking.id or 0, version=booking.version, arg=LIST_ARG
    ).pack()


def render_daily(
    kind: str, day: date, provider: Provider, views: Sequence[BookingView]
) -> tuple[str, Buttons]:
    """One recipient's message: a title, the numbered bookings, and (morning after) buttons."""
    locale = provider.locale
    shown = list(views)[:MAX_LISTED]
    if kind == actions.MORNING_AFTER:  # about the day before the occurrence's
        yesterday = day_title(provider, day - timedelta(days=1))
        title = _text(locale, "daily.morning_after", day=yesterday, count=len(views))
    else:
        title = _text(locale, "daily.digest", day=day_title(provider, day), count=len(views))
    parts = [title]
    parts += [f"{n}. {booking_line(provider, view)}" for n, view in enumerate(shown, 1)]
    if len(views) > len(shown):
        parts.append(_text(locale, "daily.more", count=len(views) - len(shown)))
    buttons: Buttons = ()
    if kind == actions.MORNING_AFTER:
        buttons = tuple(
            (
                (
                    f"{n}{LABEL_SEP}{provider.t('button.completed')}",
                    _data("dn", view.booking),
                ),
                (
                    f"{n}{LABEL_SEP}{provider.t('button.no_show')}",
                    _data("ns", view.booking),
                ),
            )
            for n, view in enumerate(shown, 1)
        )
    return "\n\n".join(parts), buttons


@dataclass(frozen=True)
class _Recipient:
    key: str
    provider: Provider


def _recipients(links: Sequence[ProviderLink], business: Business) -> list[_Recipient]:
    """Each Telegram account once; an owner link wins over a staff link of the same account."""
    chosen: dict[int, ProviderLink] = {}
    for link in sorted(links, key=lambda lk: (lk.staff_id is not None, lk.id or 0)):
        chosen.setdefault(link.telegram_user_id, link)
    return [
        _Recipient(
            f"p:{link.telegram_user_id}",
            Provider(link, business, normalize_locale(link.locale or business.locale)),
        )
        for link in chosen.values()
    ]


class DailyHandler:
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
        business = context.businesses.get(item.business_id)
        day = parse_day(item.payload)
        if business is None or day is None:
            return "business gone" if business is None else f"bad payload {item.payload!r}"
        stale = stale_reason(item.kind, day, business, now)
        if stale is not None:
            return stale
        recipients = _recipients(context.links.get(item.business_id, []), business)
        if not recipients:
            return "nobody to tell (no linked account)"
        views = await self._views(business, item.kind, day)
        todo = []
        for recipient in recipients:
            if recipient.key in item.sent_to:
                continue
            mine = [v for v in views if recipient.provider.sees(v.booking)]
            if mine:
                todo.append((recipient, mine))
        for n, (recipient, mine) in enumerate(todo):
            text, buttons = render_daily(item.kind, day, recipient.provider, mine)
            chat_id = recipient.provider.link.telegram_user_id
            await self._notifier.send(
                self._bot_id, OutgoingMessage(chat_id=chat_id, text=text, buttons=buttons)
            )
            # Providers are never marked unreachable: a refused send just counts as told.
            await record_sent(recipient.key, done=n == len(todo) - 1)
        return None

    async def _views(self, business: Business, kind: str, day: date) -> list[BookingView]:
        start, end = report_window(kind, day, business)
        async with self._uow_factory(read_only=True) as uow:
            found = await uow.bookings.for_business_between(business.id or 0, start, end)
        # Listed by the day whose working span they start in: a bar's 01:00 is last night's.
        listed = report_day(kind, day)
        days = await agenda_days(
            self._uow_factory(read_only=True), business=business, bookings=found
        )
        bookings: list[Booking] = [
            b for b in reported(kind, found, start, end) if days.get(b.id or 0) == listed
        ]
        return await load_views(self._uow_factory, bookings)


class DailyRouting:
    """The poller's handler: daily kinds to :class:`DailyHandler`, the rest to ``other``."""

    def __init__(self, daily: ActionHandler, other: ActionHandler) -> None:
        self._daily = daily
        self._other = other

    async def handle(
        self,
        item: OutboxItem,
        context: DeliveryContext,
        *,
        now: datetime,
        record_sent: RecordSent,
    ) -> str | None:
        handler = self._daily if item.kind in actions.DAILY_KINDS else self._other
        return await handler.handle(item, context, now=now, record_sent=record_sent)
