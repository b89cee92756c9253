"""Panel sessions, onboarding progress, iCal tokens and the client/booking reads of the panel."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.model import ACTIVE_STATUSES, Booking, BookingStatus, Client, ClientStats, PanelSession

from ..tables import (
    BookingItemRow,
    BookingRow,
    BusinessRow,
    ClientRow,
    DateExceptionRow,
    FormTokenRow,
    OnboardingRow,
    PanelSessionRow,
    StaffRow,
    TimeOffRow,
)
from .bookings import SqlBookingRepository
from .clients import _to_domain as _client_to_domain


class SqlPanelSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, session: PanelSession) -> None:
        self._session.add(
            PanelSessionRow(
                id=session.id,
                user_id=session.user_id,
                csrf_token=session.csrf_token,
                created_at=session.created_at,
                expires_at=session.expires_at,
            )
        )
        await self._session.flush()

    async def get(self, session_id: str) -> PanelSession | None:
        row = await self._session.get(PanelSessionRow, session_id)
        if row is None:
            return None
        return PanelSession(row.id, row.user_id, row.csrf_token, row.created_at, row.expires_at)

    async def delete(self, session_id: str) -> None:
        await self._session.execute(
            delete(PanelSessionRow).where(col(PanelSessionRow.id) == session_id)
        )

    async def delete_for_user(self, user_id: int, *, keep: str | None = None) -> int:
        query = delete(PanelSessionRow).where(col(PanelSessionRow.user_id) == user_id)
        if keep is not None:
            query = query.where(col(PanelSessionRow.id) != keep)
        result = await self._session.execute(query)
        return int(getattr(result, "rowcount", 0) or 0)


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class SqlPanelQueryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim_form_token(self, business_id: int, token: str) -> bool:
        # INSERT .. ON CONFLICT DO NOTHING: two posts racing each other cannot both claim it,
        # and the loser's transaction stays usable (no IntegrityError to roll back).
        dialect = self._session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(FormTokenRow)
            .values(token=token, business_id=business_id, used_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["token"])
        )
        result = await self._session.execute(stmt)
        return bool(getattr(result, "rowcount", 0) == 1)

    async def onboarding_step(self, business_id: int) -> int | None:
        row = await self._session.get(OnboardingRow, business_id)
        return row.step if row else None

    async def set_onboarding_step(self, business_id: int, step: int) -> None:
        row = await self._session.get(OnboardingRow, business_id)
        now = datetime.now(UTC)
        if row is None:
            self._session.add(OnboardingRow(business_id=business_id, step=step, updated_at=now))
        else:
            row.step, row.updated_at = step, now
        await self._session.flush()

    async def _token_row(self, business_id: int, staff_id: int | None) -> BusinessRow | StaffRow:
        row: BusinessRow | StaffRow | None
        if staff_id is None:
            row = await self._session.get(BusinessRow, business_id)
        else:
            row = await self._session.get(StaffRow, staff_id)
            if row is not None and row.business_id != business_id:
                row = None
        if row is None:
            raise LookupError("no such business or staff member")
        return row

    async def ical_token(self, business_id: int, staff_id: int | None = None) -> str:
        row = await self._token_row(business_id, staff_id)
        if not row.ical_token:  # staff rows are created without one
            row.ical_token = _new_token()
            await self._session.flush()
        return row.ical_token

    async def regenerate_ical_token(self, business_id: int, staff_id: int | None = None) -> str:
        row = await self._token_row(business_id, staff_id)
        row.ical_token = _new_token()
        await self._session.flush()
        return row.ical_token

    async def find_ical_token(self, token: str) -> tuple[int, int | None] | None:
        if not token:
            return None
        business_id = (
            await self._session.execute(
                select(col(BusinessRow.id)).where(col(BusinessRow.ical_token) == token)
            )
        ).scalar_one_or_none()
        if business_id is not None:
            return int(business_id), None
        staff = (
            await self._session.execute(
                select(col(StaffRow.business_id), col(StaffRow.id)).where(
                    col(StaffRow.ical_token) == token
                )
            )
        ).first()
        if staff is None:
            return None
        business, staff_id = staff
        return int(business), int(staff_id) if staff_id is not None else None

    async def exception_business(self, exception_id: int) -> int | None:
        row = await self._session.get(DateExceptionRow, exception_id)
        return row.business_id if row else None

    async def time_off_owner(self, time_off_id: int) -> tuple[int, int | None] | None:
        row = await self._session.get(TimeOffRow, time_off_id)
        return (row.business_id, row.staff_id) if row else None

    async def search_clients(self, business_id: int, query: str, limit: int = 50) -> list[Client]:
        stmt = select(ClientRow).where(col(ClientRow.business_id) == business_id)
        query = query.strip().lower()
        if query:
            pattern = f"%{query.replace('%', '').replace('_', '')}%"
            matches = [
                func.lower(col(ClientRow.name)).like(pattern),
                col(ClientRow.phone).like(pattern),
            ]
            digits = "".join(ch for ch in query if ch.isdigit())
            if len(digits) >= 3:
                # "98888-7777" finds "+55 11 98888 7777": compare digits only.
                phone: Any = col(ClientRow.phone)
                for mark in (" ", "-", "(", ")", "+", "."):
                    phone = func.replace(phone, mark, "")
                matches.append(phone.like(f"%{digits}%"))
            stmt = stmt.where(or_(*matches))
        rows = await self._session.execute(
            stmt.order_by(func.lower(col(ClientRow.name)), col(ClientRow.id)).limit(limit)
        )
        return [_client_to_domain(r) for r in rows.scalars()]

    async def client_stats(self, client_ids: Sequence[int]) -> dict[int, ClientStats]:
        if not client_ids:
            return {}
        b = BookingRow.__table__.c  # type: ignore[attr-defined]
        rows = await self._session.execute(
            select(b.client_id, b.status, func.count(), func.max(b.start_at))
            .where(b.client_id.in_(list(client_ids)))
            .group_by(b.client_id, b.status)
        )
        counts: dict[int, dict[str, tuple[int, datetime | None]]] = {}
        for client_id, status, count, last in rows:
            counts.setdefault(client_id, {})[status] = (int(count), last)
        out: dict[int, ClientStats] = {}
        for client_id in client_ids:
            c = counts.get(client_id, {})
            visits, last = c.get(BookingStatus.COMPLETED.value, (0, None))
            if isinstance(last, str):  # SQLite returns max() of our text column as text
                last = datetime.fromisoformat(last).replace(tzinfo=UTC)
            out[client_id] = ClientStats(
                visits=visits,
                no_shows=c.get(BookingStatus.NO_SHOW.value, (0, None))[0],
                cancellations=c.get(BookingStatus.CANCELLED.value, (0, None))[0],
                last_visit=last,
            )
        return out

    async def future_active_bookings(
        self,
        business_id: int,
        after: datetime,
        *,
        staff_id: int | None = None,
        service_id: int | None = None,
    ) -> list[Booking]:
        b = BookingRow.__table__.c  # type: ignore[attr-defined]
        i = BookingItemRow.__table__.c  # type: ignore[attr-defined]
        stmt = select(b.id).where(
            b.business_id == business_id,
            b.start_at >= after,
            b.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
        if staff_id is not None:
            stmt = stmt.where(b.staff_id == staff_id)
        if service_id is not None:
            stmt = stmt.where(b.id.in_(select(i.booking_id).where(i.service_id == service_id)))
        ids = [int(r) for r in (await self._session.execute(stmt.order_by(b.start_at))).scalars()]
        repo = SqlBookingRepository(self._session)
        found = [await repo.get(booking_id) for booking_id in ids]
        return [booking for booking in found if booking is not None]
