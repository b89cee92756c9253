"""Outbox rows of daily actions (morning after, agenda digest), keyed per local date.

Kept apart from :mod:`storage.repositories.outbox`: these rows are claimed and marked like any
other, only planned differently. ``insert_daily`` is ``INSERT ... ON CONFLICT (dedup_key) DO
NOTHING`` on both backends, so two planners writing the same occurrence at once leave one row;
retiring a row clears its key so a corrected occurrence of the same date can be written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain import actions
from domain.daily import DailyRow, Occurrence
from domain.model import Business

from ..tables import BusinessRow, OutboxRow, ProviderLinkRow
from .businesses import to_domain as business_to_domain

_outbox = OutboxRow.__table__  # type: ignore[attr-defined]
_o = _outbox.c

PENDING = "pending"
RETIRED = "retired"


class SqlDailyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def planning_businesses(self) -> list[Business]:
        linked = exists().where(col(ProviderLinkRow.business_id) == col(BusinessRow.id))
        rows = await self._session.execute(
            select(BusinessRow).where(linked).order_by(col(BusinessRow.id))
        )
        return [business_to_domain(row) for row in rows.scalars()]

    async def daily_rows(self, business_ids: Sequence[int], since: datetime) -> list[DailyRow]:
        if not business_ids:
            return []
        result = await self._session.execute(
            select(_o.id, _o.kind, _o.business_id, _o.payload, _o.due_at, _o.status).where(
                _o.kind.in_(list(actions.DAILY_KINDS)),
                _o.business_id.in_(list(business_ids)),
                _o.due_at >= since,
                _o.status != RETIRED,
            )
        )
        out = []
        for row in result:
            try:
                day = date.fromisoformat(row.payload)
            except ValueError:
                continue
            out.append(DailyRow(row.id, row.kind, row.business_id, day, row.due_at, row.status))
        return out

    async def retire_daily(self, row_ids: Sequence[int]) -> int:
        if not row_ids:
            return 0
        result = await self._session.execute(
            update(_outbox)
            .where(_o.id.in_(list(row_ids)), _o.status == PENDING)
            .values(status=RETIRED, dedup_key=None, finished_at=datetime.now(UTC))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def insert_daily(self, occurrences: Sequence[Occurrence]) -> int:
        if not occurrences:
            return 0
        created = datetime.now(UTC)
        values = [
            {
                "kind": o.kind,
                "business_id": o.business_id,
                "booking_id": None,
                "due_at": o.due_at,
                "status": PENDING,
                "payload": o.payload,
                "dedup_key": o.key,
                "created_at": created,
            }
            for o in occurrences
        ]
        dialect = self._session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        result = await self._session.execute(
            insert(_outbox).values(values).on_conflict_do_nothing(index_elements=["dedup_key"])
        )
        return int(getattr(result, "rowcount", 0) or 0)
