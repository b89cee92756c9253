"""``agendei backup`` copies the SQLite database while the app has it open; ``agendei restore``
brings it back, row for row. On PostgreSQL it says how to use pg_dump."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

from app.settings import load_settings
from app.wiring import build_container
from tests.conftest import Backend
from tests.integration.seed import seed_business


async def agendei(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AGENDEI_DATABASE_URL": database_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    connection = sqlite3.connect(path)
    try:
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {
            t: sorted(connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
            for t in tables
        }
    finally:
        connection.close()


async def test_backup_while_serving_then_restore_gives_the_same_rows(
    backend: Backend, tmp_path: Path
) -> None:
    if backend.name != "sqlite":
        code, out, _ = await agendei(backend.database_url, "backup", str(tmp_path / "x"))
        assert code == 2 and "pg_dump --format=custom" in out and "pg_restore" in out
        return
    container = build_container(load_settings(database_url=backend.database_url))
    try:
        await seed_business(container.uow_factory())
        # The app holds the database open, in the middle of a read, while the copy is made.
        async with container.engine.connect() as serving:
            await serving.exec_driver_sql("SELECT count(*) FROM bookings")
            code, out, err = await agendei(backend.database_url, "backup", str(tmp_path / "b.db"))
        assert code == 0, err
        assert "backup written" in out
    finally:
        await container.close()

    original = Path(backend.database_url.split("///", 1)[1])
    restored = tmp_path / "restored" / "agendei.db"
    url = f"sqlite+aiosqlite:///{restored}"
    code, out, err = await agendei(url, "restore", str(tmp_path / "b.db"), "--yes")
    assert code == 0, err
    assert dump(restored) == dump(original)
    assert dump(restored)["businesses"]  # not two empty databases

    again = await agendei(backend.database_url, "backup", str(tmp_path / "b.db"))
    assert again[0] == 2 and "exists" in again[2]  # never overwrites an earlier backup
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    refused = await agendei(url, "restore", str(not_a_backup), "--yes")
    assert refused[0] == 2 and "not an Agendei SQLite backup" in refused[2]
    assert dump(restored) == dump(original)  # a refused restore changed nothing
