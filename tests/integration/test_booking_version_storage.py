"""Storage keeps the booking's version: one more on every saved change, and a save over a
version it did not read is refused (two writers that both passed the use case's check cannot
both win). SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import BookingChanged
from domain.model import Actor
from storage.uow import UnitOfWorkFactory
from tests.integration.test_storage_roundtrip import T0, _booking, _seed


async def test_each_saved_change_bumps_the_version_and_a_stale_save_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    business_id, service_id, staff_id, client_id = await _seed(uow_factory)
    start = T0 + timedelta(days=2)
    async with uow_factory() as uow:
        made = await uow.bookings.add(_booking(business_id, staff_id, client_id, service_id, start))
        await uow.commit()
    assert made.version == 1 and made.id is not None

    async with uow_factory(read_only=True) as uow:
        stale = await uow.bookings.get(made.id)  # someone reads version 1...
    async with uow_factory() as uow:
        fresh = await uow.bookings.get(made.id)
        assert fresh is not None
        fresh.move(
            now=T0, actor=Actor.provider(), start=start + timedelta(hours=1), staff_id=staff_id
        )
        await uow.bookings.save(fresh)  # ...while someone else moves it
        await uow.commit()
    assert fresh.version == 2

    assert stale is not None
    async with uow_factory() as uow:
        stale.cancel(now=T0, actor=Actor.provider())
        with pytest.raises(BookingChanged):
            await uow.bookings.save(stale)

    async with uow_factory(read_only=True) as uow:
        now = await uow.bookings.get(made.id)
    assert now is not None
    assert (now.version, now.status, now.start) == (2, fresh.status, start + timedelta(hours=1))
    assert [e.action for e in now.events][-1] == "rescheduled"
