"""Due actions reach the right people at the right local time, once, through the emulator.

Every test runs on SQLite and PostgreSQL, sends through aiogram's real HTTP client to the Bot
API emulator, and moves a controllable clock instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.notifications import DeliveryHandler
from domain import booking as use_cases
from domain.model import Actor, BookingStatus, ConfirmationMode
from domain.ports import Notifier, OutgoingMessage
from scheduler import Poller, PollerConfig
from storage.uow import UnitOfWorkFactory
from tests.integration.scheduler_kit import (
    OWNER,
    STAFF_1,
    STAFF_2,
    TOKEN,
    Clock,
    Sleeps,
    book,
    client_chat,
    delivery_world,
    seed_with_links,
)

# Tuesday 2026-12-01 09:00 in São Paulo (UTC-3, no DST)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
# Monday 2026-12-07 10:00 in São Paulo
VISIT = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)


async def test_a_request_reaches_owner_and_staff_and_the_decision_reaches_the_client(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.MANUAL)
    async with delivery_world(uow_factory, clock) as world:
        booking = await book(uow_factory, seeded, clock(), VISIT)
        await world.poller.tick()

        [owner_text] = world.texts(OWNER)
        assert owner_text.startswith("📅 New booking request")
        assert "Mon, Dec 7 at 10:00" in owner_text and "Cliente 0" in owner_text
        assert world.buttons(OWNER) == [
            [f"pv:cf:{booking.id}:{booking.version}:0", f"pv:dc:{booking.id}:{booking.version}:0"]
        ]
        [staff_text] = world.texts(STAFF_1)
        assert staff_text.startswith("📅 Novo pedido de agendamento") and "10:00" in staff_text
        assert world.texts(STAFF_2) == []  # not their booking
        assert world.texts(client_chat(0)) == []

        await use_cases.confirm(
            uow_factory(),
            now=clock(),
            business_id=seeded.business_id,
            booking_id=booking.id or 0,
            actor=Actor.provider(),
        )
        await world.poller.tick()
        [confirmed] = world.texts(client_chat(0))
        assert confirmed.startswith("✅ Negócio barbearia confirmou") and "10:00" in confirmed

        # The attendance request: 24 h before, not a minute earlier.
        clock.set(VISIT - timedelta(hours=24, minutes=1))
        await world.poller.tick()
        assert len(world.texts(client_chat(0))) == 1
        clock.set(VISIT - timedelta(hours=24))
        await world.poller.tick()
        assert world.texts(client_chat(0))[-1].endswith("Você confirma presença?")
        assert world.buttons(client_chat(0)) == [
            # Drawn for the booking as confirmed since: version 2.
            [f"at:ok:{booking.id}:2"],
            [f"at:rs:{booking.id}:2", f"at:cx:{booking.id}:2"],
        ]

        # The reminder: 2 h before.
        clock.set(VISIT - timedelta(hours=2, seconds=1))
        await world.poller.tick()
        assert len(world.texts(client_chat(0))) == 2
        clock.set(VISIT - timedelta(hours=2))
        await world.poller.tick()
        assert world.texts(client_chat(0))[-1].startswith("⏰ Lembrete: Corte")

        clock.set(VISIT + timedelta(days=1))
        report = await world.poller.tick()
        assert report.handled == 0
        assert len(world.texts(client_chat(0))) == 3


async def test_actions_fire_at_the_right_local_time_across_a_dst_change(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # New York springs forward on Sunday 2026-03-08 at 02:00 (EST UTC-5 -> EDT UTC-4).
    # The visit is that Sunday at 10:00 EDT = 14:00 UTC; the attendance request 24 h earlier is
    # Saturday 09:00 EST = 14:00 UTC; the 2 h reminder is Sunday 08:00 EDT = 12:00 UTC.
    clock = Clock(datetime(2026, 3, 1, 15, 0, tzinfo=UTC))
    seeded = await seed_with_links(
        uow_factory,
        timezone="America/New_York",
        mode=ConfirmationMode.AUTOMATIC,
        weekdays=range(7),
    )
    visit = datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    async with delivery_world(uow_factory, clock) as world:
        await book(uow_factory, seeded, clock(), visit)
        await world.poller.tick()
        assert "Sun, Mar 8 at 10:00" in world.texts(OWNER)[0]

        clock.set(datetime(2026, 3, 7, 13, 59, tzinfo=UTC))
        await world.poller.tick()
        assert world.texts(client_chat(0)) == []
        clock.set(datetime(2026, 3, 7, 14, 0, tzinfo=UTC))
        await world.poller.tick()
        [request] = world.texts(client_chat(0))
        assert "às 10:00" in request  # the visit's wall-clock time, after the change

        clock.set(datetime(2026, 3, 8, 11, 59, tzinfo=UTC))
        await world.poller.tick()
        assert len(world.texts(client_chat(0))) == 1
        clock.set(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
        await world.poller.tick()
        reminder = world.texts(client_chat(0))[-1]
        assert reminder.startswith("⏰ Lembrete") and "às 10:00" in reminder


async def test_after_two_hours_down_what_still_makes_sense_is_sent_once_and_the_rest_dropped(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.AUTOMATIC)
    early = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)  # 09:30 local; reminder due 10:30 UTC
    later = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # 11:00 local; reminder due 12:00 UTC
    async with delivery_world(uow_factory, clock) as world:
        await book(uow_factory, seeded, clock(), early, client=0)
        await book(uow_factory, seeded, clock(), later, client=1)
        clock.set(datetime(2026, 12, 7, 10, 29, tzinfo=UTC))  # last tick before going down
        await world.poller.tick()
        before = {n: len(world.texts(client_chat(n))) for n in (0, 1)}

        clock.set(datetime(2026, 12, 7, 12, 35, tzinfo=UTC))  # back up, 2 h 6 min later
        report = await world.poller.tick()
        again = await world.new_instance().poller.tick()  # and a second instance joins

        assert len(world.texts(client_chat(0))) == before[0]  # visit started: no reminder
        assert len(world.texts(client_chat(1))) == before[1] + 1
        assert world.texts(client_chat(1))[-1].startswith("⏰ Lembrete")
        assert len(report.done) == 1 and len(report.dropped) == 1
        assert again.handled == 0


async def test_an_unanswered_request_expires_and_the_client_may_book_again(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.MANUAL)
    async with delivery_world(uow_factory, clock) as world:
        booking = await book(uow_factory, seeded, clock(), VISIT)
        await world.poller.tick()

        clock.advance(hours=12)  # the default expiry
        await world.poller.tick()

        async with uow_factory(read_only=True) as uow:
            stored = await uow.bookings.get(booking.id or 0)
        assert stored is not None and stored.status is BookingStatus.EXPIRED
        [notice] = world.texts(client_chat(0))
        assert notice.startswith("⌛") and "expirou" in notice
        assert world.buttons(client_chat(0)) == [[f"bk:{seeded.business_id}"]]


async def test_two_instances_deliver_every_action_exactly_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = Clock(NOW)
    clients = 24
    seeded = await seed_with_links(
        uow_factory, mode=ConfirmationMode.AUTOMATIC, clients=clients, weekdays=range(7)
    )
    async with delivery_world(uow_factory, clock) as world:
        for n in range(clients):
            # Walk-ins typed by the provider: each client is told, in their own chat.
            start = VISIT + timedelta(minutes=30 * (n // 2))  # 10:00 .. 15:30 local
            await book(uow_factory, seeded, clock(), start, client=n, staff=n % 2, walk_in=True)
        second = world.new_instance()

        await asyncio.gather(world.poller.tick(), second.poller.tick())
        clock.set(VISIT - timedelta(hours=14))  # every attendance request is due
        await asyncio.gather(world.poller.tick(), second.poller.tick(), world.poller.tick())
        for hour in (0, 2, 4):  # reminders come due in waves, each before its visit
            clock.set(VISIT + timedelta(hours=hour, minutes=-1))
            await asyncio.gather(second.poller.tick(), world.poller.tick())

        for n in range(clients):
            texts = world.texts(client_chat(n))
            assert [t[0] for t in texts] == ["📅", "📅", "⏰"], (n, texts)
        assert world.total_sent() == clients * 3
        assert world.notifier.sent > 0 and second.notifier.sent > 0


async def test_a_storm_of_429s_delays_messages_but_loses_none(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = Clock(NOW)
    clients = 12
    seeded = await seed_with_links(
        uow_factory, mode=ConfirmationMode.AUTOMATIC, clients=clients, weekdays=range(7)
    )
    sleeps = Sleeps()
    async with delivery_world(uow_factory, clock, max_wait=5, sleep=sleeps) as world:
        for n in range(clients):
            start = VISIT + timedelta(minutes=30 * (n % 12))
            await book(uow_factory, seeded, clock(), start, client=n, walk_in=True)
        # Short floods are waited out in place; a long one defers the rest to a later tick.
        world.state.inject_failures(4, status=429, retry_after=2, method="sendMessage")
        world.state.inject_failures(30, status=429, retry_after=3, method="sendMessage")

        for _ in range(20):
            await world.poller.tick()
            if world.total_sent() == clients:
                break
            clock.advance(seconds=3)

        for n in range(clients):
            assert len(world.texts(client_chat(n))) == 1
        assert world.total_sent() == clients
        assert 2.0 in sleeps.waits and 3.0 in sleeps.waits  # retry_after was honoured


async def test_a_client_who_blocked_the_bot_is_marked_unreachable_and_not_retried(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.AUTOMATIC)
    async with delivery_world(uow_factory, clock) as world:
        world.state.set_blocked(TOKEN, client_chat(0), True)
        await book(uow_factory, seeded, clock(), VISIT, walk_in=True)
        report = await world.poller.tick()

        assert report.dropped and not report.retried
        async with uow_factory(read_only=True) as uow:
            client = await uow.clients.get(seeded.client_ids[0])
        assert client is not None and client.unreachable
        clock.set(VISIT - timedelta(hours=2))
        report = await world.poller.tick()
        assert not report.retried and world.texts(client_chat(0)) == []


class _CancelOnFirstSend:
    """Passes messages on; just before the first one to ``chat_id`` runs ``cancel``."""

    def __init__(self, inner: Notifier, chat_id: int, cancel: Callable[[], Awaitable[object]]):
        self._inner = inner
        self._chat_id = chat_id
        self._cancel: Callable[[], Awaitable[object]] | None = cancel

    async def send(self, bot_id: int, message: OutgoingMessage) -> bool:
        if message.chat_id == self._chat_id and self._cancel is not None:
            cancel, self._cancel = self._cancel, None
            await cancel()
        return await self._inner.send(bot_id, message)


async def test_a_booking_cancelled_while_its_batch_is_sending_gets_no_reminder(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # Both reminders are claimed in one batch; the provider cancels the second visit while the
    # first reminder is going out. What a batch needs is loaded wave by wave, right before
    # sending, so the second reminder sees the cancellation and is dropped, not sent.
    clock = Clock(NOW)
    seeded = await seed_with_links(uow_factory, mode=ConfirmationMode.AUTOMATIC)
    async with delivery_world(uow_factory, clock) as world:
        await book(uow_factory, seeded, clock(), VISIT, client=0, walk_in=True)
        second = await book(uow_factory, seeded, clock(), VISIT, client=1, staff=1, walk_in=True)
        clock.set(VISIT - timedelta(hours=14))  # creation notices and attendance requests
        await world.poller.tick()
        before = len(world.texts(client_chat(1)))

        async def cancel_second() -> object:
            return await use_cases.cancel_by_provider(
                uow_factory(),
                now=clock(),
                business_id=seeded.business_id,
                booking_id=second.id or 0,
                actor=Actor.provider(),
            )

        notifier = _CancelOnFirstSend(world.notifier, client_chat(0), cancel_second)
        poller = Poller(
            uow_factory,
            clock,
            DeliveryHandler(uow_factory, notifier, bot_id=world.bot.id),
            PollerConfig(batch_size=10, concurrency=1),  # one booking per wave
        )
        clock.set(VISIT - timedelta(hours=2))  # both reminders due, claimed together
        report = await poller.tick()

        assert world.texts(client_chat(0))[-1].startswith("⏰ Lembrete")
        assert [i.booking_id for i in report.dropped] == [second.id]
        assert not any(t.startswith("⏰") for t in world.texts(client_chat(1)))
        # The cancellation itself reached the client (it became due during that tick).
        assert len(world.texts(client_chat(1))) == before + 1
