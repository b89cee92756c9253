"""The availability cache never offers a time that a committed booking took.

Real SQLite and PostgreSQL: the data version is moved by the database's triggers in the same
transaction as each write, and two "instances" (two engines, two caches) share one database.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain import booking as use_cases
from domain import clients
from domain.availability import Slot
from domain.errors import SlotNotOffered, SlotTaken
from domain.model import Actor, Booking, BookingSource, DateException, TimeOff
from domain.search import cache_of
from storage.engine import AsyncEngine, create_engine
from storage.uow import UnitOfWorkFactory, make_uow_factory
from tests.integration.seed import Seeded, seed_business

# Monday 2026-12-07 in São Paulo (UTC-3): open 09:00-18:00 = 12:00-21:00 UTC.
DAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TELEGRAM_USER = 900_000  # the seeded first client


async def _versions(uow_factory: UnitOfWorkFactory, business_id: int) -> tuple[int, int]:
    async with uow_factory(read_only=True) as uow:
        return await uow.businesses.versions(business_id)


async def _bot_slots(
    uow_factory: UnitOfWorkFactory, seeded: Seeded, now: datetime = NOW
) -> list[Slot]:
    """What the bot's time step shows: the chat's catalog read, then the day's free times."""
    catalog, _client = await clients.chat_context(
        uow_factory(read_only=True), business_id=seeded.business_id, telegram_user_id=TELEGRAM_USER
    )
    assert catalog is not None
    return await clients.free_slots(
        uow_factory(read_only=True),
        catalog,
        now=now,
        service_ids=[seeded.service_ids["corte"]],
        staff_id=None,
        first_day=DAY,
        last_day=DAY,
    )


async def _bot_days(uow_factory: UnitOfWorkFactory, seeded: Seeded) -> set[date]:
    catalog, _client = await clients.chat_context(
        uow_factory(read_only=True), business_id=seeded.business_id, telegram_user_id=TELEGRAM_USER
    )
    assert catalog is not None
    return await clients.free_days(
        uow_factory(read_only=True),
        catalog,
        now=NOW,
        service_ids=[seeded.service_ids["corte"]],
        staff_id=None,
        first_day=DAY,
        last_day=DAY + timedelta(days=4),
    )


async def _book(uow_factory: UnitOfWorkFactory, seeded: Seeded, start: datetime) -> Booking:
    return await use_cases.book(
        uow_factory(),
        now=NOW,
        business_id=seeded.business_id,
        client_id=seeded.client_ids[0],
        service_ids=[seeded.service_ids["corte"]],
        staff_id=None,
        start=start,
        source=BookingSource.TELEGRAM,
        idempotency_key=None,
        actor=Actor.client(seeded.client_ids[0]),
    )


