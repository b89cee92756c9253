"""The poller: claims due outbox rows atomically and runs each action once.

It knows nothing of Telegram: expiries go to the domain use case, messages to the
:class:`~domain.ports.ActionHandler` that ``bot/`` implements. Any number of pollers (in one
process or many) may tick at once: a row is claimed by one of them, under a lease; if that
poller dies, the lease runs out and another one takes the row again.

Outcomes of one action:

* done: delivered (or the expiry ran, or found nothing to do: it is idempotent);
* dropped: no longer meaningful (see :mod:`scheduler.relevance`) or nobody to tell; logged;
* retried: the Notifier asked to wait (flood control: not a failure, no attempt limit), or an
  error happened (exponential backoff, ``failed`` after ``max_attempts``).

Database work per batch, not per action: a batch's bookings start in chunks; just before a
chunk starts, one read transaction loads what its actions need
(:meth:`~domain.ports.ClaimableOutbox.load_context`), so a booking cancelled while an earlier
chunk was sending is seen as cancelled. Marks go through :class:`~scheduler.marks.MarkWriter` (group
commit), and an action's last recipient is recorded and the action finished in one write.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain import actions
from domain.booking import expire_request
from domain.ports import (
    ActionHandler,
    DeliveryContext,
    DeliveryDeferred,
    OutboxItem,
    SchedulerUnitOfWork,
)
from domain.ports import SchedulerUowFactory as UowFactory

from .marks import MarkWriter
from .relevance import drop_reason

log = logging.getLogger("agendei.scheduler")

Clock = Callable[[], datetime]


@dataclass
class TickReport:
    """What one tick did, by outcome (for logs and tests)."""

    done: list[OutboxItem] = field(default_factory=list)
    dropped: list[OutboxItem] = field(default_factory=list)
    retried: list[OutboxItem] = field(default_factory=list)
    failed: list[OutboxItem] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return len(self.done) + len(self.dropped) + len(self.retried) + len(self.failed)


@dataclass(frozen=True)
class PollerConfig:
    batch_size: int = 100
    # Longer than any single send may wait (the Notifier defers instead of waiting longer).
    lease_seconds: float = 120.0
    # Bookings handled at once; one booking's actions always run in order.
    concurrency: int = 16
    max_attempts: int = 8
    backoff_base_seconds: float = 30.0
    backoff_cap_seconds: float = 3600.0
    # A tick stops after this many batches so one instance cannot starve the event loop.
    max_batches: int = 1000


class Poller:
    def __init__(
        self,
        uow_factory: UowFactory,
        clock: Clock,
        handler: ActionHandler,
        config: PollerConfig | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._handler = handler
        self.config = config or PollerConfig()
        self._lock = asyncio.Lock()
        self._woken = False
        self._stopping = False
        self._marks = MarkWriter(uow_factory)
        # Claimed by this poller and not finished yet: handed back if the process stops first.
        self._in_hand: dict[int, OutboxItem] = {}

    def wake(self) -> None:
        """Something became due now: a running tick claims again before it stops."""
        self._woken = True

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    async def idle(self) -> None:
        """Return once no tick is running."""
        async with self._lock:
            return

    def stop_claiming(self) -> None:
        """Shutting down: the running tick finishes the batch it holds and claims no more."""
        self._stopping = True

    async def hand_back(self) -> int:
        """Give the rows still claimed (a tick cut short at shutdown) back to the other pollers
        at once, instead of leaving them locked until their lease ends. Returns how many."""
        items = list(self._in_hand.values())
        self._in_hand.clear()
        if not items:
            return 0
        now = self._clock()
        async with self._uow_factory() as uow:
            for item in items:
                await uow.outbox.mark_retry(item, now, "handed back at shutdown")
            await uow.commit()
        log.info("handed back %d claimed outbox rows", len(items))
        return len(items)

    async def tick(self) -> TickReport:
        """Claim and run batches until nothing is due (one tick at a time per poller)."""
        report = TickReport()
        async with self._lock:
            for _ in range(self.config.max_batches):
                if self._stopping:
                    break
                self._woken = False
                items = await self._claim()
                if not items:
                    if self._woken:
                        continue
                    break
                await self._run_batch(items, report)
        return report

    async def _claim(self) -> list[OutboxItem]:
        async with self._uow_factory() as uow:
            items = await uow.outbox.claim_due(
                self._clock(),
                limit=self.config.batch_size,
                lease_seconds=self.config.lease_seconds,
            )
            await uow.commit()
        self._in_hand.update((item.id, item) for item in items)
        return items

    async def _run_batch(self, items: Sequence[OutboxItem], report: TickReport) -> None:
        # One booking's actions run in due order (a "confirmed" before its reminder); different
        # bookings run concurrently, up to ``concurrency`` at a time. Lanes start in chunks of a
        # quarter of that, each chunk loading what it needs in one read transaction just
        # before it sends, as soon as there is room: sending never stops to wait for a whole
        # wave to finish, and what a lane sees is at most one chunk's loading old.
        lanes: dict[object, list[OutboxItem]] = defaultdict(list)
        for item in items:
            lanes[item.booking_id if item.booking_id is not None else ("row", item.id)].append(item)
        ordered = list(lanes.values())
        size = max(1, self.config.concurrency)
        step = max(1, size // 4)
        tasks: list[asyncio.Task[None]] = []
        running: set[asyncio.Task[None]] = set()
        for start in range(0, len(ordered), step):
            chunk = ordered[start : start + step]
            while running and len(running) + len(chunk) > size:
                _, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            context = await self._context([item for lane in chunk for item in lane])
            for lane in chunk:
                task = asyncio.create_task(self._run_lane(lane, context, report))
                tasks.append(task)
                running.add(task)
        await asyncio.gather(*tasks)

    async def _run_lane(
        self, lane: list[OutboxItem], context: DeliveryContext, report: TickReport
    ) -> None:
        for item in lane:
            changed = await self._run(item, context, report)
            if changed and item.booking_id is not None:
                # The expiry changed this booking: what follows in the lane needs it fresh.
                fresh = await self._context([item])
                context.bookings.pop(item.booking_id, None)
                context.bookings.update(fresh.bookings)

    async def _context(self, items: Sequence[OutboxItem]) -> DeliveryContext:
        async with self._uow_factory(read_only=True) as uow:
            return await uow.outbox.load_context(items)

    async def _run(self, item: OutboxItem, context: DeliveryContext, report: TickReport) -> bool:
        """Run one action; True if it changed its booking (an expiry)."""
        changed = await self._run_claimed(item, context, report)
        self._in_hand.pop(item.id, None)  # not reached if cancelled: then it is handed back
        return changed

    async def _run_claimed(
        self, item: OutboxItem, context: DeliveryContext, report: TickReport
    ) -> bool:
        now = self._clock()
        try:
            if item.kind == actions.EXPIRE_REQUEST:
                changed = await self._expire(item, now)
                await self._finish(item, report, None)
                return changed
            booking = context.bookings.get(item.booking_id) if item.booking_id else None
            reason = drop_reason(item.kind, booking, now)
            finished = False
            if reason is None:
                recorder = _Recorder(self, item)
                reason = await self._handler.handle(item, context, now=now, record_sent=recorder)
                finished = recorder.finished
            if finished and reason is None:
                report.done.append(item)  # already marked done with its last recipient
            else:
                await self._finish(item, report, reason)
        except LeaseLost:
            log.warning("outbox %s #%s: lease lost mid-delivery", item.kind, item.id)
        except DeliveryDeferred as deferred:
            due = self._clock() + timedelta(seconds=max(1.0, deferred.retry_after))
            why = str(deferred)
            await self._mark(lambda uow: uow.outbox.mark_retry(item, due, why))
            report.retried.append(item)
        except Exception as error:  # a bug or an outage must not stop the other actions
            log.exception("outbox %s #%s failed (attempt %s)", item.kind, item.id, item.attempts)
            await self._retry_or_fail(item, report, f"{type(error).__name__}: {error}")
        return False

    async def _expire(self, item: OutboxItem, now: datetime) -> bool:
        if item.booking_id is None:
            return False
        expired = await expire_request(self._uow_factory(), now=now, booking_id=item.booking_id)
        if expired is not None:
            self.wake()  # the client's notice is due now: send it in this tick
        return expired is not None

    async def _finish(self, item: OutboxItem, report: TickReport, reason: str | None) -> None:
        now = self._clock()
        if reason is None:
            await self._mark(lambda uow: uow.outbox.mark_done(item, now))
            report.done.append(item)
        else:
            log.info("outbox %s #%s dropped: %s", item.kind, item.id, reason)
            await self._mark(lambda uow: uow.outbox.mark_dropped(item, now, reason))
            report.dropped.append(item)

    async def _retry_or_fail(self, item: OutboxItem, report: TickReport, error: str) -> None:
        now = self._clock()
        if item.attempts >= self.config.max_attempts:
            await self._mark(lambda uow: uow.outbox.mark_failed(item, now, error))
            report.failed.append(item)
            return
        delay = min(
            self.config.backoff_base_seconds * 2 ** (item.attempts - 1),
            self.config.backoff_cap_seconds,
        )
        due = now + timedelta(seconds=delay)
        await self._mark(lambda uow: uow.outbox.mark_retry(item, due, error))
        report.retried.append(item)

    async def _record_sent(self, item: OutboxItem, recipient: str, *, done: bool) -> None:
        now = self._clock()
        if not await self._marks.sent(item, recipient, done=done, now=now):
            log.warning("outbox mark refused: lease lost")
            raise LeaseLost(item.id)

    async def _mark(self, write: Callable[[SchedulerUnitOfWork], Awaitable[bool]]) -> bool:
        accepted = await self._marks.write(write)
        if not accepted:
            # Our lease ran out and another poller took the row: it will finish the job.
            log.warning("outbox mark refused: lease lost")
        return accepted


class LeaseLost(Exception):
    """Another poller took this row after our lease ran out: stop, it finishes the job."""


class _Recorder:
    """The ``record_sent`` handed to the handler for one action; remembers a finishing write."""

    def __init__(self, poller: Poller, item: OutboxItem) -> None:
        self._poller = poller
        self._item = item
        self.finished = False

    async def __call__(self, recipient: str, *, done: bool = False) -> None:
        await self._poller._record_sent(self._item, recipient, done=done)
        self.finished = self.finished or done
