"""Stopping the scheduler (SIGTERM, deploys): a tick in progress finishes within the grace
period, or is cut short and hands its claimed rows back at once — another instance (or this
one after the restart) sends them now, not when a two-minute lease runs out. Both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from domain import actions
from domain.model import Business
from domain.ports import DeliveryContext, OutboxItem
from scheduler import Poller, Ticker
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class SlowHandler:
    """Each send waits for ``release`` (a send stuck behind Telegram's rate limits)."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.release = asyncio.Event()

    async def handle(
        self, item: OutboxItem, context: DeliveryContext, *, now: datetime, record_sent: object
    ) -> str | None:
        self.started.append(item.id)
        await self.release.wait()
        return None


async def _rows(uow_factory: UnitOfWorkFactory, count: int) -> None:
    async with uow_factory() as uow:
        business = await uow.businesses.add(Business(name="B", slug="b"))
        assert business.id is not None
        for n in range(count):
            await uow.outbox.schedule(
                kind=actions.DAILY_DIGEST,
                business_id=business.id,
                booking_id=None,
                due_at=NOW,
                payload=f"2026-12-0{n + 1}",
            )
        await uow.commit()


async def _claimable(uow_factory: UnitOfWorkFactory, now: datetime = NOW) -> int:
    async with uow_factory() as uow:
        items = await uow.outbox.claim_due(now, limit=100, lease_seconds=120)
        await uow.rollback()
    return len(items)


async def _until(condition: object, what: str) -> None:
    for _ in range(500):  # bounded poll
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


async def test_a_tick_cut_short_at_shutdown_hands_its_rows_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await _rows(uow_factory, 3)
    handler = SlowHandler()
    ticker = Ticker(Poller(uow_factory, lambda: NOW, handler), interval_seconds=3600)
    await ticker.start()
    await _until(lambda: len(handler.started) == 3, "the tick claimed and started the rows")
    assert await _claimable(uow_factory) == 0  # claimed by the running tick

    await ticker.stop(grace_seconds=0.2)  # the sends never finish within the grace

    assert await _claimable(uow_factory) == 3  # back at once, not after the lease


async def test_a_tick_finishing_within_the_grace_is_let_finish(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await _rows(uow_factory, 2)
    handler = SlowHandler()
    ticker = Ticker(Poller(uow_factory, lambda: NOW, handler), interval_seconds=3600)
    await ticker.start()
    await _until(lambda: len(handler.started) == 2, "the tick started the rows")
    stopping = asyncio.create_task(ticker.stop(grace_seconds=30))
    await asyncio.sleep(0)
    handler.release.set()  # the sends complete while the process is stopping
    await stopping
    # Done, not handed back (nor left running under a lease): claimable by nobody, ever.
    assert await _claimable(uow_factory, NOW + timedelta(hours=1)) == 0
