"""APScheduler only ticks: the due actions live in our outbox table, never in a job store.

An ``AsyncIOScheduler`` runs :meth:`Poller.tick` every ``interval`` seconds (one at a time,
missed runs coalesced). :meth:`Ticker.wake` brings the next tick forward to now, so a fresh
notification goes out within a moment instead of waiting for the interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from .poller import Poller

log = logging.getLogger("agendei.scheduler")

JOB_ID = "outbox-poller"


class Ticker:
    def __init__(self, poller: Poller, interval_seconds: float) -> None:
        self.poller = poller
        self.interval_seconds = interval_seconds
        self._scheduler: AsyncIOScheduler | None = None
        # time.monotonic() of the start and of the last tick that finished: readiness and
        # metrics report how late the scheduler is.
        self.started_at: float | None = None
        self.last_tick_at: float | None = None

    async def start(self) -> None:
        """Start ticking (must run inside the event loop that serves the app)."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._tick,
            "interval",
            seconds=self.interval_seconds,
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
            misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler
        self.started_at = time.monotonic()

    def lag_seconds(self) -> float | None:
        """How much later than planned the last finished tick is; None when not started."""
        if self.started_at is None:
            return None
        since = self.last_tick_at if self.last_tick_at is not None else self.started_at
        return max(0.0, time.monotonic() - since - self.interval_seconds)

    def begin_stop(self) -> None:
        """The process was asked to stop (SIGTERM): claim nothing more, start no new tick."""
        self.poller.stop_claiming()
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.pause()

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop ticking: let a running tick finish the batch it holds for up to
        ``grace_seconds``, then cut it short and hand its claimed rows back at once (another
        instance, or this one after its restart, sends them; never two minutes later)."""
        if self._scheduler is None:
            return
        self.begin_stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.poller.idle(), grace_seconds)
        # APScheduler's asyncio executor cancels a job still running here.
        self._scheduler.shutdown(wait=False)
        self._scheduler = None
        self.started_at = None
        with contextlib.suppress(TimeoutError):  # the cancelled tick unwinds first
            await asyncio.wait_for(self.poller.idle(), 1.0)
        try:
            await self.poller.hand_back()
        except Exception:  # the database may be what is down: leases cover the rows then
            log.exception("could not hand back claimed outbox rows")

    def wake(self) -> None:
        """Run a tick now (or make the running one claim again before it stops)."""
        self.poller.wake()
        if self._scheduler is not None and not self.poller.busy:
            job = self._scheduler.get_job(JOB_ID)
            if job is not None:
                job.modify(next_run_time=datetime.now(UTC))

    async def _tick(self) -> None:
        try:
            report = await self.poller.tick()
        except Exception:  # the database may be down: try again next interval
            log.exception("scheduler tick failed")
            return
        self.last_tick_at = time.monotonic()
        if report.handled:  # DEBUG: a busy outbox must not write a line every few seconds
            log.debug(
                "scheduler tick: %d done, %d dropped, %d retried, %d failed",
                len(report.done),
                len(report.dropped),
                len(report.retried),
                len(report.failed),
            )
