"""Databases filled for benchmarks: a scenario business plus history rows from others.

Rows are bulk-inserted with Core (PostgreSQL: COPY) — going through the use cases would take
hours for a million rows and measure nothing we care about here.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from domain.model import Business, Client, Policies, Service, StaffMember, WeeklyInterval
from storage.engine import AsyncEngine, create_engine
from storage.migrate import migrate
from storage.tables import BookingItemRow, BookingRow
from storage.uow import UnitOfWorkFactory, make_uow_factory

POSTGRES_URL = os.environ.get(
    "AGENDEI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
ZONE = ZoneInfo("America/Sao_Paulo")
OPEN, CLOSE = time(9), time(18)
WORK_MINUTES = 9 * 60


@asynccontextmanager
async def database(backend: str) -> AsyncIterator[AsyncEngine]:
    """A fresh, migrated database on ``backend``, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = create_engine(f"sqlite+aiosqlite:///{folder}/bench.db")
            await migrate(engine)
            try:
                yield engine
            finally:
                await engine.dispose()
        return
    name = f"agendei_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    await migrate(engine)
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@dataclass
class Scenario:
    business_id: int
    service_id: int
    staff_ids: list[int]
    client_id: int
    first_day: date
    last_day: date
    now: datetime


async def create_business(
    uow_factory: UnitOfWorkFactory, slug: str, staff: int, *, days: int = 60
) -> Scenario:
    """Staff working 09:00–18:00 Monday–Saturday, one 30-minute service, 15-minute step."""
    async with uow_factory() as uow:
        business = await uow.businesses.add(
            Business(
                name=slug,
                slug=slug,
                policies=Policies(
                    min_notice_minutes=0, horizon_days=days + 5, slot_step_minutes=15
                ),
            )
        )
        assert business.id is not None
        service = await uow.services.add(
            Service(business_id=business.id, name="Corte", duration_minutes=30, price_minor=4500)
        )
        assert service.id is not None
        staff_ids = []
        for n in range(staff):
            member = await uow.staff.add(
                StaffMember(
                    business_id=business.id,
                    name=f"P{n}",
                    service_ids={service.id},
                    weekly_hours=[WeeklyInterval(d, OPEN, CLOSE) for d in range(6)],
                    position=n,
                )
            )
            assert member.id is not None
            staff_ids.append(member.id)
        client = await uow.clients.add(Client(business_id=business.id, name="Bench"))
        assert client.id is not None
        await uow.commit()
    first = date(2027, 3, 1)  # a Monday, far from any DST change in São Paulo
    now = datetime.combine(first, time(0), ZONE).astimezone(UTC) - timedelta(hours=1)
    return Scenario(
        business.id, service.id, staff_ids, client.id, first, first + timedelta(days=days - 1), now
    )


def occupancy_rows(scenario: Scenario, occupancy: float, seed: int = 7) -> list[dict[str, object]]:
    """Bookings of 15–60 minutes at random free quarter-hours until each working day is
    ``occupancy`` full."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    day = scenario.first_day
    while day <= scenario.last_day:
        if day.weekday() < 6:
            opening = datetime.combine(day, OPEN, ZONE).astimezone(UTC)
            for staff_id in scenario.staff_ids:
                free = [True] * (WORK_MINUTES // 15)
                taken, goal, tries = 0, int(WORK_MINUTES * occupancy), 0
                while taken < goal and tries < 400:
                    tries += 1
                    length = rng.choice((1, 2, 3, 4))
                    at = rng.randrange(0, len(free) - length + 1)
                    if all(free[at : at + length]):
                        free[at : at + length] = [False] * length
                        taken += 15 * length
                        start = opening + timedelta(minutes=15 * at)
                        rows.append(
                            _row(
                                scenario.business_id,
                                staff_id,
                                scenario.client_id,
                                start,
                                15 * length,
                            )
                        )
        day += timedelta(days=1)
    return rows


def _row(
    business_id: int, staff_id: int, client_id: int, start: datetime, minutes: int
) -> dict[str, object]:
    end = start + timedelta(minutes=minutes)
    return {
        "business_id": business_id,
        "staff_id": staff_id,
        "client_id": client_id,
        "start_at": start,
        "end_at": end,
        "block_start": start,
        "block_end": end,
        "status": "confirmed",
        "source": "panel",
        "notes": "",
        "reason": "",
        "is_test": False,
        "created_at": start,
    }


def history_rows(scenario: Scenario, count: int, first_id: int) -> list[dict[str, object]]:
    """Past bookings of another business: back to back, one hour apart, going back in time."""
    rows = []
    staff = scenario.staff_ids
    end_of_history = datetime.combine(scenario.first_day, time(0), ZONE).astimezone(UTC)
    for n in range(count):
        member = staff[n % len(staff)]
        start = end_of_history - timedelta(hours=1 + n // len(staff))
        row = _row(scenario.business_id, member, scenario.client_id, start, 30)
        row["status"] = "completed"
        rows.append(row)
    return rows


async def insert_bookings(
    engine: AsyncEngine, rows: list[dict[str, object]], service_id: int, batch: int = 20_000
) -> None:
    """Insert bookings and one item each, in batches."""
    for offset in range(0, len(rows), batch):
        chunk = rows[offset : offset + batch]
        async with engine.begin() as conn:
            ids = (
                (
                    await conn.execute(insert(BookingRow).returning(BookingRow.id), chunk)  # type: ignore[arg-type]
                )
                .scalars()
                .all()
                if engine.dialect.name == "postgresql"
                else None
            )
            if ids is None:
                before = (
                    await conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM bookings"))
                ).scalar_one()
                await conn.execute(insert(BookingRow), chunk)
                ids = list(range(before + 1, before + 1 + len(chunk)))
            await conn.execute(
                insert(BookingItemRow),
                [
                    {
                        "booking_id": i,
                        "position": 0,
                        "service_id": service_id,
                        "name": "Corte",
                        "duration_minutes": (row["end_at"] - row["start_at"])
                        // timedelta(minutes=1),  # type: ignore[operator]
                        "price_minor": 4500,
                        "buffer_before_minutes": 0,
                        "buffer_after_minutes": 0,
                        "capacity": 1,
                    }
                    for i, row in zip(ids, chunk, strict=True)
                ],
            )


async def count_bookings(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT COUNT(*) FROM bookings"))).scalar_one())


async def analyze(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


def uow_factory_for(engine: AsyncEngine) -> UnitOfWorkFactory:
    return make_uow_factory(engine)


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]
