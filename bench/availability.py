"""Slot search and booking commits at any table size (issue 3's benchmark).

For each backend (SQLite; PostgreSQL when it answers):
1. a scenario business (10 staff, 09:00–18:00 Mon–Sat, 30-min service, 15-min step, 60 days)
   filled to 50 % occupancy, plus 30- and 100-staff businesses at the same occupancy;
2. history rows of another business so the table holds 100,000 rows; measure;
3. grow the table to 1,000,000 rows; measure again.
Measured: the 60-day "any professional" search including the database read (median of
repeated runs) cold (availability cache emptied before each search) and warm (cached, data
version unchanged), the naive baseline (same read, every candidate against every booking of that
staff member, one day at a time) and the ratio, and booking commits (median, p99, commits/s,
SQL statements per booking counted with a SQLAlchemy cursor event).

Sizes: AGENDEI_BENCH_ROWS="100000,1000000" (default; "20000,200000" for a quick run),
AGENDEI_BENCH_REPEAT (searches per median, 15), AGENDEI_BENCH_COMMITS (bookings, 200),
AGENDEI_BENCH_BACKENDS ("sqlite,postgres").
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

from bench import fixtures
from bench.report import Metric, write
from domain import booking as use_cases
from domain.availability import SlotQuery
from domain.availability_naive import find_slots_naive
from domain.errors import SlotTaken
from domain.model import Actor, BookingSource
from domain.search import cache_of

SIZES = [int(s) for s in os.environ.get("AGENDEI_BENCH_ROWS", "100000,1000000").split(",")]
REPEAT = int(os.environ.get("AGENDEI_BENCH_REPEAT", "15"))
COMMITS = int(os.environ.get("AGENDEI_BENCH_COMMITS", "200"))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _cache(uow_factory):
    cache = cache_of(uow_factory())
    assert cache is not None
    return cache


async def _search_cold(uow_factory, s: fixtures.Scenario) -> int:
    """A search with nothing cached: the catalog, calendar and bookings read, the engine run."""
    _cache(uow_factory).clear()
    return await _search(uow_factory, s)


async def _search(uow_factory, s: fixtures.Scenario) -> int:
    slots = await use_cases.find_slots(
        uow_factory(read_only=True),
        now=s.now,
        business_id=s.business_id,
        service_ids=[s.service_id],
        staff_id=None,
        first_day=s.first_day,
        last_day=s.last_day,
    )
    return len(slots)


async def _naive(uow_factory, s: fixtures.Scenario) -> int:
    async with uow_factory(read_only=True) as uow:
        # the same bounded read as the real search
        loaded = await use_cases.load_for_search(
            uow, s.business_id, SlotQuery((s.service_id,), s.first_day, s.last_day, s.now)
        )
    assert loaded is not None
    snapshot, clipped = loaded
    first, last = clipped.first_day, clipped.last_day
    total = 0
    day = first
    while day <= last:  # one day at a time, as the naive systems do
        total += len(find_slots_naive(snapshot, SlotQuery((s.service_id,), day, day, s.now)))
        day += timedelta(days=1)
    return total


async def _median_time(fn, *args, repeat: int = REPEAT) -> tuple[float, int]:
    await fn(*args)  # warm caches, as a running server would be
    times, result = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = await fn(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


class StatementCounter:
    """SQL statements sent to the database (a SQLAlchemy cursor event; COMMIT is not one)."""

    def __init__(self, engine) -> None:
        self.count = 0
        self._engine = engine.sync_engine

    def _on(self, *_args) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self._engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self._engine, "before_cursor_execute", self._on)


async def _commits(
    uow_factory, s: fixtures.Scenario, count: int, counter: StatementCounter
) -> tuple[list[float], list[int]]:
    """Book ``count`` free slots one after another (as the panel does, no idempotency key);
    seconds and SQL statements per committed booking."""
    slots = await use_cases.find_slots(
        uow_factory(read_only=True),
        now=s.now,
        business_id=s.business_id,
        service_ids=[s.service_id],
        staff_id=None,
        first_day=s.first_day,
        last_day=s.last_day,
    )
    rng = random.Random(11)
    rng.shuffle(slots)
    durations, statements = [], []
    for slot in slots:
        if len(durations) >= count:
            break
        counter.count = 0
        started = time.perf_counter()
        try:
            await use_cases.book(
                uow_factory(),
                now=s.now,
                business_id=s.business_id,
                client_id=s.client_id,
                service_ids=[s.service_id],
                staff_id=None,
                start=slot.start,
                source=BookingSource.PANEL,
                idempotency_key=None,
                actor=Actor.provider(),
            )
        except SlotTaken:
            continue  # an earlier commit took it: not a measurement
        durations.append(time.perf_counter() - started)
        statements.append(counter.count)
    return durations, statements


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _backend(name: str) -> tuple[list[Metric], list[str]]:
    metrics: list[Metric] = []
    notes: list[str] = []
    async with fixtures.database(name) as engine:
        factory = fixtures.uow_factory_for(engine)
        scenarios = {
            n: await fixtures.create_business(factory, f"bench-{n}", n) for n in (10, 30, 100)
        }
        for n, scenario in scenarios.items():
            rows = fixtures.occupancy_rows(scenario, 0.5)
            await fixtures.insert_bookings(engine, rows, scenario.service_id)
            notes.append(f"{name}: {n} staff -> {len(rows)} bookings in the 60-day window")
        history = await fixtures.create_business(factory, "history", 50)
        commit_target = await fixtures.create_business(factory, "commits", 10)
        await fixtures.insert_bookings(
            engine, fixtures.occupancy_rows(commit_target, 0.5, seed=3), commit_target.service_id
        )
        searched: dict[int, float] = {}
        commit_rate: dict[int, float] = {}
        for size in SIZES:
            missing = size - await fixtures.count_bookings(engine)
            if missing > 0:
                await fixtures.insert_bookings(
                    engine, fixtures.history_rows(history, missing, 0), history.service_id
                )
            await fixtures.analyze(engine)
            rows = await fixtures.count_bookings(engine)
            label = f"{name}_{rows // 1000}k_rows"
            for n, scenario in scenarios.items():
                t, slots = await _median_time(_search_cold, factory, scenario)
                if n == 10:
                    searched[size] = t
                    tw, warm_slots = await _median_time(_search, factory, scenario)
                    assert warm_slots == slots, (warm_slots, slots)
                    tn, naive_slots = await _median_time(_naive, factory, scenario, repeat=3)
                    assert naive_slots == slots, (naive_slots, slots)
                    sqlite = name == "sqlite"
                    metrics += [
                        Metric(
                            f"search_60d_any_10staff_cold_median_ms_{label}",
                            _ms(t),
                            "ms",
                            "<= 20 ms on SQLite" if sqlite else "",
                            t <= 0.020 if sqlite else None,
                        ),
                        Metric(
                            f"search_60d_any_10staff_warm_median_ms_{label}",
                            _ms(tw),
                            "ms",
                            "<= 1 ms (cached, data version unchanged)",
                            tw <= 0.001,
                        ),
                        Metric(f"naive_baseline_median_ms_{label}", _ms(tn), "ms"),
                        Metric(
                            f"speedup_vs_naive_{label}",
                            round(tn / t, 2),
                            "x",
                            "faster than the naive baseline",
                            tn > t,
                        ),
                    ]
                else:
                    metrics.append(
                        Metric(f"search_60d_any_{n}staff_cold_median_ms_{label}", _ms(t), "ms")
                    )
                if n == 100:
                    ratio = t / searched_10 if (searched_10 := searched.get(size)) else 0
                    metrics.append(
                        Metric(
                            f"search_time_ratio_100_vs_10_staff_{label}",
                            round(ratio, 2),
                            "x",
                            "<= 11 (linear in bookings)",
                            ratio <= 11,
                        )
                    )
            with StatementCounter(engine) as counter:
                durations, statements = await _commits(factory, commit_target, COMMITS, counter)
            commit_rate[size] = len(durations) / sum(durations)
            sqlite = name == "sqlite"
            metrics += [
                Metric(f"book_commit_median_ms_{label}", _ms(statistics.median(durations)), "ms"),
                Metric(
                    f"book_commit_p99_ms_{label}",
                    _ms(_p99(durations)),
                    "ms",
                    "<= 20 ms on SQLite" if sqlite else "",
                    _p99(durations) <= 0.020 if sqlite else None,
                ),
                Metric(f"book_commits_per_second_{label}", round(commit_rate[size], 1), "1/s"),
                Metric(
                    f"book_statements_median_{label}",
                    statistics.median(statements),
                    "statements",
                    "<= 10 SQL statements per booking",
                    statistics.median(statements) <= 10,
                ),
                Metric(f"book_statements_max_{label}", max(statements), "statements"),
            ]
        if len(SIZES) >= 2:
            small, big = SIZES[0], SIZES[-1]
            growth = searched[big] / searched[small]
            rate = commit_rate[big] / commit_rate[small]
            metrics += [
                Metric(
                    f"{name}_search_time_ratio_{big // 1000}k_vs_{small // 1000}k_rows",
                    round(growth, 3),
                    "x",
                    "<= 1.2",
                    growth <= 1.2,
                ),
                Metric(
                    f"{name}_commit_throughput_ratio_{big // 1000}k_vs_{small // 1000}k_rows",
                    round(rate, 3),
                    "x",
                    ">= 0.8",
                    rate >= 0.8,
                ),
            ]
    return metrics, notes


def run() -> Path:
    metrics: list[Metric] = []
    notes: list[str] = []
    wanted = os.environ.get("AGENDEI_BENCH_BACKENDS", "sqlite,postgres").split(",")
    backends = ["sqlite"] if "sqlite" in wanted else []
    from tests.conftest import postgres_available

    if "postgres" in wanted and postgres_available():
        backends.append("postgres")
    elif "postgres" in wanted:
        notes.append("PostgreSQL not answering: SQLite only")
    for name in backends:
        m, n = asyncio.run(_backend(name))
        metrics += m
        notes += n
    notes.append(f"measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; median of {REPEAT} searches")
    return write("availability", metrics, "; ".join(notes))


if __name__ == "__main__":
    print(run())