async def test_a_repeated_search_is_answered_from_the_cache_until_a_booking(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await seed_business(uow_factory())
    first = await _bot_slots(uow_factory, seeded)
    again = await _bot_slots(uow_factory, seeded)
    cache = cache_of(uow_factory())
    assert cache is not None and cache.hits == 1
    assert again == first and first
    taken = first[3].start
    await _book(uow_factory, seeded, taken)
    after = await _bot_slots(uow_factory, seeded)
    assert taken not in {s.start for s in after}
    assert len(after) < len(first)


async def test_time_passing_cuts_cached_times_without_a_new_read(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await seed_business(uow_factory())
    morning = await _bot_slots(uow_factory, seeded)
    later = morning[5].start  # the clock moves on to the sixth time of the day
    afternoon = await _bot_slots(uow_factory, seeded, now=later)
    assert [s.start for s in afternoon] == [s.start for s in morning if s.start >= later]


async def test_a_full_day_leaves_the_cached_calendar(uow_factory: UnitOfWorkFactory) -> None:
    seeded = await seed_business(uow_factory(), hours=(time(9), time(10)))
    assert DAY in await _bot_days(uow_factory, seeded)
    await _book(uow_factory, seeded, datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    await _book(uow_factory, seeded, datetime(2026, 12, 7, 12, 30, tzinfo=UTC))
    assert DAY not in await _bot_days(uow_factory, seeded)


async def test_every_write_that_changes_availability_moves_the_version(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await seed_business(uow_factory())
    business_id = seeded.business_id
    seen = [await _versions(uow_factory, business_id)]

    async def moved(what: str, *, catalog: bool = True) -> None:
        """The data version moves with every such write; the catalog version with all but
        bookings (the cached catalog and calendar survive a booking)."""
        data, catalog_version = await _versions(uow_factory, business_id)
        assert data > seen[-1][0], f"{what} did not move the data version"
        if catalog:
            assert catalog_version > seen[-1][1], f"{what} did not move the catalog version"
        else:
            assert catalog_version == seen[-1][1], f"{what} moved the catalog version"
        seen.append((data, catalog_version))

    booking = await _book(uow_factory, seeded, datetime(2026, 12, 7, 13, 0, tzinfo=UTC))
    await moved("a booking", catalog=False)
    assert booking.id is not None
    await use_cases.cancel_by_provider(
        uow_factory(),
        now=NOW,
        business_id=business_id,
        booking_id=booking.id,
        actor=Actor.provider(),
    )
    await moved("a cancellation", catalog=False)
    async with uow_factory() as uow:
        exception = await uow.schedule.add_exception(business_id, DateException(day=DAY))
        await uow.commit()
    await moved("a closed day")
    async with uow_factory() as uow:
        assert exception.id is not None
        await uow.schedule.remove_exception(business_id, exception.id)
        await uow.commit()
    await moved("reopening the day")
    async with uow_factory() as uow:
        start = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
        await uow.schedule.add_time_off(
            business_id, TimeOff(start=start, end=start + timedelta(hours=1))
        )
        await uow.commit()
    await moved("time off")
    async with uow_factory() as uow:
        service = await uow.services.get(seeded.service_ids["corte"])
        assert service is not None
        await uow.services.update(replace(service, duration_minutes=45))
        await uow.commit()
    await moved("a longer service")
    async with uow_factory() as uow:
        member = await uow.staff.get(seeded.staff_ids[0])
        assert member is not None
        await uow.staff.update(replace(member, weekly_hours=member.weekly_hours[:2]))
        await uow.commit()
    await moved("new working hours")
    async with uow_factory() as uow:
        business = await uow.businesses.get(business_id)
        assert business is not None
        await uow.businesses.update(
            replace(business, policies=replace(business.policies, min_notice_minutes=240))
        )
        await uow.commit()
    await moved("a longer minimum notice")
    async with uow_factory() as uow:  # a client's contact is not availability
        client = await uow.clients.get(seeded.client_ids[0])
        assert client is not None
        await uow.clients.update(replace(client, name="Outro nome"))
        await uow.commit()
    assert await _versions(uow_factory, business_id) == seen[-1]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_concurrent_writers_never_let_a_reader_see_a_taken_time(
    uow_factory: UnitOfWorkFactory, engine: AsyncEngine, seed: int
) -> None:
    """Writers book and cancel random times while readers search through two instances' caches
    (the bot's path and the use case's); no search begun after a booking committed offers its
    time, unless a cancellation of it committed before that search ended."""
    seeded = await seed_business(uow_factory(), hours=(time(9), time(12)))
    other_engine = create_engine(engine.url.render_as_string(hide_password=False))
    instances = [uow_factory, make_uow_factory(other_engine)]
    rng = random.Random(seed)
    starts = [s.start for s in await _bot_slots(uow_factory, seeded)]
    events: list[tuple[int, str, datetime]] = []  # (sequence, "booked"/"cancelled", start)
    clock = [0]
    violations: list[str] = []

    def tick() -> int:
        clock[0] += 1
        return clock[0]

    async def writer(n: int) -> None:
        mine: list[tuple[int, datetime]] = []
        for _ in range(12):
            factory = instances[rng.randrange(2)]
            if mine and rng.random() < 0.3:
                booking_id, start = mine.pop(rng.randrange(len(mine)))
                await use_cases.cancel_by_provider(
                    factory(),
                    now=NOW,
                    business_id=seeded.business_id,
                    booking_id=booking_id,
                    actor=Actor.provider(),
                )
                events.append((tick(), "cancelled", start))
                continue
            start = rng.choice(starts)
            try:
                booking = await _book(factory, seeded, start)
            except SlotTaken:
                continue
            assert booking.id is not None
            events.append((tick(), "booked", start))
            mine.append((booking.id, start))

    def taken_at(begin: int) -> set[datetime]:
        state: dict[datetime, str] = {}
        for seq, kind, start in sorted(events):
            if seq <= begin:
                state[start] = kind
        return {s for s, kind in state.items() if kind == "booked"}

    async def reader(n: int) -> None:
        for i in range(25):
            factory = instances[(n + i) % 2]
            begin = clock[0]
            if i % 2:
                offered = {s.start for s in await _bot_slots(factory, seeded)}
            else:
                offered = {
                    s.start
                    for s in await use_cases.find_slots(
                        factory(read_only=True),
                        now=NOW,
                        business_id=seeded.business_id,
                        service_ids=[seeded.service_ids["corte"]],
                        staff_id=None,
                        first_day=DAY,
                        last_day=DAY,
                    )
                }
            end = clock[0]
            freed = {s for seq, kind, s in events if kind == "cancelled" and begin < seq <= end}
            for start in (taken_at(begin) & offered) - freed:
                violations.append(f"reader {n} offered {start:%H:%M} taken before it began")

    try:
        await asyncio.gather(*(writer(n) for n in range(3)), *(reader(n) for n in range(3)))
    finally:
        await other_engine.dispose()
    assert not violations, violations[:5]
    assert any(kind == "booked" for _seq, kind, _s in events)
    hits = sum(cache.hits for f in instances if (cache := cache_of(f())) is not None)
    assert hits > 0, "the readers never used the cache: the test proves nothing"


async def test_a_day_closed_after_a_cached_search_offers_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await seed_business(uow_factory())
    assert await _bot_slots(uow_factory, seeded)
    assert DAY in await _bot_days(uow_factory, seeded)
    async with uow_factory() as uow:
        await uow.schedule.add_exception(seeded.business_id, DateException(day=DAY))
        await uow.commit()
    assert await _bot_slots(uow_factory, seeded) == []
    assert DAY not in await _bot_days(uow_factory, seeded)
    with pytest.raises(SlotNotOffered):
        await _book(uow_factory, seeded, datetime(2026, 12, 7, 13, 0, tzinfo=UTC))
