"""Connecting a provider's own Telegram account to their business with a one-time code.

The panel (or ``agendei provider link-code``) issues a code shown as the deep link
``t.me/<bot>?start=link-<code>``; the bot's ``/start`` handler redeems it for the Telegram user
who pressed it. A code is valid for :data:`CODE_TTL` and works once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from .errors import NotFound
from .model import LinkCode, ProviderLink
from .ports import PanelUnitOfWork

CODE_TTL = timedelta(minutes=15)
START_PREFIX = "link-"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_code() -> str:
    # 16 random bytes -> 22 characters of [A-Za-z0-9_-]: fits a /start payload (64 max).
    return secrets.token_urlsafe(16)


async def issue_link_code(
    uow: PanelUnitOfWork,
    *,
    now: datetime,
    business_id: int,
    staff_id: int | None = None,
    new_code: Callable[[], str] = _new_code,
) -> tuple[str, datetime]:
    """A fresh code and when it expires. Raises NotFound for an unknown business/staff."""
    async with uow:
        if await uow.businesses.get(business_id) is None:
            raise NotFound("business", business_id)
        if staff_id is not None:
            member = await uow.staff.get(staff_id)
            if member is None or member.business_id != business_id:
                raise NotFound("staff", staff_id)
        code = new_code()
        expires = now + CODE_TTL
        await uow.links.add_code(LinkCode(_hash(code), business_id, staff_id, expires))
        await uow.commit()
    return code, expires


async def redeem_link_code(
    uow: PanelUnitOfWork, *, now: datetime, code: str, telegram_user_id: int, locale: str = ""
) -> ProviderLink:
    """Link ``telegram_user_id`` to the code's business (and staff member).

    Accepts the bare code or the whole ``link-<code>`` start payload. Raises
    ``NotFound("link_code")`` when the code is unknown, expired or already used.
    """
    code = code.removeprefix(START_PREFIX).strip()
    async with uow:
        claimed = await uow.links.claim_code(_hash(code), now) if code else None
        if claimed is None:
            raise NotFound("link_code")
        if claimed.staff_id is not None:
            member = await uow.staff.get(claimed.staff_id)
            if member is not None:
                member.telegram_user_id = telegram_user_id
                await uow.staff.update(member)
        link = await uow.links.add_link(
            ProviderLink(
                business_id=claimed.business_id,
                telegram_user_id=telegram_user_id,
                staff_id=claimed.staff_id,
                locale=locale,
            ),
            now,
        )
        await uow.commit()
    return link
