"""Async engine construction with the per-backend settings our guarantees depend on."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["AsyncEngine", "create_engine", "ping"]

# Execution option read by the BEGIN hook: read-only units of work skip the write lock.
READ_ONLY = "agendei_read_only"


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    """Build the engine. SQLite: WAL, foreign keys, busy timeout, ``BEGIN IMMEDIATE`` for writes.

    ``BEGIN IMMEDIATE`` takes SQLite's write lock at the start of the transaction, so a
    check-then-insert (is the slot free? then book it) cannot interleave with another writer;
    a deferred BEGIN would double-book or fail late with "database is locked".
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            # A missing folder is created; any other problem surfaces on first use (/healthz).
            with contextlib.suppress(OSError):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's implicit BEGIN is always deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # The default 2 MB page cache thrashes once the bookings table is large.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


async def ping(engine: AsyncEngine) -> None:
    """Raise if the database does not answer (used by /healthz)."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
