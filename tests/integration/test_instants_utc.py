"""Every instant that reaches a use case is stored as UTC, whatever zone the caller carried.

The panel and the provider chat used to hand ``book``/``reschedule`` a local aware time
(``datetime.combine(day, time, ZoneInfo(tz))``). Wall-clock arithmetic on such a value is wrong on
DST days, and an aware time in a repeated hour never equals a UTC one (PEP 495), so a DST day
stored wrong ends, refused free times and let two clients into one time. Real SQLite and
PostgreSQL, through the real use cases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain import booking as use_cases
from domain.errors import SlotTaken
from domain.model import Actor, Booking, BookingItem, BookingSource, BookingStatus
from storage.uow import UnitOfWorkFactory
from tests.integration.seed import Seeded, seed_business

NEW_YORK = ZoneInfo("America/New_York")
SPRING = date(2026, 3, 8)  # 02:00 EST -> 03:00 EDT
FALL = date(2026, 11, 1)  # 02:00 EDT -> 01:00 EST: 01:00-01:59 happens twice


def now_before(start: datetime) -> datetime:
    """A "now" three weeks before ``start``: inside the 90-day horizon, never in the past."""
    return start.astimezone(UTC) - timedelta(days=21)


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


async def _seed(uow_factory: UnitOfWorkFactory, capacity: int = 1) -> Seeded:
    return await seed_business(
        uow_factory(),
        timezone="America/New_York",
        clients=3,
        capacity=capacity,
        hours=(time(0, 0), time(12, 0)),
        weekdays=range(7),
    )


async def _book(
    uow_factory: UnitOfWorkFactory,
    seeded: Seeded,
    service: str,
    start: datetime,
    client: int,
    *,
    walk_in: bool = True,
) -> Booking:
    return await use_cases.book(
        uow_factory(),
        now=now_before(start),
        business_id=seeded.business_id,
        client_id=seeded.client_ids[client],
        service_ids=[seeded.service_ids[service]],
        staff_id=seeded.staff_ids[0],
        start=start,
        source=BookingSource.PANEL if walk_in else BookingSource.TELEGRAM,
        idempotency_key=None,
        actor=Actor.provider() if walk_in else Actor.client(seeded.client_ids[client]),
        on_behalf_of_provider=walk_in,
    )


async def _stored(uow_factory: UnitOfWorkFactory, seeded: Seeded, day: date) -> list[Booking]:
    first = datetime.combine(day, time(0), UTC) - timedelta(days=1)
    async with uow_factory(read_only=True) as uow:
        found = await uow.bookings.for_business_between(
            seeded.business_id, first, first + timedelta(days=3)
        )
    return [b for b in found if b.status.is_active]


async def test_a_walk_in_before_spring_forward_keeps_its_length_and_its_time(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await _seed(uow_factory)
    # 90 minutes from 01:30 EST: the clock jumps at 02:00, so the visit ends at 04:00 EDT.
    walk_in = await _book(
        uow_factory, seeded, "longo", datetime.combine(SPRING, time(1, 30), NEW_YORK), 0
    )
    assert (walk_in.start, walk_in.end) == (utc("2026-03-08 06:30"), utc("2026-03-08 08:00"))
    [stored] = await _stored(uow_factory, seeded, SPRING)
    assert (stored.start, stored.end) == (utc("2026-03-08 06:30"), utc("2026-03-08 08:00"))
    assert stored.start.utcoffset() == timedelta(0)

    with pytest.raises(SlotTaken):
        await _book(uow_factory, seeded, "corte", utc("2026-03-08 07:00"), 1, walk_in=False)
    assert len(await _stored(uow_factory, seeded, SPRING)) == 1


async def test_a_free_walk_in_in_the_repeated_hour_is_accepted(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await _seed(uow_factory)
    # 01:30 local as the panel builds it: the first occurrence (EDT), 05:30Z.
    first = await _book(
        uow_factory, seeded, "corte", datetime.combine(FALL, time(1, 30), NEW_YORK), 0
    )
    assert first.start == utc("2026-11-01 05:30")
    # The second 01:30 (EST) is another instant and is free too.
    second = await _book(
        uow_factory,
        seeded,
        "corte",
        datetime.combine(FALL, time(1, 30), NEW_YORK).replace(fold=1),
        1,
    )
    assert second.start == utc("2026-11-01 06:30")
    assert sorted(b.start for b in await _stored(uow_factory, seeded, FALL)) == [
        utc("2026-11-01 05:30"),
        utc("2026-11-01 06:30"),
    ]


async def test_a_visit_across_the_fall_back_hour_is_stored_with_its_real_length(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await _seed(uow_factory)
    # 90 minutes from 01:00 EDT end at 01:30 EST: 05:00Z-06:30Z, not an hour more.
    visit = await _book(uow_factory, seeded, "longo", datetime.combine(FALL, time(1), NEW_YORK), 0)
    [stored] = await _stored(uow_factory, seeded, FALL)
    assert (stored.start, stored.end) == (utc("2026-11-01 05:00"), utc("2026-11-01 06:30"))
    assert visit.end - visit.start == timedelta(minutes=90)
    # The time right after it is free for someone else.
    after = await _book(uow_factory, seeded, "corte", utc("2026-11-01 06:30"), 1, walk_in=False)
    assert after.start == utc("2026-11-01 06:30")


async def test_a_walk_in_joins_a_class_booked_from_the_bot(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await _seed(uow_factory, capacity=3)
    from_bot = await _book(uow_factory, seeded, "aula", utc("2026-06-10 14:00"), 0, walk_in=False)
    walk_in = await _book(
        uow_factory, seeded, "aula", datetime(2026, 6, 10, 10, 0, tzinfo=NEW_YORK), 1
    )
    assert walk_in.start == from_bot.start
    assert walk_in.group_key == from_bot.group_key
    stored = await _stored(uow_factory, seeded, date(2026, 6, 10))
    assert len(stored) == 2 and all(b.status is BookingStatus.CONFIRMED for b in stored)


async def test_a_rescheduled_time_given_in_local_time_is_stored_as_utc(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await _seed(uow_factory)
    booking = await _book(uow_factory, seeded, "corte", utc("2026-11-01 12:00"), 0)
    assert booking.id is not None
    moved = await use_cases.reschedule(
        uow_factory(),
        now=now_before(booking.start),
        business_id=seeded.business_id,
        booking_id=booking.id,
        new_start=datetime.combine(FALL, time(1, 30), NEW_YORK).replace(fold=1),
        actor=Actor.provider(),
    )
    assert moved.start == utc("2026-11-01 06:30") and moved.start.tzinfo is UTC
    [stored] = await _stored(uow_factory, seeded, FALL)
    assert stored.start == utc("2026-11-01 06:30")


async def test_storage_refuses_an_instant_that_is_not_utc(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await _seed(uow_factory)
    local = datetime(2026, 6, 10, 10, 0, tzinfo=NEW_YORK)
    booking = Booking(
        business_id=seeded.business_id,
        staff_id=seeded.staff_ids[0],
        client_id=seeded.client_ids[0],
        items=[BookingItem(seeded.service_ids["corte"], "Corte", 30, 4500)],
        start=local,
        status=BookingStatus.CONFIRMED,
        source=BookingSource.PANEL,
    )
    with pytest.raises(Exception, match="UTC"):
        async with uow_factory() as uow:
            await uow.bookings.add(booking)
            await uow.commit()
