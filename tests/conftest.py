"""Test backends: every storage-touching test runs on SQLite and on PostgreSQL (+ Redis).

PostgreSQL and Redis are used when they answer (AGENDEI_TEST_POSTGRES_URL, AGENDEI_TEST_REDIS_URL,
defaulting to the local services). With AGENDEI_TEST_REQUIRE_SERVICES=1 (CI) a missing service is
an error instead of a skip. Each test session creates its own PostgreSQL database, so parallel
sessions on one machine never share tables.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.migrate import migrate
from storage.tables import metadata
from storage.uow import UnitOfWorkFactory, make_uow_factory

POSTGRES_URL = os.environ.get(
    "AGENDEI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _redis_url_for_this_worker(url: str) -> str:
    """Under pytest-xdist each worker gets its own Redis database, so de-duplication keys, FSM
    state and locks of tests running at the same time never meet (tests reuse tokens and ids)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    parsed = urlparse(url)
    base = int(parsed.path.strip("/") or 0)
    return parsed._replace(path=f"/{(base + 1 + int(worker[2:])) % 16}").geturl()


REDIS_URL = _redis_url_for_this_worker(
    os.environ.get("AGENDEI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
)
REQUIRE_SERVICES = os.environ.get("AGENDEI_TEST_REQUIRE_SERVICES") == "1"
BACKENDS = ("sqlite", "postgres")


def _answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Backend:
    """One storage backend for a test: a migrated, empty database (and Redis for postgres)."""

    name: str
    database_url: str
    redis_url: str  # empty on the sqlite backend: in-process de-dup, memory FSM


_postgres_ok: bool | None = None


def postgres_available() -> bool:
    global _postgres_ok
    if _postgres_ok is None:
        _postgres_ok = _answers(POSTGRES_URL, 5432) and _answers(REDIS_URL, 6379)
    return _postgres_ok


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backend: runs once per storage backend")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if postgres_available():
        return
    reason = f"PostgreSQL/Redis not answering at {POSTGRES_URL} / {REDIS_URL}"
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend_name") == "postgres":
            if REQUIRE_SERVICES:
                item.add_marker(pytest.mark.xfail(reason=reason, run=False, strict=True))
                raise pytest.UsageError(f"{reason} (AGENDEI_TEST_REQUIRE_SERVICES=1)")
            item.add_marker(pytest.mark.skip(reason=reason))


_ran: Counter[str] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count passes per backend from the test id (``[sqlite]``/``[postgres]``), which also works
    when the reports come from pytest-xdist workers."""
    if report.when != "call" or not report.passed:
        return
    params = report.nodeid.rpartition("[")[2].rstrip("]").split("-") if "[" in report.nodeid else []
    name = next((p for p in params if p in BACKENDS), None)
    _ran[name or "no database (unit)"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.section("tests passed per backend")
    for name in ("no database (unit)", *BACKENDS):
        terminalreporter.write_line(f"{name}: {_ran.get(name, 0)}")


# --- databases ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        await engine.dispose()  # the last connection to close checkpoints the WAL into the file

    asyncio.run(build())
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of this test session's own, migrated once; dropped at the end."""
    if not postgres_available():
        pytest.skip("PostgreSQL not available")
    name = f"agendei_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_url = POSTGRES_URL

    async def admin(sql: str) -> None:
        engine = create_engine(admin_url)
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    async def build() -> None:
        engine = create_engine(url)
        await migrate(engine)
        await engine.dispose()

    asyncio.run(build())
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend(backend_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A clean, migrated database on the parametrized backend."""
    if backend_name == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "agendei.db"
        shutil.copy(template, path)
        yield Backend("sqlite", f"sqlite+aiosqlite:///{path}", "")
        return
    url: str = request.getfixturevalue("postgres_database")
    asyncio.run(_truncate_postgres(url))
    yield Backend("postgres", url, REDIS_URL)


@pytest.fixture
async def engine(backend: Backend) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(backend.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    return make_uow_factory(engine)
