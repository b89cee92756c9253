"""In-memory implementations of every port in ``domain.ports``, for unit tests.

They subclass nothing and satisfy the Protocols structurally (``mypy`` checks it: see
``_conforms`` at the bottom). The unit of work is transactional like the real one: entering it
copies the committed state, ``commit()`` publishes the copy, leaving without commit throws it
away, so a use case that raises leaves no trace.

The booking repository refuses overlapping active bookings of one staff member (buffers
included, members of one group class excepted), like the storage constraint, so a bug in the
engine that offers a busy time fails loudly in tests. It also records the staff locks taken and
the windows read, so tests can check use cases lock and read bounded windows.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType

from domain.errors import SlotTaken
from domain.model import (
    Booking,
    Business,
    Client,
    DateException,
    Service,
    StaffMember,
    TimeOff,
    User,
    summarize,
)
from domain.ports import (
    BookingRepository,
    BusinessRepository,
    ClientRepository,
    OutboxRepository,
    ScheduleRepository,
    ServiceRepository,
    StaffRepository,
    UnitOfWork,
    UserRepository,
)


@dataclass
class OutboxRow:
    id: int
    kind: str
    business_id: int
    booking_id: int | None
    due_at: datetime
    payload: str = ""
    retired: bool = False


@dataclass
class Store:
    """The committed state (what a database would hold)."""

    users: dict[int, User] = field(default_factory=dict)
    businesses: dict[int, Business] = field(default_factory=dict)
    staff: dict[int, StaffMember] = field(default_factory=dict)
    services: dict[int, Service] = field(default_factory=dict)
    exceptions: dict[int, tuple[int, DateException]] = field(default_factory=dict)
    time_off: dict[int, tuple[int, TimeOff]] = field(default_factory=dict)
    clients: dict[int, Client] = field(default_factory=dict)
    bookings: dict[int, Booking] = field(default_factory=dict)
    outbox: list[OutboxRow] = field(default_factory=list)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    # Conveniences for assertions.
    def live_outbox(self, booking_id: int | None = None) -> list[OutboxRow]:
        return [
            r
            for r in self.outbox
            if not r.retired and (booking_id is None or r.booking_id == booking_id)
        ]


@dataclass
class Trace:
    """What the use cases did to the unit of work (survives rollbacks)."""

    commits: int = 0
    rollbacks: int = 0
    locks: list[tuple[int, ...]] = field(default_factory=list)
    windows: list[tuple[tuple[int, ...], datetime, datetime]] = field(default_factory=list)


class FakeUserRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, user: User) -> User:
        user.id = user.id or self.store.new_id()
        self.store.users[user.id] = user
        return user

    async def get(self, user_id: int) -> User | None:
        return self.store.users.get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        return next((u for u in self.store.users.values() if u.email == email), None)

    async def update(self, user: User) -> None:
        assert user.id is not None
        self.store.users[user.id] = user


class FakeBusinessRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, business: Business) -> Business:
        business.id = business.id or self.store.new_id()
        self.store.businesses[business.id] = business
        return business

    async def get(self, business_id: int) -> Business | None:
        return self.store.businesses.get(business_id)

    async def get_by_slug(self, slug: str) -> Business | None:
        return next((b for b in self.store.businesses.values() if b.slug == slug), None)

    async def update(self, business: Business) -> None:
        assert business.id is not None
        self.store.businesses[business.id] = business

    async def list_all(self, limit: int = 100) -> list[Business]:
        return list(self.store.businesses.values())[:limit]

    async def list_for_owner(self, user_id: int) -> list[Business]:
        return [b for b in self.store.businesses.values() if b.owner_user_id == user_id]

    async def versions(self, business_id: int) -> tuple[int, int]:
        business = self.store.businesses.get(business_id)
        return (business.data_version, business.catalog_version) if business else (0, 0)


class FakeStaffRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, staff: StaffMember) -> StaffMember:
        staff.id = staff.id or self.store.new_id()
        self.store.staff[staff.id] = staff
        return staff

    async def get(self, staff_id: int) -> StaffMember | None:
        return self.store.staff.get(staff_id)

    async def names(self, staff_ids: Sequence[int]) -> dict[int, str]:
        return {i: self.store.staff[i].name for i in set(staff_ids) if i in self.store.staff}

    async def list_for_business(
        self, business_id: int, *, include_inactive: bool = False
    ) -> list[StaffMember]:
        found = [
            s
            for s in self.store.staff.values()
            if s.business_id == business_id and (include_inactive or s.active)
        ]
        return sorted(found, key=lambda s: (s.position, s.id or 0))

    async def update(self, staff: StaffMember) -> None:
        assert staff.id is not None
        self.store.staff[staff.id] = staff


class FakeServiceRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, service: Service) -> Service:
        service.id = service.id or self.store.new_id()
        self.store.services[service.id] = service
        return service

    async def get(self, service_id: int) -> Service | None:
        return self.store.services.get(service_id)

    async def list_for_business(
        self, business_id: int, *, include_inactive: bool = False
    ) -> list[Service]:
        found = [
            s
            for s in self.store.services.values()
            if s.business_id == business_id and (include_inactive or s.active)
        ]
        return sorted(found, key=lambda s: (s.position, s.id or 0))

    async def update(self, service: Service) -> None:
        assert service.id is not None
        self.store.services[service.id] = service


class FakeScheduleRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add_exception(self, business_id: int, exception: DateException) -> DateException:
        ident = exception.id or self.store.new_id()
        stored = DateException(
            day=exception.day,
            staff_id=exception.staff_id,
            intervals=exception.intervals,
            note=exception.note,
            id=ident,
        )
        self.store.exceptions[ident] = (business_id, stored)
        return stored

    async def exceptions_between(
        self, business_id: int, first: date, last: date
    ) -> list[DateException]:
        return sorted(
            (
                e
                for b, e in self.store.exceptions.values()
                if b == business_id and first <= e.day <= last
            ),
            key=lambda e: (e.day, e.id or 0),
        )

    async def remove_exception(self, business_id: int, exception_id: int) -> None:
        found = self.store.exceptions.get(exception_id)
        if found is not None and found[0] == business_id:
            del self.store.exceptions[exception_id]

    async def add_time_off(self, business_id: int, time_off: TimeOff) -> TimeOff:
        ident = time_off.id or self.store.new_id()
        stored = TimeOff(
            start=time_off.start,
            end=time_off.end,
            staff_id=time_off.staff_id,
            reason=time_off.reason,
            id=ident,
        )
        self.store.time_off[ident] = (business_id, stored)
        return stored

    async def time_off_between(
        self, business_id: int, start: datetime, end: datetime
    ) -> list[TimeOff]:
        return sorted(
            (
                t
                for b, t in self.store.time_off.values()
                if b == business_id and t.start < end and start < t.end
            ),
            key=lambda t: (t.start, t.id or 0),
        )

    async def remove_time_off(self, business_id: int, time_off_id: int) -> None:
        found = self.store.time_off.get(time_off_id)
        if found is not None and found[0] == business_id:
            del self.store.time_off[time_off_id]


class FakeClientRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, client: Client) -> Client:
        client.id = client.id or self.store.new_id()
        self.store.clients[client.id] = client
        return client

    async def get(self, client_id: int) -> Client | None:
        return self.store.clients.get(client_id)

    async def get_many(self, client_ids: Sequence[int]) -> dict[int, Client]:
        return {i: self.store.clients[i] for i in set(client_ids) if i in self.store.clients}

    async def get_by_telegram(self, business_id: int, telegram_user_id: int) -> Client | None:
        return next(
            (
                c
                for c in self.store.clients.values()
                if c.business_id == business_id and c.telegram_user_id == telegram_user_id
            ),
            None,
        )

    async def update(self, client: Client) -> None:
        assert client.id is not None
        self.store.clients[client.id] = client

    async def businesses_of_telegram_user(
        self, telegram_user_id: int, limit: int = 10
    ) -> list[Business]:
        mine = [c for c in self.store.clients.values() if c.telegram_user_id == telegram_user_id]
        found = [self.store.businesses.get(c.business_id) for c in reversed(mine)]
        return [b for b in found if b is not None][:limit]


def clashes(a: Booking, b: Booking) -> bool:
    """The storage rule: active bookings of one member never overlap, buffers included, except
    members of one group class."""
    if a.staff_id != b.staff_id or not (a.status.is_active and b.status.is_active):
        return False
    if a.group_key is not None and a.group_key == b.group_key:
        return False
    return a.block_start < b.block_end and b.block_start < a.block_end


class FakeBookingRepository:
    def __init__(self, store: Store, trace: Trace) -> None:
        self.store = store
        self.trace = trace

    def _refuse_overlap(self, booking: Booking) -> None:
        for other in self.store.bookings.values():
            if other.id != booking.id and clashes(booking, other):
                raise SlotTaken()

    async def add(self, booking: Booking) -> Booking:
        if booking.idempotency_key is not None:
            for other in self.store.bookings.values():
                if (
                    other.business_id == booking.business_id
                    and other.idempotency_key == booking.idempotency_key
                ):
                    raise AssertionError("duplicate idempotency key reached storage")
        self._refuse_overlap(booking)
        booking.id = booking.id or self.store.new_id()
        self.store.bookings[booking.id] = booking
        return booking

    async def get(self, booking_id: int) -> Booking | None:
        return self.store.bookings.get(booking_id)

    async def with_history(self, bookings: Sequence[Booking]) -> list[Booking]:
        return list(bookings)  # the store's bookings carry their events already

    async def get_by_idempotency_key(self, business_id: int, key: str) -> Booking | None:
        return next(
            (
                b
                for b in self.store.bookings.values()
                if b.business_id == business_id and b.idempotency_key == key
            ),
            None,
        )

    async def save(self, booking: Booking) -> None:
        assert booking.id is not None and booking.id in self.store.bookings
        self._refuse_overlap(booking)
        booking.version += 1  # as storage does on every saved change
        self.store.bookings[booking.id] = booking

    async def lock_staff(self, staff_ids: Sequence[int]) -> None:
        self.trace.locks.append(tuple(staff_ids))

    async def busy_between(
        self, staff_ids: Sequence[int], start: datetime, end: datetime
    ) -> list[Booking]:
        self.trace.windows.append((tuple(staff_ids), start, end))
        wanted = set(staff_ids)
        active = sorted(
            (
                b
                for b in self.store.bookings.values()
                if b.staff_id in wanted
                and b.status.is_active
                and b.block_start < end
                and start < b.block_end
            ),
            key=lambda b: (b.start, b.id or 0),
        )
        return [summarize(b) for b in active]

    async def for_client(
        self, client_id: int, *, upcoming_after: datetime | None = None, limit: int = 20
    ) -> list[Booking]:
        found = [
            b
            for b in self.store.bookings.values()
            if b.client_id == client_id and (upcoming_after is None or b.start >= upcoming_after)
        ]
        return sorted(found, key=lambda b: b.start)[:limit]

    async def for_business_between(
        self, business_id: int, start: datetime, end: datetime
    ) -> list[Booking]:
        found = [
            b
            for b in self.store.bookings.values()
            if b.business_id == business_id and b.start < end and start < b.end
        ]
        return sorted(found, key=lambda b: b.start)

    async def pending_for_business(self, business_id: int) -> list[Booking]:
        return [
            b
            for b in self.store.bookings.values()
            if b.business_id == business_id and b.status.value == "pending"
        ]


class FakeOutboxRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def schedule(
        self,
        *,
        kind: str,
        business_id: int,
        booking_id: int | None,
        due_at: datetime,
        payload: str = "",
    ) -> None:
        self.store.outbox.append(
            OutboxRow(self.store.new_id(), kind, business_id, booking_id, due_at, payload)
        )

    async def retire_for_booking(self, booking_id: int, kinds: Sequence[str] | None = None) -> int:
        count = 0
        for row in self.store.outbox:
            if (
                row.booking_id == booking_id
                and not row.retired
                and (kinds is None or row.kind in kinds)
            ):
                row.retired = True
                count += 1
        return count


class FakeUnitOfWork:
    """Transactional in-memory unit of work; see the module docstring."""

    users: UserRepository
    businesses: BusinessRepository
    staff: StaffRepository
    services: ServiceRepository
    schedule: ScheduleRepository
    clients: ClientRepository
    bookings: BookingRepository
    outbox: OutboxRepository

    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()
        self.trace = Trace()
        self._work: Store | None = None
        self._bind(self.store)

    def _bind(self, store: Store) -> None:
        self.users = FakeUserRepository(store)
        self.businesses = FakeBusinessRepository(store)
        self.staff = FakeStaffRepository(store)
        self.services = FakeServiceRepository(store)
        self.schedule = FakeScheduleRepository(store)
        self.clients = FakeClientRepository(store)
        self.bookings = FakeBookingRepository(store, self.trace)
        self.outbox = FakeOutboxRepository(store)

    async def __aenter__(self) -> FakeUnitOfWork:
        self._work = copy.deepcopy(self.store)
        self._bind(self._work)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed is dropped, as a database transaction would be.
        self._work = None
        self._bind(self.store)

    async def commit(self) -> None:
        assert self._work is not None, "commit outside 'async with uow'"
        self.trace.commits += 1
        committed = copy.deepcopy(self._work)
        for name in self.store.__dataclass_fields__:
            setattr(self.store, name, getattr(committed, name))

    async def rollback(self) -> None:
        self.trace.rollbacks += 1
        if self._work is not None:
            self._work = copy.deepcopy(self.store)
            self._bind(self._work)


def _conforms(uow: FakeUnitOfWork) -> UnitOfWork:
    """Static check: mypy fails here if a fake drifts from a Protocol."""
    return uow
