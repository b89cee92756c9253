"""One-time link codes and the Telegram accounts linked to a business."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.model import LinkCode, ProviderLink

from ..tables import LinkCodeRow, ProviderLinkRow

_c = LinkCodeRow.__table__.c  # type: ignore[attr-defined]


def _link(row: ProviderLinkRow) -> ProviderLink:
    return ProviderLink(
        id=row.id,
        business_id=row.business_id,
        telegram_user_id=row.telegram_user_id,
        staff_id=row.staff_id,
        locale=row.locale,
    )


class SqlLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_code(self, code: LinkCode) -> None:
        self._session.add(
            LinkCodeRow(
                id=code.id,
                business_id=code.business_id,
                staff_id=code.staff_id,
                expires_at=code.expires_at,
                used_at=code.used_at,
            )
        )
        await self._session.flush()

    async def claim_code(self, code_id: str, now: datetime) -> LinkCode | None:
        # One UPDATE decides: two redemptions racing for one code cannot both win.
        result = await self._session.execute(
            update(LinkCodeRow)
            .where(_c.id == code_id, _c.used_at.is_(None), _c.expires_at > now)
            .values(used_at=now)
        )
        if not getattr(result, "rowcount", 0):
            return None
        row = await self._session.get(LinkCodeRow, code_id, populate_existing=True)
        if row is None:
            return None
        return LinkCode(row.id, row.business_id, row.staff_id, row.expires_at, row.used_at)

    async def add_link(self, link: ProviderLink, now: datetime) -> ProviderLink:
        row = (
            await self._session.execute(
                select(ProviderLinkRow).where(
                    col(ProviderLinkRow.business_id) == link.business_id,
                    col(ProviderLinkRow.telegram_user_id) == link.telegram_user_id,
                )
            )
        ).scalar_one_or_none()
        if row is None:
            row = ProviderLinkRow(
                business_id=link.business_id,
                telegram_user_id=link.telegram_user_id,
                staff_id=link.staff_id,
                locale=link.locale,
                created_at=now,
            )
            self._session.add(row)
        else:
            row.staff_id, row.locale = link.staff_id, link.locale or row.locale
        await self._session.flush()
        return _link(row)

    async def links_for_telegram_user(self, telegram_user_id: int) -> list[ProviderLink]:
        rows = await self._session.execute(
            select(ProviderLinkRow)
            .where(col(ProviderLinkRow.telegram_user_id) == telegram_user_id)
            .order_by(col(ProviderLinkRow.id))
        )
        return [_link(r) for r in rows.scalars()]

    async def links_for_business(self, business_id: int) -> list[ProviderLink]:
        rows = await self._session.execute(
            select(ProviderLinkRow)
            .where(col(ProviderLinkRow.business_id) == business_id)
            .order_by(col(ProviderLinkRow.id))
        )
        return [_link(r) for r in rows.scalars()]
