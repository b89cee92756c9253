"""The outbox claim API on SQLite and PostgreSQL: each due row goes to one claimer, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.model import Business
from domain.ports import OutboxItem
from scheduler.marks import MarkWriter
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


async def _claim(
    uow_factory: UnitOfWorkFactory, now: datetime, limit: int = 100
) -> list[OutboxItem]:
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
        assert await uow.outbox.mark_sent_many([(retaken, "c:1", False)], NOW) == {retaken.id}
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
        await uow.outbox.mark_sent_many([(item, "p:7", False)], NOW)
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


async def test_grouped_sent_marks_finish_last_recipients_and_keep_the_fence(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # Three claimed actions marked in one write: one finished with its only recipient, one
    # fan-out half way (its marker kept, the row still running), and one whose lease another
    # poller took meanwhile (refused, so that poller still knows who was told).
    business_id = await _business(uow_factory)
    await _schedule(uow_factory, business_id, [NOW, NOW, NOW])
    single, fan_out, stale = await _claim(uow_factory, NOW)
    async with uow_factory() as uow:  # the stale one's lease ran out and it was taken again
        assert await uow.outbox.mark_retry(stale, NOW, "lease ran out")
        await uow.commit()
    [retaken] = await _claim(uow_factory, NOW)

    async with uow_factory() as uow:
        accepted = await uow.outbox.mark_sent_many(
            [(single, "c:1", True), (fan_out, "p:7", False), (stale, "c:3", True)], NOW
        )
        await uow.commit()

    assert accepted == {single.id, fan_out.id}
    later = NOW + timedelta(seconds=LEASE)
    again = {i.id: i for i in await _claim(uow_factory, later)}
    assert single.id not in again  # done in the same write as its recipient
    assert again[fan_out.id].sent_to == frozenset({"p:7"})  # per-recipient marker kept
    assert again[retaken.id].sent_to == frozenset()  # the refused mark wrote nothing


async def test_a_failing_mark_does_not_take_the_marks_grouped_with_it(
    uow_factory: UnitOfWorkFactory, caplog: pytest.LogCaptureFixture
) -> None:
    business_id = await _business(uow_factory)
    await _schedule(uow_factory, business_id, [NOW, NOW])
    first, second = await _claim(uow_factory, NOW)
    writer = MarkWriter(uow_factory)

    async def broken(uow: object) -> bool:
        raise RuntimeError("bad row")

    results = await asyncio.gather(
        writer.sent(first, "c:1", done=True, now=NOW),
        writer.write(broken),
        writer.write(lambda uow: uow.outbox.mark_done(second, NOW)),
        return_exceptions=True,
    )

    assert results[0] is True and results[2] is True
    assert isinstance(results[1], RuntimeError)
    assert "one by one" in caplog.text  # they were grouped, then retried apart
    assert await _claim(uow_factory, NOW + timedelta(days=1)) == []  # both rows finished
