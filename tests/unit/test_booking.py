"""Booking use cases against the in-memory fakes.

World: a barbershop in São Paulo (UTC-3), open 09:00-18:00 every day for two barbers (Rui,
position 0, id 1; Zé, position 1, id 2). Policies: 60 min notice, 60 days horizon, 30 min step,
clients may cancel until 120 min before, requests expire after 720 min, one reminder 120 min
before, attendance request 1440 min (a day) before. "Now" is Sunday 2026-03-08 12:00 local; most
bookings are for Tuesday 2026-03-10.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain import actions
from domain import booking as uc
from domain.availability import booking_window, resolve_visit
from domain.errors import (
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    OutsideCancellationWindow,
    SlotNotOffered,
    SlotTaken,
    TooEarly,
)
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
    Policies,
    Service,
    StaffMember,
)
from domain.states import BookingEventName

from .builders import d, wall, weekly
from .fakes import FakeUnitOfWork, Store

SP = "America/Sao_Paulo"
NOW = wall(SP, "2026-03-08 12:00")
PROVIDER = Actor.provider(500)
ANA, BRUNO, CAIO = 77, 78, 79
RUI, ZE = 1, 2
CUT, YOGA = 10, 30


def local(iso: str) -> datetime:
    return wall(SP, iso)


def tue(hhmm: str) -> datetime:
    return local(f"2026-03-10 {hhmm}")


def make_store(mode: ConfirmationMode = ConfirmationMode.AUTOMATIC) -> Store:
    store = Store()
    store.businesses[1] = Business(
        name="Barbearia do Zé",
        slug="ze",
        timezone=SP,
        phone="+55 11 4000-0000",
        id=1,
        policies=Policies(
            confirmation_mode=mode,
            min_notice_minutes=60,
            horizon_days=60,
            slot_step_minutes=30,
            cancellation_window_minutes=120,
            request_expiry_minutes=720,
            reminder_offsets_minutes=(120,),
            attendance_request_minutes=1440,
        ),
    )
    store.businesses[2] = Business(name="Other", slug="other", timezone=SP, id=2)
    for ident, name, position in ((RUI, "Rui", 0), (ZE, "Zé", 1)):
        store.staff[ident] = StaffMember(
            business_id=1,
            name=name,
            service_ids={CUT, YOGA},
            weekly_hours=weekly(["09:00-18:00"]),
            position=position,
            id=ident,
        )
    store.services[CUT] = Service(1, "Corte", 60, price_minor=5000, id=CUT)
    store.services[YOGA] = Service(1, "Yoga", 60, price_minor=3000, capacity=3, id=YOGA)
    for ident, name in ((ANA, "Ana"), (BRUNO, "Bruno"), (CAIO, "Caio")):
        store.clients[ident] = Client(business_id=1, name=name, id=ident)
    store.clients[99] = Client(business_id=2, name="elsewhere", id=99)
    store.next_id = 1000
    return store


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(make_store())


@pytest.fixture
def manual_uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(make_store(ConfirmationMode.MANUAL))


async def book(
    uow: FakeUnitOfWork,
    start: datetime,
    *,
    client: int = ANA,
    staff: int | None = RUI,
    services: tuple[int, ...] = (CUT,),
    key: str | None = None,
    provider: bool = False,
    now: datetime = NOW,
) -> Booking:
    return await uc.book(
        uow,
        now=now,
        business_id=1,
        client_id=client,
        service_ids=services,
        staff_id=staff,
        start=start,
        source=BookingSource.PANEL if provider else BookingSource.TELEGRAM,
        idempotency_key=key,
        actor=PROVIDER if provider else Actor.client(client),
        on_behalf_of_provider=provider,
    )


def live(uow: FakeUnitOfWork, booking_id: int | None) -> list[tuple[str, datetime, str]]:
    """Pending outbox actions of a booking: (kind, due local "YYYY-MM-DD HH:MM", payload)."""
    return sorted((r.kind, r.due_at, r.payload) for r in uow.store.live_outbox(booking_id))


def stored(uow: FakeUnitOfWork, booking_id: int | None) -> Booking:
    assert booking_id is not None
    return uow.store.bookings[booking_id]


# --- book -------------------------------------------------------------------------------------


async def test_book_confirms_at_once_in_automatic_mode(uow: FakeUnitOfWork) -> None:
    made = await book(uow, tue("10:00"))
    assert made.id is not None
    assert made.status is BookingStatus.CONFIRMED
    assert (made.staff_id, made.client_id, made.start, made.end) == (
        RUI,
        ANA,
        tue("10:00"),
        tue("11:00"),
    )
    assert made.items == [BookingItem(CUT, "Corte", 60, 5000)]
    assert made.created_at == NOW
    assert [(e.action, e.from_status, e.to_status) for e in made.events] == [
        ("created", None, BookingStatus.CONFIRMED)
    ]
    assert stored(uow, made.id).status is BookingStatus.CONFIRMED
    assert uow.trace.commits == 1
    assert uow.trace.locks == [(RUI,)]
    # Bookings are read for the dates that can own that start only: its local date and the
    # day before (whose overnight spans own the hours after midnight).
    visit = resolve_visit(list(uow.store.services.values()), (CUT,))
    assert uow.trace.windows == [
        ((RUI,), *booking_window(uow.store.businesses[1], d("2026-03-09"), d("2026-03-10"), visit))
    ]
    assert live(uow, made.id) == [
        (actions.ATTENDANCE_REQUEST, tue("10:00") - timedelta(days=1), ""),
        (actions.NOTIFY_PROVIDER_NEW, NOW, "confirmed"),
        (actions.REMINDER, tue("08:00"), "120"),
    ]


async def test_book_in_manual_mode_is_a_request_that_expires(manual_uow: FakeUnitOfWork) -> None:
    made = await book(manual_uow, tue("10:00"))
    assert made.status is BookingStatus.PENDING
    # No reminder for a mere request; it expires 720 min after it was made.
    assert live(manual_uow, made.id) == [
        (actions.EXPIRE_REQUEST, NOW + timedelta(minutes=720), ""),
        (actions.NOTIFY_PROVIDER_NEW, NOW, "pending"),
    ]


async def test_request_expiry_never_falls_after_the_start(manual_uow: FakeUnitOfWork) -> None:
    made = await book(manual_uow, local("2026-03-08 15:00"))
    assert live(manual_uow, made.id)[0] == (actions.EXPIRE_REQUEST, local("2026-03-08 15:00"), "")


async def test_provider_booking_skips_notice_and_confirmation(manual_uow: FakeUnitOfWork) -> None:
    # 12:30 today is inside the 60 minute notice: refused to a client, fine for a walk-in.
    with pytest.raises(SlotNotOffered):
        await book(manual_uow, local("2026-03-08 12:30"))
    made = await book(manual_uow, local("2026-03-08 12:30"), provider=True)
    assert made.status is BookingStatus.CONFIRMED
    assert made.source is BookingSource.PANEL
    kinds = [k for k, _, _ in live(manual_uow, made.id)]
    assert actions.NOTIFY_CLIENT_STATUS in kinds and actions.NOTIFY_PROVIDER_NEW not in kinds
    # Still never in the past, and never over another booking.
    with pytest.raises(SlotNotOffered):
        await book(manual_uow, local("2026-03-08 11:00"), provider=True)
    with pytest.raises(SlotTaken):
        await book(manual_uow, local("2026-03-08 12:30"), provider=True, client=BRUNO)


async def test_book_is_idempotent(uow: FakeUnitOfWork) -> None:
    first = await book(uow, tue("10:00"), key="tg:123:456")
    again = await book(uow, tue("10:00"), key="tg:123:456")
    assert again.id == first.id
    assert len(uow.store.bookings) == 1
    assert uow.trace.commits == 1
    # Even if the second attempt asks for something else, it gets the first booking back.
    other = await book(uow, tue("15:00"), key="tg:123:456")
    assert other.id == first.id and other.start == tue("10:00")
    # A key is per client: another client reusing it is refused, not handed Ana's booking.
    with pytest.raises(InvalidInput):
        await book(uow, tue("15:00"), key="tg:123:456", client=BRUNO)


async def test_slot_taken_offers_the_nearest_free_starts(uow: FakeUnitOfWork) -> None:
    await book(uow, tue("10:00"))
    with pytest.raises(SlotTaken) as caught:
        await book(uow, tue("10:00"), client=BRUNO)
    assert type(caught.value) is SlotTaken
    # 09:30 and 10:30 overlap 10:00-11:00; the nearest free starts are 09:00, 11:00, 11:30.
    assert caught.value.alternatives == [tue("09:00"), tue("11:00"), tue("11:30")]
    assert len(uow.store.bookings) == 1
    assert uow.trace.commits == 1


@pytest.mark.parametrize(
    "start",
    [
        local("2026-03-10 20:00"),  # after hours
        local("2026-03-10 17:30"),  # would end after 18:00
        local("2026-03-10 10:10"),  # not on the 30-minute step
        local("2026-03-08 12:30"),  # inside the minimum notice
        local("2026-03-08 10:00"),  # in the past
        local("2026-05-08 10:00"),  # beyond the 60-day horizon
    ],
)
async def test_times_that_were_never_slots(uow: FakeUnitOfWork, start: datetime) -> None:
    with pytest.raises(SlotNotOffered):
        await book(uow, start)
    assert uow.store.bookings == {} and uow.trace.commits == 0


async def test_book_validates_its_input(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidInput):
        await book(uow, tue("10:00").replace(tzinfo=None))
    with pytest.raises(InvalidInput):
        await book(uow, tue("10:00"), services=(999,))
    with pytest.raises(NotFound):
        await book(uow, tue("10:00"), client=99)  # a client of another business
    with pytest.raises(NotFound):
        await book(uow, tue("10:00"), staff=42)
    uow.store.staff[ZE].service_ids = {YOGA}
    with pytest.raises(InvalidInput):
        await book(uow, tue("10:00"), staff=ZE)


async def test_any_professional_is_assigned_deterministically(uow: FakeUnitOfWork) -> None:
    # Nobody has anything: Rui (position 0) first, then Zé, then the slot is gone.
    first = await book(uow, tue("10:00"), staff=None)
    second = await book(uow, tue("10:00"), staff=None, client=BRUNO)
    assert (first.staff_id, second.staff_id) == (RUI, ZE)
    assert uow.trace.locks[-1] == (RUI, ZE)
    with pytest.raises(SlotTaken):
        await book(uow, tue("10:00"), staff=None, client=CAIO)
    # Rui gets a second booking that day; at 15:00 both are free, Zé has fewer that day.
    await book(uow, tue("13:00"), client=CAIO)
    third = await book(uow, tue("15:00"), staff=None, client=CAIO)
    assert third.staff_id == ZE


async def test_group_class_takes_capacity_then_refuses(uow: FakeUnitOfWork) -> None:
    made = [await book(uow, tue("10:00"), services=(YOGA,), client=c) for c in (ANA, BRUNO, CAIO)]
    assert {b.staff_id for b in made} == {RUI}
    assert len({b.group_key for b in made}) == 1
    uow.store.clients[80] = Client(business_id=1, name="Dora", id=80)
    with pytest.raises(SlotTaken):
        await book(uow, tue("10:00"), services=(YOGA,), client=80)
    # The teacher is busy for anything else meanwhile.
    with pytest.raises(SlotTaken):
        await book(uow, tue("10:30"), client=80)


async def test_a_failed_booking_leaves_no_trace(uow: FakeUnitOfWork) -> None:
    await book(uow, tue("10:00"))
    before = (dict(uow.store.bookings), list(uow.store.outbox))
    with pytest.raises(SlotTaken):
        await book(uow, tue("10:30"), client=BRUNO)
    assert (dict(uow.store.bookings), list(uow.store.outbox)) == before


# --- provider decisions -----------------------------------------------------------------------


TUE_10 = tue("10:00")


def put(uow: FakeUnitOfWork, status: BookingStatus, start: datetime = TUE_10) -> int:
    """A booking in any status, straight into the store."""
    ident = uow.store.new_id()
    uow.store.bookings[ident] = Booking(
        business_id=1,
        staff_id=RUI,
        client_id=ANA,
        items=[BookingItem(CUT, "Corte", 60, 5000)],
        start=start,
        status=status,
        created_at=NOW - timedelta(hours=1),
        events=[
            BookingEvent(
                NOW - timedelta(hours=1), Actor.client(ANA), BookingEventName.CREATED, None, status
            )
        ],
        id=ident,
    )
    return ident


AFTER_START = tue("10:30")
S = BookingStatus
ALL = list(BookingStatus)
PROVIDER_ACTIONS = {
    "confirm": (uc.confirm, {S.PENDING}, S.CONFIRMED),
    "decline": (uc.decline, {S.PENDING}, S.DECLINED),
    "cancel_by_provider": (uc.cancel_by_provider, {S.PENDING, S.CONFIRMED}, S.CANCELLED),
    "complete": (uc.complete, {S.CONFIRMED}, S.COMPLETED),
    "mark_no_show": (uc.mark_no_show, {S.CONFIRMED}, S.NO_SHOW),
}


@pytest.mark.parametrize("name", list(PROVIDER_ACTIONS))
@pytest.mark.parametrize("status", ALL, ids=[s.value for s in ALL])
async def test_provider_transitions(uow: FakeUnitOfWork, name: str, status: BookingStatus) -> None:
    action, allowed_from, target = PROVIDER_ACTIONS[name]
    ident = put(uow, status)
    if status not in allowed_from:
        with pytest.raises(InvalidTransition):
            await action(uow, now=AFTER_START, business_id=1, booking_id=ident, actor=PROVIDER)
        assert stored(uow, ident).status is status and uow.trace.commits == 0
        return
    done = await action(uow, now=AFTER_START, business_id=1, booking_id=ident, actor=PROVIDER)
    assert done.status is target
    assert stored(uow, ident).status is target
    last = stored(uow, ident).events[-1]
    assert (last.action, last.from_status, last.to_status, last.actor) == (
        target.value if name != "cancel_by_provider" else "cancelled",
        status,
        target,
        PROVIDER,
    )
    assert uow.trace.commits == 1


@pytest.mark.parametrize("name", list(PROVIDER_ACTIONS))
async def test_provider_actions_stay_in_their_business(uow: FakeUnitOfWork, name: str) -> None:
    action, allowed_from, _ = PROVIDER_ACTIONS[name]
    ident = put(uow, next(iter(allowed_from)))
    with pytest.raises(NotAllowed):
        await action(uow, now=AFTER_START, business_id=2, booking_id=ident, actor=PROVIDER)
    with pytest.raises(NotFound):
        await action(uow, now=AFTER_START, business_id=1, booking_id=12345, actor=PROVIDER)


@pytest.mark.parametrize("action", [uc.complete, uc.mark_no_show])
async def test_attendance_outcomes_only_from_the_start(uow: FakeUnitOfWork, action: object) -> None:
    ident = put(uow, S.CONFIRMED)
    with pytest.raises(TooEarly) as caught:
        await action(uow, now=tue("09:59"), business_id=1, booking_id=ident, actor=PROVIDER)  # type: ignore[operator]
    assert caught.value.allowed_from == tue("10:00")
    done = await action(uow, now=tue("10:00"), business_id=1, booking_id=ident, actor=PROVIDER)  # type: ignore[operator]
    assert done.status in (S.COMPLETED, S.NO_SHOW)


async def test_confirm_replans_the_outbox(manual_uow: FakeUnitOfWork) -> None:
    made = await book(manual_uow, tue("10:00"))
    confirmed = await uc.confirm(
        manual_uow,
        now=NOW + timedelta(hours=1),
        business_id=1,
        booking_id=made.id or 0,
        actor=PROVIDER,
    )
    assert confirmed.status is S.CONFIRMED
    assert live(manual_uow, made.id) == [
        (actions.ATTENDANCE_REQUEST, tue("10:00") - timedelta(days=1), ""),
        (actions.NOTIFY_CLIENT_STATUS, NOW + timedelta(hours=1), "confirmed"),
        (actions.NOTIFY_PROVIDER_NEW, NOW, "pending"),
        (actions.REMINDER, tue("08:00"), "120"),
    ]


async def test_decline_frees_the_time_and_retires_actions(manual_uow: FakeUnitOfWork) -> None:
    made = await book(manual_uow, tue("10:00"))
    await uc.decline(
        manual_uow, now=NOW, business_id=1, booking_id=made.id or 0, actor=PROVIDER, reason="sick"
    )
    assert stored(manual_uow, made.id).reason == "sick"
    timed = [k for k, _, _ in live(manual_uow, made.id) if k in actions.TIMED_KINDS]
    assert timed == []
    again = await book(manual_uow, tue("10:00"), client=BRUNO)
    assert again.status is S.PENDING


# --- client actions ---------------------------------------------------------------------------


async def test_client_cancels_within_the_window(uow: FakeUnitOfWork) -> None:
    made = await book(uow, tue("10:00"))
    deadline = tue("08:00")  # 120 minutes before
    done = await uc.cancel_by_client(uow, now=deadline, booking_id=made.id or 0, client_id=ANA)
    assert done.status is S.CANCELLED
    assert done.events[-1].actor == Actor.client(ANA)
    assert [k for k, _, _ in live(uow, made.id)] == [
        actions.NOTIFY_PROVIDER_CHANGE,
        actions.NOTIFY_PROVIDER_NEW,
    ]
    # The time is free again.
    await book(uow, tue("10:00"), client=BRUNO, now=NOW)


async def test_client_cancel_after_the_window_gets_the_phone(uow: FakeUnitOfWork) -> None:
    made = await book(uow, tue("10:00"))
    with pytest.raises(OutsideCancellationWindow) as caught:
        await uc.cancel_by_client(uow, now=tue("08:01"), booking_id=made.id or 0, client_id=ANA)
    assert caught.value.contact == "+55 11 4000-0000"
    assert caught.value.deadline == tue("08:00")
    assert stored(uow, made.id).status is S.CONFIRMED


async def test_client_may_only_touch_their_own_booking(uow: FakeUnitOfWork) -> None:
    made = await book(uow, tue("10:00"))
    ident = made.id or 0
    with pytest.raises(NotAllowed):
        await uc.cancel_by_client(uow, now=NOW, booking_id=ident, client_id=BRUNO)
    with pytest.raises(NotAllowed):
        await uc.confirm_attendance(uow, now=NOW, booking_id=ident, client_id=BRUNO)
    with pytest.raises(NotAllowed):
        await uc.reschedule(
            uow,
            now=NOW,
            business_id=1,
            booking_id=ident,
            new_start=tue("15:00"),
            actor=Actor.client(BRUNO),
            by_client=True,
            client_id=BRUNO,
        )


@pytest.mark.parametrize("status", [S.DECLINED, S.EXPIRED, S.CANCELLED, S.COMPLETED, S.NO_SHOW])
async def test_client_cannot_cancel_a_finished_booking(
    uow: FakeUnitOfWork, status: BookingStatus
) -> None:
    ident = put(uow, status)
    with pytest.raises(InvalidTransition):
        await uc.cancel_by_client(uow, now=NOW, booking_id=ident, client_id=ANA)


async def test_confirm_attendance_records_once(uow: FakeUnitOfWork) -> None:
    made = await book(uow, tue("10:00"))
    ident = made.id or 0
    at = NOW + timedelta(days=1)
    done = await uc.confirm_attendance(uow, now=at, booking_id=ident, client_id=ANA)
    assert done.attendance_confirmed_at == at and done.status is S.CONFIRMED
    assert [k for k, _, _ in live(uow, ident)] == [
        actions.NOTIFY_PROVIDER_CHANGE,
        actions.NOTIFY_PROVIDER_NEW,
        actions.REMINDER,
    ]  # the attendance request is gone
    again = await uc.confirm_attendance(
        uow, now=at + timedelta(hours=1), booking_id=ident, client_id=ANA
    )
    assert again.attendance_confirmed_at == at
    assert [e.action for e in stored(uow, ident).events] == ["created", "attendance_confirmed"]
    assert uow.trace.commits == 2


async def test_confirm_attendance_keeps_a_request_pending(manual_uow: FakeUnitOfWork) -> None:
    made = await book(manual_uow, tue("10:00"))
    done = await uc.confirm_attendance(manual_uow, now=NOW, booking_id=made.id or 0, client_id=ANA)
    assert done.status is S.PENDING and done.attendance_confirmed_at == NOW
    ident = put(manual_uow, S.CANCELLED, tue("15:00"))
    with pytest.raises(InvalidTransition):
        await uc.confirm_attendance(manual_uow, now=NOW, booking_id=ident, client_id=ANA)


# --- reschedule -------------------------------------------------------------------------------


async def test_client_reschedule_moves_keeps_history_and_frees_the_old_time(
    uow: FakeUnitOfWork,
) -> None:
    made = await book(uow, tue("10:00"))
    ident = made.id or 0
    moved = await uc.reschedule(
        uow,
        now=NOW,
        business_id=1,
        booking_id=ident,
        new_start=tue("10:30"),
        actor=Actor.client(ANA),
        by_client=True,
        client_id=ANA,
    )  # overlaps its own old time: allowed, it does not block itself
    assert (moved.id, moved.start, moved.status) == (ident, tue("10:30"), S.CONFIRMED)
    last = moved.events[-1]
    assert (last.action, last.from_status, last.to_status) == (
        "rescheduled",
        S.CONFIRMED,
        S.CONFIRMED,
    )
    assert last.note == f"from {tue('10:00').isoformat()}"
    assert uow.trace.locks[-1] == (RUI,)
    # Reminders follow the new time; the old ones are retired.
    assert [(k, due) for k, due, _ in live(uow, ident) if k in actions.TIMED_KINDS] == [
        (actions.ATTENDANCE_REQUEST, tue("10:30") - timedelta(days=1)),
        (actions.REMINDER, tue("08:30")),
    ]
    assert (actions.NOTIFY_PROVIDER_CHANGE, NOW, "rescheduled") in live(uow, ident)
    # 09:00-10:00 is free again for someone else (10:00 itself is now taken by the move).
    await book(uow, tue("09:00"), client=BRUNO)
    with pytest.raises(SlotTaken):
        await book(uow, tue("10:00"), client=CAIO)


async def test_reschedule_to_a_taken_time_changes_nothing(uow: FakeUnitOfWork) -> None:
    made = await book(uow, tue("10:00"))
    await book(uow, tue("15:00"), client=BRUNO)
    with pytest.raises(SlotTaken) as caught:
        await uc.reschedule(
            uow,
            now=NOW,
            business_id=1,
            booking_id=made.id or 0,
            new_start=tue("15:00"),
            actor=Actor.client(ANA),
            by_client=True,
            client_id=ANA,
        )
    # Its own old time counts as free among the alternatives.
    assert tue("14:00") in caught.value.alternatives
    assert stored(uow, made.id).start == tue("10:00")
    assert len(stored(uow, made.id).events) == 1


async def test_reschedule_to_another_professional(uow: FakeUnitOfWork) -> None:
    made = await book(uow, tue("10:00"))
    moved = await uc.reschedule(
        uow,
        now=NOW,
        business_id=1,
        booking_id=made.id or 0,
        new_start=tue("10:00"),
        new_staff_id=ZE,
        actor=PROVIDER,
    )
    assert moved.staff_id == ZE
    assert moved.events[-1].note == f"from {tue('10:00').isoformat()} staff {RUI}"
    assert uow.trace.locks[-1] == (RUI, ZE)
    assert (actions.NOTIFY_CLIENT_STATUS, NOW, "rescheduled") in live(uow, made.id)


async def test_reschedule_rules_for_clients_and_providers(uow: FakeUnitOfWork) -> None:
    made = await book(uow, tue("10:00"))
    ident = made.id or 0
    late = tue("08:30")  # inside the 120 minute window
    with pytest.raises(OutsideCancellationWindow):
        await uc.reschedule(
            uow,
            now=late,
            business_id=1,
            booking_id=ident,
            new_start=tue("15:00"),
            actor=Actor.client(ANA),
            by_client=True,
            client_id=ANA,
        )
    # The provider may move it later, and even into the notice period.
    moved = await uc.reschedule(
        uow, now=late, business_id=1, booking_id=ident, new_start=tue("09:00"), actor=PROVIDER
    )
    assert moved.start == tue("09:00")
    with pytest.raises(NotAllowed):
        await uc.reschedule(
            uow, now=late, business_id=2, booking_id=ident, new_start=tue("15:00"), actor=PROVIDER
        )
    with pytest.raises(InvalidInput):
        await uc.reschedule(
            uow,
            now=NOW,
            business_id=1,
            booking_id=ident,
            new_start=tue("15:00"),
            actor=Actor.client(ANA),
            by_client=True,
        )
    done = put(uow, S.COMPLETED, tue("16:00"))
    with pytest.raises(InvalidTransition):
        await uc.reschedule(
            uow, now=NOW, business_id=1, booking_id=done, new_start=tue("17:00"), actor=PROVIDER
        )


# --- expiry -----------------------------------------------------------------------------------


async def test_expire_request(manual_uow: FakeUnitOfWork) -> None:
    made = await book(manual_uow, tue("10:00"))
    ident = made.id or 0
    due = NOW + timedelta(minutes=720)
    assert (
        await uc.expire_request(manual_uow, now=due - timedelta(seconds=1), booking_id=ident)
        is None
    )
    assert manual_uow.trace.commits == 1  # nothing written
    expired = await uc.expire_request(manual_uow, now=due, booking_id=ident)
    assert expired is not None and expired.status is S.EXPIRED
    assert expired.events[-1].actor == Actor.system()
    assert (actions.NOTIFY_CLIENT_STATUS, due, "expired") in live(manual_uow, ident)
    assert [k for k, _, _ in live(manual_uow, ident) if k in actions.TIMED_KINDS] == []
    # A duplicate or late action is harmless.
    assert await uc.expire_request(manual_uow, now=due, booking_id=ident) is None
    assert await uc.expire_request(manual_uow, now=due, booking_id=424242) is None
    confirmed = put(manual_uow, S.CONFIRMED, tue("15:00"))
    assert await uc.expire_request(manual_uow, now=due, booking_id=confirmed) is None


async def test_a_rescheduled_request_gets_a_fresh_expiry(manual_uow: FakeUnitOfWork) -> None:
    made = await book(manual_uow, tue("10:00"))
    ident = made.id or 0
    later = NOW + timedelta(hours=6)
    await uc.reschedule(
        manual_uow,
        now=later,
        business_id=1,
        booking_id=ident,
        new_start=tue("15:00"),
        actor=Actor.client(ANA),
        by_client=True,
        client_id=ANA,
    )
    # The old expiry (NOW + 12 h) no longer applies: the action that fires then is a no-op.
    assert (
        await uc.expire_request(manual_uow, now=NOW + timedelta(minutes=720), booking_id=ident)
        is None
    )
    assert (actions.EXPIRE_REQUEST, later + timedelta(minutes=720), "") in live(manual_uow, ident)


# --- reads ------------------------------------------------------------------------------------


async def test_find_slots_and_available_days_read_bounded_windows(uow: FakeUnitOfWork) -> None:
    await book(uow, tue("10:00"))
    uow.trace.windows.clear()
    slots = await uc.find_slots(
        uow,
        now=NOW,
        business_id=1,
        service_ids=[CUT],
        staff_id=RUI,
        first_day=d("2026-03-10"),
        last_day=d("2026-03-10"),
    )
    starts = [s.local_start.strftime("%H:%M") for s in slots]
    assert "10:00" not in starts and "09:30" not in starts and starts[0] == "09:00"
    assert len(starts) == 17 - 3  # 09:00..17:00 every 30 min, minus 09:30, 10:00, 10:30
    business = uow.store.businesses[1]
    visit = resolve_visit(list(uow.store.services.values()), (CUT,))
    assert uow.trace.windows == [
        ((RUI,), *booking_window(business, d("2026-03-10"), d("2026-03-10"), visit))
    ]
    uow.trace.windows.clear()
    days = await uc.available_days(
        uow,
        now=NOW,
        business_id=1,
        service_ids=[CUT],
        staff_id=None,
        first_day=d("2026-03-01"),
        last_day=d("2026-03-31"),
    )
    assert min(days) == d("2026-03-08") and max(days) == d("2026-03-31") and len(days) == 24
    # The read starts at today, not at the first of the month (past days cannot have slots).
    assert uow.trace.windows == [
        ((RUI, ZE), *booking_window(business, d("2026-03-08"), d("2026-03-31"), visit))
    ]
    uow.trace.windows.clear()
    far = await uc.available_days(
        uow,
        now=NOW,
        business_id=1,
        service_ids=[CUT],
        staff_id=None,
        first_day=d("2026-08-01"),
        last_day=d("2026-08-31"),
    )
    assert far == set() and uow.trace.windows == []  # beyond the horizon: nothing is read
