"""Alembic builds the schema from empty, and that schema agrees with the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.tables import metadata


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_every_table_exists_with_the_window_index(engine: AsyncEngine) -> None:
    def describe(connection: Connection) -> tuple[set[str], set[str]]:
        inspector = inspect(connection)
        indexes = {i["name"] or "" for i in inspector.get_indexes("bookings")}
        return set(inspector.get_table_names()), indexes

    async with engine.connect() as conn:
        tables, indexes = await conn.run_sync(describe)
    assert set(metadata.tables) <= tables
    assert "ix_bookings_staff_block" in indexes
