"""Read-only facts about the database for readiness, metrics and ``agendei doctor``."""

from __future__ import annotations

from datetime import datetime

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from .migrate import alembic_config
from .tables import OutboxRow


async def outbox_backlog(engine: AsyncEngine, now: datetime) -> tuple[int, float]:
    """Pending notifications and how overdue the oldest due one is, in seconds (0: none)."""
    pending: ColumnElement[bool] = OutboxRow.status == "pending"  # type: ignore[assignment]
    due: ColumnElement[bool] = OutboxRow.due_at <= now  # type: ignore[assignment]
    async with engine.connect() as conn:
        depth = (await conn.execute(select(func.count()).where(pending))).scalar_one()
        oldest = (
            await conn.execute(select(func.min(OutboxRow.due_at)).where(pending, due))
        ).scalar_one()
    age = (now - oldest).total_seconds() if isinstance(oldest, datetime) else 0.0
    return int(depth), max(age, 0.0)


async def migration_state(engine: AsyncEngine) -> tuple[str | None, str]:
    """(revision the database is at, newest revision this code knows)."""

    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        current = await conn.run_sync(_read)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return current, head or ""
