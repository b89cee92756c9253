"""Every entity survives a trip through storage, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.errors import SlotTaken
from domain.model import (
    Actor,
    Booking,
    BookingEvent,
    BookingItem,
    BookingSource,
    BookingStatus,
    Business,
    Client,
    ConfirmationMode,
    DateException,
    Policies,
    Service,
    StaffMember,
    TimeOff,
    User,
    WeeklyInterval,
)
from domain.states import BookingEventName
from storage.uow import UnitOfWorkFactory

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def _seed(uow_factory: UnitOfWorkFactory) -> tuple[int, int, int, int]:
    """A business with one service, one staff member and one client; returns their ids."""
    async with uow_factory() as uow:
        user = await uow.users.add(User(email="ana@example.com", password_hash="h"))
        business = await uow.businesses.add(
            Business(
                name="Barbearia Central",
                slug="barbearia-central",
                address="Rua A, 1",
                phone="+55 11 99999-0000",
                owner_user_id=user.id,
                policies=Policies(
                    confirmation_mode=ConfirmationMode.MANUAL,
                    min_notice_minutes=30,
                    reminder_offsets_minutes=(1440, 120),
                ),
            )
        )
        assert business.id is not None
        service = await uow.services.add(
            Service(
                business_id=business.id,
                name="Corte",
                duration_minutes=30,
                price_minor=4500,
                buffer_after_minutes=10,
                capacity=1,
            )
        )
        assert service.id is not None
        staff = await uow.staff.add(
            StaffMember(
                business_id=business.id,
                name="João",
                service_ids={service.id},
                weekly_hours=[
                    WeeklyInterval(0, time(9), time(12)),
                    WeeklyInterval(0, time(13), time(18)),
                ],
                max_daily_bookings=8,
            )
        )
        client = await uow.clients.add(
            Client(
                business_id=business.id,
                telegram_user_id=5_000_000_001,
                name="Maria",
                phone="+5511988887777",
                locale="pt_BR",
            )
        )
        await uow.commit()
    assert staff.id is not None and client.id is not None
    return business.id, service.id, staff.id, client.id


def _booking(
    business_id: int,
    staff_id: int,
    client_id: int,
    service_id: int,
    start: datetime,
    *,
    key: str | None = None,
    capacity: int = 1,
) -> Booking:
    return Booking(
        business_id=business_id,
        staff_id=staff_id,
        client_id=client_id,
        items=[BookingItem(service_id, "Corte", 30, 4500, 0, 10, capacity)],
        start=start,
        idempotency_key=key,
        source=BookingSource.TELEGRAM,
        events=[
            BookingEvent(
                T0, Actor.client(client_id), BookingEventName.CREATED, None, BookingStatus.PENDING
            )
        ],
    )


async def test_business_staff_service_client_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    business_id, service_id, staff_id, client_id = await _seed(uow_factory)
    async with uow_factory(read_only=True) as uow:
        business = await uow.businesses.get_by_slug("barbearia-central")
        assert business is not None and business.id == business_id
        assert business.policies.confirmation_mode is ConfirmationMode.MANUAL
        assert business.policies.reminder_offsets_minutes == (1440, 120)
        assert business.timezone == "America/Sao_Paulo" and business.currency == "BRL"
        staff = await uow.staff.get(staff_id)
        assert staff is not None and staff.service_ids == {service_id}
        assert staff.weekly_hours == [
            WeeklyInterval(0, time(9), time(12)),
            WeeklyInterval(0, time(13), time(18)),
        ]
        assert staff.max_daily_bookings == 8
        service = await uow.services.get(service_id)
        assert service is not None
        assert (service.price_minor, service.buffer_after_minutes) == (4500, 10)
        client = await uow.clients.get_by_telegram(business_id, 5_000_000_001)
        assert client is not None and client.id == client_id and client.phone == "+5511988887777"
        user = await uow.users.get_by_email("ana@example.com")
        assert user is not None and user.id == business.owner_user_id


async def test_updates_are_kept_only_after_commit(uow_factory: UnitOfWorkFactory) -> None:
    business_id, service_id, _, _ = await _seed(uow_factory)
    async with uow_factory() as uow:
        service = await uow.services.get(service_id)
        assert service is not None
        service.price_minor = 5000
        await uow.services.update(service)
        # no commit: leaving the block rolls back
    async with uow_factory() as uow:
        service = await uow.services.get(service_id)
        assert service is not None and service.price_minor == 4500
        service.active = False
        await uow.services.update(service)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.services.list_for_business(business_id) == []
        assert len(await uow.services.list_for_business(business_id, include_inactive=True)) == 1


async def test_schedule_exceptions_and_time_off_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    business_id, _, staff_id, _ = await _seed(uow_factory)
    async with uow_factory() as uow:
        await uow.schedule.add_exception(
            business_id, DateException(date(2026, 12, 25), note="Natal")
        )
        await uow.schedule.add_exception(
            business_id,
            DateException(date(2026, 12, 24), staff_id=staff_id, intervals=((time(9), time(12)),)),
        )
        await uow.schedule.add_time_off(
            business_id, TimeOff(T0, T0 + timedelta(hours=2), staff_id=staff_id, reason="médico")
        )
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        exceptions = await uow.schedule.exceptions_between(
            business_id, date(2026, 12, 1), date(2026, 12, 31)
        )
        assert [(e.day, e.closed, e.intervals) for e in exceptions] == [
            (date(2026, 12, 24), False, ((time(9), time(12)),)),
            (date(2026, 12, 25), True, ()),
        ]
        off = await uow.schedule.time_off_between(
            business_id, T0 + timedelta(hours=1), T0 + timedelta(hours=5)
        )
        assert [(o.start, o.end, o.reason) for o in off] == [
            (T0, T0 + timedelta(hours=2), "médico")
        ]
        assert (
            await uow.schedule.time_off_between(
                business_id, T0 + timedelta(hours=2), T0 + timedelta(hours=3)
            )
            == []
        )


async def test_booking_round_trip_with_items_and_events(uow_factory: UnitOfWorkFactory) -> None:
    business_id, service_id, staff_id, client_id = await _seed(uow_factory)
    start = T0 + timedelta(days=1)
    async with uow_factory() as uow:
        booking = await uow.bookings.add(
            _booking(business_id, staff_id, client_id, service_id, start, key="k-1")
        )
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.bookings.get_by_idempotency_key(business_id, "k-1")
        assert loaded is not None and loaded.id == booking.id
        assert loaded.start == start and loaded.end == start + timedelta(minutes=30)
        assert loaded.start.tzinfo is not None
        assert [e.action for e in loaded.events] == ["created"]
        loaded.status = BookingStatus.CONFIRMED
        loaded.events.append(
            BookingEvent(
                T0,
                Actor.provider(1),
                BookingEventName.CONFIRMED,
                BookingStatus.PENDING,
                BookingStatus.CONFIRMED,
            )
        )
        await uow.bookings.save(loaded)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        again = await uow.bookings.get(booking.id or 0)
        assert again is not None and again.status is BookingStatus.CONFIRMED
        assert [(e.action, e.to_status) for e in again.events] == [
            ("created", BookingStatus.PENDING),
            ("confirmed", BookingStatus.CONFIRMED),
        ]
        window = await uow.bookings.busy_between(
            [staff_id], start - timedelta(hours=1), start + timedelta(hours=1)
        )
        assert [b.id for b in window] == [booking.id]
        # the buffer after (10 min) is part of the span others may not meet
        touching = await uow.bookings.busy_between(
            [staff_id], start + timedelta(minutes=35), start + timedelta(hours=1)
        )
        assert [b.id for b in touching] == [booking.id]
        after = await uow.bookings.busy_between(
            [staff_id], start + timedelta(minutes=40), start + timedelta(hours=1)
        )
        assert after == []


async def test_storage_refuses_overlapping_active_bookings(uow_factory: UnitOfWorkFactory) -> None:
    """The database itself (exclusion constraint / trigger) refuses an overlap, buffers included."""
    business_id, service_id, staff_id, client_id = await _seed(uow_factory)
    start = T0 + timedelta(days=1)
    async with uow_factory() as uow:
        await uow.bookings.add(_booking(business_id, staff_id, client_id, service_id, start))
        await uow.commit()
    # 35 minutes later: inside the first booking's 10-minute buffer after
    async with uow_factory() as uow:
        with pytest.raises(SlotTaken):
            await uow.bookings.add(
                _booking(
                    business_id, staff_id, client_id, service_id, start + timedelta(minutes=35)
                )
            )
    # 40 minutes later: free
    async with uow_factory() as uow:
        await uow.bookings.add(
            _booking(business_id, staff_id, client_id, service_id, start + timedelta(minutes=40))
        )
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert (
            len(await uow.bookings.busy_between([staff_id], start, start + timedelta(hours=2))) == 2
        )


async def test_cancelled_bookings_release_their_time(uow_factory: UnitOfWorkFactory) -> None:
    business_id, service_id, staff_id, client_id = await _seed(uow_factory)
    start = T0 + timedelta(days=1)
    async with uow_factory() as uow:
        first = await uow.bookings.add(
            _booking(business_id, staff_id, client_id, service_id, start)
        )
        first.status = BookingStatus.CANCELLED
        await uow.bookings.save(first)
        await uow.bookings.add(_booking(business_id, staff_id, client_id, service_id, start))
        await uow.commit()
    # re-activating the cancelled one would overlap: refused
    async with uow_factory() as uow:
        again = await uow.bookings.get(first.id or 0)
        assert again is not None
        again.status = BookingStatus.PENDING
        with pytest.raises(SlotTaken):
            await uow.bookings.save(again)


async def test_group_bookings_share_a_slot_but_not_with_others(
    uow_factory: UnitOfWorkFactory,
) -> None:
    business_id, service_id, staff_id, client_id = await _seed(uow_factory)
    start = T0 + timedelta(days=1)
    async with uow_factory() as uow:
        for _ in range(3):
            await uow.bookings.add(
                _booking(business_id, staff_id, client_id, service_id, start, capacity=3)
            )
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(SlotTaken):  # a group slot starting 15 min later is another slot
            await uow.bookings.add(
                _booking(
                    business_id,
                    staff_id,
                    client_id,
                    service_id,
                    start + timedelta(minutes=15),
                    capacity=3,
                )
            )
    async with uow_factory() as uow:
        with pytest.raises(SlotTaken):  # an individual booking over the group class
            await uow.bookings.add(_booking(business_id, staff_id, client_id, service_id, start))


async def test_idempotency_key_is_unique_per_business(uow_factory: UnitOfWorkFactory) -> None:
    from sqlalchemy.exc import IntegrityError

    business_id, service_id, staff_id, client_id = await _seed(uow_factory)
    start = T0 + timedelta(days=1)
    async with uow_factory() as uow:
        await uow.bookings.add(
            _booking(business_id, staff_id, client_id, service_id, start, key="same")
        )
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(IntegrityError):
            await uow.bookings.add(
                _booking(
                    business_id,
                    staff_id,
                    client_id,
                    service_id,
                    start + timedelta(hours=2),
                    key="same",
                )
            )


async def test_outbox_rows_are_written_and_retired(uow_factory: UnitOfWorkFactory) -> None:
    business_id, service_id, staff_id, client_id = await _seed(uow_factory)
    async with uow_factory() as uow:
        booking = await uow.bookings.add(
            _booking(business_id, staff_id, client_id, service_id, T0 + timedelta(days=1))
        )
        assert booking.id is not None
        await uow.outbox.schedule(
            kind="reminder", business_id=business_id, booking_id=booking.id, due_at=T0
        )
        await uow.outbox.schedule(
            kind="expire_request", business_id=business_id, booking_id=booking.id, due_at=T0
        )
        assert await uow.outbox.retire_for_booking(booking.id, ["reminder"]) == 1
        assert await uow.outbox.retire_for_booking(booking.id) == 1
        assert await uow.outbox.retire_for_booking(booking.id) == 0
        await uow.commit()
