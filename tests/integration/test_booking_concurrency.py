"""Never a double booking: concurrent attempts on real SQLite and PostgreSQL.

Each attempt runs in its own unit of work (its own connection), as separate webhook calls would.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from domain import booking as use_cases
from domain.errors import DomainError, SlotTaken
from domain.model import Actor, Booking, BookingSource, BookingStatus
from storage.uow import UnitOfWorkFactory
from tests.integration.seed import Seeded, seed_business

# Monday 2026-12-07, 13:00 UTC = 10:00 in São Paulo (UTC-3, no DST since 2019)
SLOT = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ATTEMPTS = 50


async def _attempt(
    uow_factory: UnitOfWorkFactory,
    seeded: Seeded,
    client_id: int,
    service: str,
    start: datetime,
    key: str | None,
    staff_id: int | None = None,
) -> Booking | SlotTaken:
    try:
        return await use_cases.book(
            uow_factory(),
            now=NOW,
            business_id=seeded.business_id,
            client_id=client_id,
            service_ids=[seeded.service_ids[service]],
            staff_id=staff_id,
            start=start,
            source=BookingSource.TELEGRAM,
            idempotency_key=key,
            actor=Actor.client(client_id),
        )
    except SlotTaken as refused:
        return refused


async def _active(uow_factory: UnitOfWorkFactory, staff_ids: list[int]) -> list[Booking]:
    async with uow_factory(read_only=True) as uow:
        return await uow.bookings.busy_between(
            staff_ids, SLOT - timedelta(days=1), SLOT + timedelta(days=1)
        )


async def test_fifty_attempts_at_one_slot_make_exactly_one_booking(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await seed_business(uow_factory(), clients=ATTEMPTS)
    results = await asyncio.gather(
        *(
            _attempt(
                uow_factory,
                seeded,
                seeded.client_ids[n],
                "corte",
                SLOT,
                f"k{n}",
                seeded.staff_ids[0],
            )
            for n in range(ATTEMPTS)
        )
    )
    booked = [r for r in results if not isinstance(r, DomainError)]
    refused = [r for r in results if isinstance(r, SlotTaken)]
    assert len(booked) == 1 and len(refused) == ATTEMPTS - 1
    # every refusal offers nearby free times, never the taken one
    assert all(r.alternatives and SLOT not in r.alternatives for r in refused)
    assert len(await _active(uow_factory, seeded.staff_ids)) == 1


async def test_overlapping_attempts_of_different_lengths_never_overlap(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Starts 0, 15, 30, 45 min apart with 20/30/90-minute services: a unique index on the
    start would let several in; the engine and the database must not."""
    seeded = await seed_business(uow_factory(), clients=ATTEMPTS)
    services = ["corte", "barba", "longo"]
    results = await asyncio.gather(
        *(
            _attempt(
                uow_factory,
                seeded,
                seeded.client_ids[n],
                services[n % 3],
                SLOT + timedelta(minutes=15 * (n % 4)),
                f"k{n}",
                seeded.staff_ids[0],
            )
            for n in range(ATTEMPTS)
        )
    )
    assert all(not isinstance(r, Exception) or isinstance(r, SlotTaken) for r in results)
    active = sorted(await _active(uow_factory, seeded.staff_ids), key=lambda b: b.start)
    assert active, "at least one attempt must win"
    for earlier, later in itertools.pairwise(active):
        assert earlier.block_end <= later.block_start


async def test_group_class_takes_exactly_its_capacity(uow_factory: UnitOfWorkFactory) -> None:
    seeded = await seed_business(uow_factory(), clients=ATTEMPTS, capacity=4)
    results = await asyncio.gather(
        *(
            _attempt(
                uow_factory,
                seeded,
                seeded.client_ids[n],
                "aula",
                SLOT,
                f"k{n}",
                seeded.staff_ids[0],
            )
            for n in range(ATTEMPTS)
        )
    )
    booked = [r for r in results if not isinstance(r, DomainError)]
    assert len(booked) == 4
    assert len(await _active(uow_factory, seeded.staff_ids)) == 4


async def test_any_professional_fills_each_staff_once(uow_factory: UnitOfWorkFactory) -> None:
    seeded = await seed_business(uow_factory(), staff=3, clients=ATTEMPTS)
    results = await asyncio.gather(
        *(
            _attempt(uow_factory, seeded, seeded.client_ids[n], "corte", SLOT, f"k{n}")
            for n in range(ATTEMPTS)
        )
    )
    booked = [r for r in results if not isinstance(r, DomainError)]
    assert sorted(b.staff_id for b in booked) == sorted(seeded.staff_ids)


async def test_one_request_repeated_concurrently_books_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """A redelivered update carries the same idempotency key: one booking, the same answer."""
    seeded = await seed_business(uow_factory())
    client = seeded.client_ids[0]
    results = await asyncio.gather(
        *(_attempt(uow_factory, seeded, client, "corte", SLOT, "tg:1:update-77") for _ in range(10))
    )
    ids = {getattr(r, "id", None) for r in results}
    assert len(ids) == 1 and None not in ids
    assert len(await _active(uow_factory, seeded.staff_ids)) == 1


@pytest.mark.parametrize("rounds", [5])
async def test_reschedule_racing_a_new_booking_leaves_exactly_one(
    uow_factory: UnitOfWorkFactory, rounds: int
) -> None:
    seeded = await seed_business(uow_factory(), clients=2)
    staff = seeded.staff_ids[0]
    for n in range(rounds):
        target = SLOT + timedelta(days=n, hours=1)  # one round per weekday
        moved = await _attempt(
            uow_factory,
            seeded,
            seeded.client_ids[0],
            "corte",
            SLOT + timedelta(days=n),
            f"old{n}",
            staff,
        )
        assert not isinstance(moved, Exception)
        assert moved.id is not None

        async def move(booking_id: int = moved.id, to: datetime = target) -> Booking | SlotTaken:
            try:
                return await use_cases.reschedule(
                    uow_factory(),
                    now=NOW,
                    business_id=seeded.business_id,
                    booking_id=booking_id,
                    new_start=to,
                    actor=Actor.provider(),
                )
            except SlotTaken as refused:
                return refused

        results = await asyncio.gather(
            move(),
            _attempt(uow_factory, seeded, seeded.client_ids[1], "corte", target, f"new{n}", staff),
        )
        winners = [r for r in results if not isinstance(r, Exception)]
        assert len(winners) == 1, results
        async with uow_factory(read_only=True) as uow:
            at_target = [
                b
                for b in await uow.bookings.busy_between(
                    [staff], target, target + timedelta(minutes=30)
                )
                if b.start == target
            ]
            assert len(at_target) == 1
            original = await uow.bookings.get(moved.id or 0)
            assert original is not None and original.status is BookingStatus.CONFIRMED
