"""Who is a provider here: the Telegram account's link to a business, its language and scope.

Provider handlers are guarded by :class:`IsProvider`. For anyone who is not linked it simply
does not match, so the update goes on to the client's routers and dialogs: a client typing
``/agenda`` gets the client experience, never a refusal or silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from domain.model import Booking, Business, ProviderLink
from domain.ports import PanelUowFactory
from i18n import load_catalog, normalize_locale

# The storage unit of work implements every port; the walk-in client needs the panel's.
UowFactory = PanelUowFactory  # the provider side's name for it
Clock = Callable[[], datetime]


def text(locale: str, key: str, /, **values: object) -> str:
    return load_catalog("provider").text(locale, key, **values)


@dataclass(frozen=True)
class Provider:
    """A linked account acting for one business (as its owner, or as one staff member)."""

    link: ProviderLink
    business: Business
    locale: str

    @property
    def business_id(self) -> int:
        return self.link.business_id

    @property
    def staff_id(self) -> int | None:
        return self.link.staff_id

    def t(self, key: str, /, **values: object) -> str:
        return text(self.locale, key, **values)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.business.timezone)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def today(self, now: datetime) -> date:
        return self.local(now).date()

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The local day as a UTC span (23 or 25 hours long across a DST change)."""
        start = datetime.combine(day, time(0), self.zone)
        end = datetime.combine(day + timedelta(days=1), time(0), self.zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def sees(self, booking: Booking) -> bool:
        """The owner sees the whole business; a staff member their own bookings."""
        if booking.business_id != self.business_id:
            return False
        return self.staff_id is None or booking.staff_id == self.staff_id


async def find_provider(
    uow_factory: UowFactory, telegram_user_id: int, business_id: int | None = None
) -> Provider | None:
    """The account's link (to ``business_id`` if given, else its first one), or None."""
    async with uow_factory(read_only=True) as uow:
        links = await uow.links.links_for_telegram_user(telegram_user_id)
        if business_id is not None:
            links = [lk for lk in links if lk.business_id == business_id]
        if not links:
            return None
        # Owner links first: an owner who is also linked as staff acts for the whole business.
        link = sorted(links, key=lambda lk: (lk.staff_id is not None, lk.id or 0))[0]
        business = await uow.businesses.get(link.business_id)
    if business is None:
        return None
    return Provider(link, business, normalize_locale(link.locale or business.locale))


class IsProvider(Filter):
    """Matches private updates of a linked account and hands the handler ``provider``."""

    def __init__(self, uow_factory: UowFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, event: Message | CallbackQuery, **_: Any) -> bool | dict[str, Any]:
        user = event.from_user
        if user is None or user.is_bot:
            return False
        chat = event.chat if isinstance(event, Message) else None
        if chat is not None and chat.type != "private":
            return False
        provider = await find_provider(self._uow_factory, user.id)
        if provider is None:
            return False
        return {"provider": provider}
