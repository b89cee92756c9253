"""Clients, per business."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.model import Business, Client

from ..tables import BusinessRow, ClientRow
from .businesses import to_domain as business_to_domain

_FIELDS = (
    "business_id",
    "telegram_user_id",
    "name",
    "phone",
    "locale",
    "notes",
    "unreachable",
    "is_test",
    "no_shows_forgiven_at",
)


def _to_domain(row: ClientRow) -> Client:
    return Client(id=row.id, **{f: getattr(row, f) for f in _FIELDS})


class SqlClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, client: Client) -> Client:
        row = ClientRow(created_at=datetime.now(UTC), **{f: getattr(client, f) for f in _FIELDS})
        self._session.add(row)
        await self._session.flush()
        client.id = row.id
        return client

    async def get(self, client_id: int) -> Client | None:
        row = await self._session.get(ClientRow, client_id)
        return _to_domain(row) if row else None

    async def get_many(self, client_ids: Sequence[int]) -> dict[int, Client]:
        wanted = sorted(set(client_ids))
        if not wanted:
            return {}
        rows = (
            await self._session.execute(select(ClientRow).where(col(ClientRow.id).in_(wanted)))
        ).scalars()
        return {row.id: _to_domain(row) for row in rows if row.id is not None}

    async def get_by_telegram(self, business_id: int, telegram_user_id: int) -> Client | None:
        row = (
            await self._session.execute(
                select(ClientRow).where(
                    col(ClientRow.business_id) == business_id,
                    col(ClientRow.telegram_user_id) == telegram_user_id,
                )
            )
        ).scalar_one_or_none()
        return _to_domain(row) if row else None

    async def businesses_of_telegram_user(
        self, telegram_user_id: int, limit: int = 10
    ) -> list[Business]:
        rows = (
            await self._session.execute(
                select(BusinessRow)
                .join(ClientRow, col(ClientRow.business_id) == col(BusinessRow.id))
                .where(col(ClientRow.telegram_user_id) == telegram_user_id)
                .order_by(col(ClientRow.id).desc())
                .limit(limit)
            )
        ).scalars()
        return [business_to_domain(row) for row in rows]

    async def update(self, client: Client) -> None:
        row = await self._session.get(ClientRow, client.id)
        if row is None:
            raise LookupError(f"client {client.id} does not exist")
        for f in _FIELDS:
            setattr(row, f, getattr(client, f))
        await self._session.flush()
