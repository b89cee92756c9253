"""Hours past midnight and very long visits, through storage (SQLite and PostgreSQL).

A bar open 18:00-02:00 every day (São Paulo, UTC-3): the hours are stored as typed, the slots
after midnight are listed under the evening they belong to and can be booked, once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from domain import booking as use_cases
from domain.errors import SlotNotOffered, SlotTaken
from domain.model import Actor, BookingSource, Service, WeeklyInterval
from storage.uow import UnitOfWorkFactory
from tests.integration.seed import seed_business

FRIDAY = date(2026, 3, 13)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


async def test_an_overnight_span_is_stored_listed_under_its_evening_and_booked_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await seed_business(
        uow_factory(), clients=2, hours=(time(18), time(2)), weekdays=range(7)
    )
    async with uow_factory(read_only=True) as uow:
        member = await uow.staff.get(seeded.staff_ids[0])
    assert member is not None
    assert WeeklyInterval(4, time(18), time(2)) in member.weekly_hours

    friday = await use_cases.find_slots(
        uow_factory(),
        now=NOW,
        business_id=seeded.business_id,
        service_ids=[seeded.service_ids["corte"]],
        staff_id=None,
        first_day=FRIDAY,
        last_day=FRIDAY,
    )
    # 18:00 ... 01:30 local (21:00Z ... 04:30Z), every 15 minutes, all listed under Friday.
    assert friday[0].start == utc("2026-03-13 21:00")
    assert friday[-1].start == utc("2026-03-14 04:30")
    assert {s.local_day for s in friday} == {FRIDAY}

    async def book(client: int) -> object:
        return await use_cases.book(
            uow_factory(),
            now=NOW,
            business_id=seeded.business_id,
            client_id=seeded.client_ids[client],
            service_ids=[seeded.service_ids["corte"]],
            staff_id=None,
            start=utc("2026-03-14 04:00"),  # Saturday 01:00 local, Friday night
            source=BookingSource.TELEGRAM,
            idempotency_key=None,
            actor=Actor.client(seeded.client_ids[client]),
        )

    made = await book(0)
    assert made.start == utc("2026-03-14 04:00")  # type: ignore[attr-defined]
    with pytest.raises(SlotTaken):
        await book(1)


async def test_a_visit_longer_than_a_day_is_neither_offered_nor_stored(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # Open almost around the clock: a search over several days once offered visits whose
    # buffered span (24 h 15 min) storage then refused with an error.
    seeded = await seed_business(
        uow_factory(), clients=1, hours=(time(0), time(23, 59)), weekdays=range(7)
    )
    async with uow_factory() as uow:
        marathon = await uow.services.add(
            Service(
                business_id=seeded.business_id,
                name="Maratona",
                duration_minutes=24 * 60 - 30,
                price_minor=1,
                buffer_before_minutes=15,
                buffer_after_minutes=30,
            )
        )
        member = await uow.staff.get(seeded.staff_ids[0])
        assert member is not None and marathon.id is not None
        member.service_ids = {*member.service_ids, marathon.id}
        await uow.staff.update(member)
        await uow.commit()
    slots = await use_cases.find_slots(
        uow_factory(),
        now=NOW,
        business_id=seeded.business_id,
        service_ids=[marathon.id],
        staff_id=None,
        first_day=FRIDAY,
        last_day=date(2026, 3, 16),
    )
    assert slots == []
    with pytest.raises(SlotNotOffered):
        await use_cases.book(
            uow_factory(),
            now=NOW,
            business_id=seeded.business_id,
            client_id=seeded.client_ids[0],
            service_ids=[marathon.id],
            staff_id=None,
            start=utc("2026-03-13 12:00"),
            source=BookingSource.PANEL,
            idempotency_key=None,
            actor=Actor.provider(),
            on_behalf_of_provider=True,
        )
