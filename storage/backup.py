"""``agendei backup`` and ``agendei restore``.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot page
by page while the app keeps serving (WAL readers and writers are not blocked for long).
PostgreSQL has its own tools; for it we print the pg_dump / pg_restore lines to use.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """Something the person must fix; the message says what."""


def sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def postgres_advice(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    plain = url.render_as_string(hide_password=True)
    return (
        "PostgreSQL: use its own tools (consistent while Agendei serves):\n"
        f"  pg_dump --format=custom --file=agendei.dump '{plain}'\n"
        "restore into an empty database, with Agendei stopped:\n"
        f"  pg_restore --clean --if-exists --no-owner --dbname='{plain}' agendei.dump"
    )


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst, pages=1024)  # in steps: writers get the lock in between
        finally:
            dst.close()
    finally:
        src.close()


def _check(path: Path) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not an Agendei SQLite backup ({error})") from None
    finally:
        connection.close()
    if result is None or result[0] != "ok" or "alembic_version" not in tables:
        raise BackupError(f"{path} is not an Agendei SQLite backup")


def backup_sqlite(database: Path, target: Path) -> None:
    if not database.exists():
        raise BackupError(f"no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists: choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(database, target)
    _check(target)


def restore_sqlite(backup: Path, database: Path) -> None:
    """Replace the database with ``backup`` (stop Agendei first: its open connections would
    keep writing to the old pages)."""
    if not backup.exists():
        raise BackupError(f"no backup at {backup}")
    _check(backup)
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup, database)
