"""Planning the daily actions (morning after, agenda digest) into the outbox.

A booking's actions are written by its use case; daily actions belong to no booking, so a
planner keeps each business's next occurrence in the outbox (:func:`domain.daily.plan_daily`).
It runs at the start of a tick, at most once per ``every`` of the clock: one read of the
businesses with linked providers and their daily rows, then one write. Any number of instances
may plan at once: an occurrence has a unique key, so it is written once.

Once planned, a daily row is claimed and run like any other row; the poller hands it to the
:class:`~domain.ports.ActionHandler` (``bot/`` renders and sends it). The next day's row is
planned by the first tick after that (the occurrence just finished no longer counts as next).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from domain.daily import PLAN_GRACE, DailyRow, Occurrence, plan_daily
from domain.ports import ActionHandler, SchedulerUowFactory

from .poller import Clock, Poller, PollerConfig, TickReport

log = logging.getLogger("agendei.scheduler")


class DailyPlanner:
    def __init__(self, uow_factory: SchedulerUowFactory, *, every: timedelta | None = None) -> None:
        self._uow_factory = uow_factory
        self._every = every if every is not None else timedelta(minutes=1)
        self._last: datetime | None = None

    async def maybe_plan(self, now: datetime) -> int:
        """Plan unless done less than ``every`` ago (by the clock, which tests move)."""
        if self._last is not None and abs(now - self._last) < self._every:
            return 0
        written = await self.plan(now)
        self._last = now
        return written

    async def plan(self, now: datetime) -> int:
        """Make every business's next occurrences exist; returns how many rows were written."""
        async with self._uow_factory() as uow:
            businesses = await uow.daily.planning_businesses()
            ids = [b.id for b in businesses if b.id is not None]
            # From two days back: yesterday's local date in any zone, and its finished rows.
            rows = await uow.daily.daily_rows(ids, now - timedelta(days=2) - PLAN_GRACE)
            by_business: dict[int, list[DailyRow]] = {}
            for row in rows:
                by_business.setdefault(row.business_id, []).append(row)
            retire: list[int] = []
            insert: list[Occurrence] = []
            for business in businesses:
                plan = plan_daily(business, by_business.get(business.id or 0, []), now)
                retire.extend(plan.retire)
                insert.extend(plan.insert)
            retired = await uow.daily.retire_daily(retire)
            written = await uow.daily.insert_daily(insert)
            await uow.commit()
        if retired or written:
            log.info("daily actions: %d planned, %d retired", written, retired)
        return written


class PlanningPoller(Poller):
    """The poller, planning daily actions before each tick claims."""

    def __init__(
        self,
        uow_factory: SchedulerUowFactory,
        clock: Clock,
        handler: ActionHandler,
        config: PollerConfig | None = None,
        *,
        planner: DailyPlanner | None = None,
    ) -> None:
        super().__init__(uow_factory, clock, handler, config)
        self.planner = planner if planner is not None else DailyPlanner(uow_factory)
        self._plan_clock = clock

    async def tick(self) -> TickReport:
        try:
            await self.planner.maybe_plan(self._plan_clock())
        except Exception:  # planning must never stop the due actions from running
            log.exception("planning daily actions failed")
        return await super().tick()
