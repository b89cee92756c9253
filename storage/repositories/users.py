"""Provider panel accounts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.model import User

from ..tables import UserRow


def _to_domain(row: UserRow) -> User:
    return User(id=row.id, email=row.email, password_hash=row.password_hash, locale=row.locale)


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: User) -> User:
        row = UserRow(
            email=user.email,
            password_hash=user.password_hash,
            locale=user.locale,
            created_at=datetime.now(UTC),
        )
        self._session.add(row)
        await self._session.flush()
        user.id = row.id
        return user

    async def get(self, user_id: int) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return _to_domain(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        row = (
            await self._session.execute(select(UserRow).where(col(UserRow.email) == email))
        ).scalar_one_or_none()
        return _to_domain(row) if row else None

    async def update(self, user: User) -> None:
        row = await self._session.get(UserRow, user.id)
        if row is None:
            raise LookupError(f"user {user.id} does not exist")
        row.email, row.password_hash, row.locale = user.email, user.password_hash, user.locale
        await self._session.flush()
