"""Daily actions: the morning-after list and the agenda digest, at the right local time, once.

Both backends; messages go through aiogram's real HTTP client to the emulator; the clock is
moved by the test. The pollers are the app's kind (planning daily actions before each tick).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, time

from bot.notifications import DeliveryHandler
from bot.notifications.daily import DailyHandler, DailyRouting
from domain import actions
from domain import booking as use_cases
from domain.model import Actor, Booking, ConfirmationMode
from scheduler import PollerConfig
from scheduler.daily import PlanningPoller
from storage.uow import UnitOfWorkFactory
from tests.integration.scheduler_kit import (
    OWNER,
    STAFF_1,
    STAFF_2,
    Clock,
    World,
    book,
    delivery_world,
    seed_with_links,
)
from tests.integration.seed import Seeded

# Tuesday 2026-12-01 09:00 in São Paulo (UTC-3, no DST)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MONDAY_10 = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 7 Dec, 10:00 local
MONDAY_11 = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
MONDAY_14 = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
TUESDAY_08 = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # the morning after, 08:00 local


def daily_poller(world: World, uow_factory: UnitOfWorkFactory, clock: Clock) -> PlanningPoller:
    """A poller as the app wires it, with its own Notifier (a separate instance)."""
    notifier = world.new_instance().notifier
    bot_id = world.bot.id
    handler = DailyRouting(
        DailyHandler(uow_factory, notifier, bot_id=bot_id),
        DeliveryHandler(uow_factory, notifier, bot_id=bot_id),
    )
    return PlanningPoller(uow_factory, clock, handler, PollerConfig(batch_size=10))


async def set_digest(uow_factory: UnitOfWorkFactory, seeded: Seeded, at: time | None) -> None:
    async with uow_factory() as uow:
        business = await uow.businesses.get(seeded.business_id)
        assert business is not None
        business.policies = dataclasses.replace(business.policies, daily_digest_at=at)
        await uow.businesses.update(business)
        await uow.commit()


async def three_walk_ins(
    uow_factory: UnitOfWorkFactory, seeded: Seeded, now: datetime
) -> list[Booking]:
    return [
        await book(uow_factory, seeded, now, MONDAY_10, client=0, staff=0, walk_in=True),
        await book(uow_factory, seeded, now, MONDAY_11, client=1, staff=1, walk_in=True),
        await book(uow_factory, seeded, now, MONDAY_14, client=2, staff=0, walk_in=True),
    ]


async def test_the_morning_after_lists_unmarked_bookings_to_owner_and_staff_at_8(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.AUTOMATIC, clients=3)
    async with delivery_world(uow_factory, clock) as world:
        poller = daily_poller(world, uow_factory, clock)
        ten, eleven, two = await three_walk_ins(uow_factory, seeded, clock())
        await poller.tick()
        clock.set(MONDAY_14 + (MONDAY_11 - MONDAY_10) / 2)  # 14:30 local: the 14:00 came
        await use_cases.complete(
            uow_factory(),
            now=clock(),
            business_id=seeded.business_id,
            booking_id=two.id or 0,
            actor=Actor.provider(),
        )
        await poller.tick()
        told = {chat: len(world.texts(chat)) for chat in (OWNER, STAFF_1, STAFF_2)}

        clock.set(TUESDAY_08.replace(minute=0) - (MONDAY_11 - MONDAY_10) / 60)  # 07:59 local
        await poller.tick()
        assert {chat: len(world.texts(chat)) for chat in told} == told

        clock.set(TUESDAY_08)
        await poller.tick()
        owner = world.texts(OWNER)[-1]
        assert owner.startswith("🧾 Yesterday, Monday, 7 Dec: 2 booking(s) not marked yet")
        assert "1. 10:00" in owner and "2. 11:00" in owner and "14:00" not in owner
        assert world.buttons(OWNER) == [
            [f"pv:dn:{ten.id}:{ten.version}:1", f"pv:ns:{ten.id}:{ten.version}:1"],
            [f"pv:dn:{eleven.id}:{eleven.version}:1", f"pv:ns:{eleven.id}:{eleven.version}:1"],
        ]
        staff_1 = world.texts(STAFF_1)[-1]  # only their own booking, in Portuguese
        assert staff_1.startswith("🧾 Ontem") and "10:00" in staff_1 and "11:00" not in staff_1
        assert world.buttons(STAFF_1) == [
            [f"pv:dn:{ten.id}:{ten.version}:1", f"pv:ns:{ten.id}:{ten.version}:1"]
        ]
        assert "11:00" in world.texts(STAFF_2)[-1]

        # Once: later ticks (and the next morning, with nothing unmarked on Tuesday) add nothing.
        after = {chat: len(world.texts(chat)) for chat in told}
        assert after == {chat: n + 1 for chat, n in told.items()}
        clock.set(TUESDAY_08.replace(hour=12))
        await poller.tick()
        clock.set(TUESDAY_08.replace(day=9))
        await poller.tick()
        assert {chat: len(world.texts(chat)) for chat in told} == after


async def test_the_digest_lists_today_at_the_chosen_time_and_is_off_when_unset(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.AUTOMATIC, clients=3)
    async with delivery_world(uow_factory, clock) as world:
        poller = daily_poller(world, uow_factory, clock)
        await three_walk_ins(uow_factory, seeded, clock())
        await poller.tick()
        # Off (the default): no digest on Monday morning.
        clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))  # 07:00 local
        await poller.tick()
        assert not any(t.startswith("☀️") for t in world.texts(OWNER))

        await set_digest(uow_factory, seeded, time(7, 30))
        clock.set(datetime(2026, 12, 7, 10, 29, tzinfo=UTC))  # 07:29 local
        await poller.tick()
        assert not any(t.startswith("☀️") for t in world.texts(OWNER))
        clock.set(datetime(2026, 12, 7, 10, 30, tzinfo=UTC))
        await poller.tick()
        digest = world.texts(OWNER)[-1]
        assert digest.startswith("☀️ Your agenda today, Monday, 7 Dec: 3 booking(s).")
        assert "10:00" in digest and "11:00" in digest and "14:00" in digest
        assert world.buttons(OWNER) == []
        assert world.texts(STAFF_2)[-1].startswith("☀️ Sua agenda de hoje")

        # Switched off again before Tuesday's: nothing on Tuesday (and nothing booked anyway).
        await set_digest(uow_factory, seeded, time(9, 0))
        clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
        await poller.tick()
        await set_digest(uow_factory, seeded, None)
        clock.set(datetime(2026, 12, 8, 12, 1, tzinfo=UTC))  # 09:01 local
        await poller.tick()
        assert sum(t.startswith("☀️") for t in world.texts(OWNER)) == 1


async def test_a_changed_digest_time_moves_todays_digest(uow_factory: UnitOfWorkFactory) -> None:
    clock = Clock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # Monday 06:00 local
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.AUTOMATIC, clients=3)
    await set_digest(uow_factory, seeded, time(7, 0))
    async with delivery_world(uow_factory, clock) as world:
        poller = daily_poller(world, uow_factory, clock)
        await three_walk_ins(uow_factory, seeded, clock())
        await poller.tick()  # 07:00 planned
        await set_digest(uow_factory, seeded, time(9, 0))
        clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))  # 07:00 local
        await poller.tick()
        assert not any(t.startswith("☀️") for t in world.texts(OWNER))
        clock.set(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))  # 09:00 local
        await poller.tick()
        assert sum(t.startswith("☀️") for t in world.texts(OWNER)) == 1


async def test_two_instances_send_each_daily_message_once(uow_factory: UnitOfWorkFactory) -> None:
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.AUTOMATIC, clients=3)
    await set_digest(uow_factory, seeded, time(8, 0))
    async with delivery_world(uow_factory, clock) as world:
        first, second = (daily_poller(world, uow_factory, clock) for _ in range(2))
        await three_walk_ins(uow_factory, seeded, clock())
        await asyncio.gather(first.tick(), second.tick())
        before = len(world.texts(OWNER))
        clock.set(TUESDAY_08.replace(day=7))  # Monday 08:00: the digest
        await asyncio.gather(first.tick(), second.tick(), first.tick())
        clock.set(TUESDAY_08)  # Tuesday 08:00: the morning after (and no digest: empty day)
        await asyncio.gather(second.tick(), first.tick())
        await asyncio.gather(second.tick(), first.tick())

        new = world.texts(OWNER)[before:]
        assert [t.split(" ")[0] for t in new] == ["☀️", "🧾"], new
        async with uow_factory(read_only=True) as uow:
            rows = await uow.daily.daily_rows([seeded.business_id], NOW)
        per_day = [(r.kind, r.day) for r in rows]
        assert len(per_day) == len(set(per_day))  # one row per kind and local date


async def test_daily_actions_follow_the_wall_clock_across_a_dst_change(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # New York springs forward on Sunday 2026-03-08 at 02:00 (EST UTC-5 -> EDT UTC-4).
    # A 02:30 digest does not exist that night: it goes out at 03:30 EDT = 07:30 UTC.
    # The morning after (Monday 08:00 EDT) is 12:00 UTC, an hour earlier in UTC than Sunday's.
    clock = Clock(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))
    seeded = await seed_with_links(
        uow_factory,
        timezone="America/New_York",
        mode=ConfirmationMode.AUTOMATIC,
        weekdays=range(7),
    )
    await set_digest(uow_factory, seeded, time(2, 30))
    visit = datetime(2026, 3, 8, 14, 0, tzinfo=UTC)  # Sunday 10:00 EDT
    async with delivery_world(uow_factory, clock) as world:
        poller = daily_poller(world, uow_factory, clock)
        booking = await book(uow_factory, seeded, clock(), visit, walk_in=True)
        await poller.tick()
        before = len(world.texts(OWNER))

        clock.set(datetime(2026, 3, 8, 7, 29, tzinfo=UTC))
        await poller.tick()
        assert len(world.texts(OWNER)) == before
        clock.set(datetime(2026, 3, 8, 7, 30, tzinfo=UTC))
        await poller.tick()
        digest = world.texts(OWNER)[-1]
        assert digest.startswith("☀️ Your agenda today, Sunday, 8 Mar") and "10:00" in digest

        clock.set(datetime(2026, 3, 9, 11, 59, tzinfo=UTC))
        await poller.tick()
        assert len(world.texts(OWNER)) == before + 1
        clock.set(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
        await poller.tick()
        morning = world.texts(OWNER)[-1]
        assert (
            morning.startswith("🧾 Yesterday, Sunday, 8 Mar: 1 booking(s)") and "10:00" in morning
        )
        assert world.buttons(OWNER) == [
            [f"pv:dn:{booking.id}:{booking.version}:1", f"pv:ns:{booking.id}:{booking.version}:1"]
        ]
        assert actions.MORNING_AFTER in actions.DAILY_KINDS
