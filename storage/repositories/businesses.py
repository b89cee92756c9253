"""Businesses and their policies."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.model import Business, ConfirmationMode, Policies

from ..tables import BusinessRow


def _offsets_to_text(offsets: tuple[int, ...]) -> str:
    return ",".join(str(o) for o in offsets)


def _offsets_from_text(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def to_domain(row: Any) -> Business:
    """A business from its row: an ORM object or a Core row of the same columns."""
    return Business(
        id=row.id,
        name=row.name,
        slug=row.slug,
        kind=row.kind,
        timezone=row.timezone,
        locale=row.locale,
        currency=row.currency,
        address=row.address,
        phone=row.phone,
        owner_user_id=row.owner_user_id,
        data_version=row.data_version,
        catalog_version=row.catalog_version,
        policies=Policies(
            confirmation_mode=ConfirmationMode(row.confirmation_mode),
            min_notice_minutes=row.min_notice_minutes,
            horizon_days=row.horizon_days,
            slot_step_minutes=row.slot_step_minutes,
            cancellation_window_minutes=row.cancellation_window_minutes,
            request_expiry_minutes=row.request_expiry_minutes,
            reminder_offsets_minutes=_offsets_from_text(row.reminder_offsets),
            attendance_request_minutes=row.attendance_request_minutes,
            daily_digest_at=row.digest_time,
            no_show_limit=row.no_show_limit,
            no_show_window_days=row.no_show_window_days,
        ),
    )


def _copy_into(row: BusinessRow, business: Business) -> None:
    p = business.policies
    row.name = business.name
    row.slug = business.slug
    row.kind = business.kind
    row.timezone = business.timezone
    row.locale = business.locale
    row.currency = business.currency
    row.address = business.address
    row.phone = business.phone
    row.owner_user_id = business.owner_user_id
    row.confirmation_mode = p.confirmation_mode.value
    row.min_notice_minutes = p.min_notice_minutes
    row.horizon_days = p.horizon_days
    row.slot_step_minutes = p.slot_step_minutes
    row.cancellation_window_minutes = p.cancellation_window_minutes
    row.request_expiry_minutes = p.request_expiry_minutes
    row.reminder_offsets = _offsets_to_text(p.reminder_offsets_minutes)
    row.attendance_request_minutes = p.attendance_request_minutes
    row.digest_time = p.daily_digest_at
    row.no_show_limit = p.no_show_limit
    row.no_show_window_days = p.no_show_window_days


_t = BusinessRow.__table__.c  # type: ignore[attr-defined]
# Built once: constructing and cache-keying a select on every update costs more than running it.
_GET = select(*_t).where(_t.id == bindparam("id"))
_VERSIONS = select(_t.data_version, _t.catalog_version).where(_t.id == bindparam("id"))


class SqlBusinessRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, business: Business) -> Business:
        row = BusinessRow(
            name=business.name,
            slug=business.slug,
            created_at=datetime.now(UTC),
            ical_token=secrets.token_urlsafe(24),
        )
        _copy_into(row, business)
        self._session.add(row)
        await self._session.flush()
        business.id = row.id
        return business

    async def get(self, business_id: int) -> Business | None:
        # Every update of a chat reads its business: a Core select of plain columns, not an
        # ORM object (identity map, instance state) that is thrown away right after.
        row = (await self._session.execute(_GET, {"id": business_id})).first()
        return to_domain(row) if row else None

    async def versions(self, business_id: int) -> tuple[int, int]:
        """The availability cache's keys for a business ((0, 0) when it does not exist)."""
        row = (await self._session.execute(_VERSIONS, {"id": business_id})).first()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def get_by_slug(self, slug: str) -> Business | None:
        row = (
            await self._session.execute(select(BusinessRow).where(col(BusinessRow.slug) == slug))
        ).scalar_one_or_none()
        return to_domain(row) if row else None

    async def update(self, business: Business) -> None:
        row = await self._session.get(BusinessRow, business.id)
        if row is None:
            raise LookupError(f"business {business.id} does not exist")
        _copy_into(row, business)
        await self._session.flush()

    async def list_all(self, limit: int = 100) -> list[Business]:
        rows = (
            await self._session.execute(
                select(BusinessRow).order_by(col(BusinessRow.id)).limit(limit)
            )
        ).scalars()
        return [to_domain(r) for r in rows]

    async def list_for_owner(self, user_id: int) -> list[Business]:
        rows = (
            await self._session.execute(
                select(BusinessRow)
                .where(col(BusinessRow.owner_user_id) == user_id)
                .order_by(col(BusinessRow.id))
            )
        ).scalars()
        return [to_domain(r) for r in rows]
