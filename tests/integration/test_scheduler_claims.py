"""The outbox claim API on SQLite and PostgreSQL: each due row goes to one claimer, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from domain.model import Business
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = 60.0


async def _business(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory() as uow:
        business = await uow.businesses.add(Business(name="B", slug="b"))
        await uow.commit()
    assert business.id is not None
    return business.id


async def _schedule(uow_factory: UnitOfWorkFactory, business_id: int, dues: list[datetime]) -> None:
    async with uow_factory() as uow:
        for n, due in enumerate(dues):
            await uow.outbox.schedule(
                kind="reminder",
                business_id=business_id,
                booking_id=None,
                due_at=due,
                payload=str(n),
            )
        await uow.commit()


async def _claim(uow_factory: UnitOfWorkFactory, now: datetime, limit: int = 100):
    async with uow_factory() as uow:
        items = await uow.outbox.claim_due(now, limit=limit, lease_seconds=LEASE)
        await uow.commit()
    return items


async def test_only_due_rows_are_claimed_in_due_order_and_only_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    business_id = await _business(uow_factory)
    await _schedule(
        uow_factory,
        business_id,
        [NOW - timedelta(minutes=1), NOW - timedelta(minutes=5), NOW + timedelta(seconds=1)],
    )

    first = await _claim(uow_factory, NOW)
    again = await _claim(uow_factory, NOW)

    assert [i.payload for i in first] == ["1", "0"]  # oldest due first; the future one waits
    assert all(i.attempts == 1 for i in first)
    assert again == []


async def test_a_claim_whose_lease_ran_out_is_taken_again_and_the_old_owner_is_fenced(
    uow_factory: UnitOfWorkFactory,
) -> None:
    business_id = await _business(uow_factory)
    await _schedule(uow_factory, business_id, [NOW])
    [crashed] = await _claim(uow_factory, NOW)  # this poller dies without marking

    assert await _claim(uow_factory, NOW + timedelta(seconds=LEASE - 1)) == []
    [retaken] = await _claim(uow_factory, NOW + timedelta(seconds=LEASE))

    assert retaken.id == crashed.id and retaken.attempts == 2
    async with uow_factory() as uow:
        assert not await uow.outbox.mark_done(crashed, NOW)  # the dead poller's lease is gone
        assert await uow.outbox.mark_sent_to(retaken, "c:1", NOW)
        assert await uow.outbox.mark_done(retaken, NOW)
        await uow.commit()
    assert await _claim(uow_factory, NOW + timedelta(days=1)) == []


async def test_retry_comes_back_at_its_new_time_with_progress_kept(
    uow_factory: UnitOfWorkFactory,
) -> None:
    business_id = await _business(uow_factory)
    await _schedule(uow_factory, business_id, [NOW])
    [item] = await _claim(uow_factory, NOW)
    later = NOW + timedelta(minutes=2)
    async with uow_factory() as uow:
        await uow.outbox.mark_sent_to(item, "p:7", NOW)
        assert await uow.outbox.mark_retry(item, later, "429")
        await uow.commit()

    assert await _claim(uow_factory, later - timedelta(seconds=1)) == []
    [again] = await _claim(uow_factory, later)
    assert again.sent_to == frozenset({"p:7"})
    async with uow_factory() as uow:
        assert await uow.outbox.mark_dropped(again, later, "visit already started")
        await uow.commit()
    assert await _claim(uow_factory, later + timedelta(days=1)) == []


async def test_concurrent_claimers_split_the_rows_without_overlap(
    uow_factory: UnitOfWorkFactory,
) -> None:
    business_id = await _business(uow_factory)
    await _schedule(uow_factory, business_id, [NOW - timedelta(seconds=n) for n in range(200)])

    async def drain() -> list[int]:
        taken: list[int] = []
        while batch := await _claim(uow_factory, NOW, limit=7):
            taken += [i.id for i in batch]
        return taken

    results = await asyncio.gather(*(drain() for _ in range(4)))
    everything = [row for result in results for row in result]

    assert len(everything) == 200
    assert len(set(everything)) == 200
