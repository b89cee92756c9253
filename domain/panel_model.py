"""Entities of the provider panel and of Telegram linking: sessions, link codes, links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PanelSession:
    """A logged-in browser. ``id`` is the SHA-256 of the cookie token: a leaked table is useless."""

    id: str
    user_id: int
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class LinkCode:
    """A one-time code that connects a Telegram account to a business (``id``: its SHA-256)."""

    id: str
    business_id: int
    staff_id: int | None
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True)
class ProviderLink:
    """A Telegram account allowed to act for a business (the owner when ``staff_id`` is None)."""

    business_id: int
    telegram_user_id: int
    staff_id: int | None = None
    locale: str = ""
    id: int | None = None


@dataclass(frozen=True)
class ClientStats:
    visits: int = 0
    no_shows: int = 0
    cancellations: int = 0
    last_visit: datetime | None = None

    @property
    def attendance_percent(self) -> int | None:
        """Visits over visits + no-shows, in whole percent; None before the first finished one."""
        finished = self.visits + self.no_shows
        return None if finished == 0 else round(100 * self.visits / finished)
