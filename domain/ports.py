"""Ports the domain needs from the outside world, as ``typing.Protocol``.

``storage/`` implements the repositories and the unit of work; ``bot/`` implements the Notifier.
Repositories never commit: the unit of work does, once per use case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol

from .model import (
    Booking,
    BookingEvent,
    Business,
    Client,
    DateException,
    Service,
    StaffMember,
    TimeOff,
    User,
)


class UserRepository(Protocol):
    async def add(self, user: User) -> User: ...
    async def get(self, user_id: int) -> User | None: ...
    async def get_by_email(self, email: str) -> User | None: ...
    async def update(self, user: User) -> None: ...


class BusinessRepository(Protocol):
    async def add(self, business: Business) -> Business: ...
    async def get(self, business_id: int) -> Business | None: ...
    async def get_by_slug(self, slug: str) -> Business | None: ...
    async def update(self, business: Business) -> None: ...
    async def list_all(self, limit: int = 100) -> list[Business]: ...
    async def list_for_owner(self, user_id: int) -> list[Business]: ...


class StaffRepository(Protocol):
    async def add(self, staff: StaffMember) -> StaffMember: ...
    async def get(self, staff_id: int) -> StaffMember | None: ...
    async def list_for_business(
        self, business_id: int, *, include_inactive: bool = False
    ) -> list[StaffMember]: ...
    async def update(self, staff: StaffMember) -> None: ...


class ServiceRepository(Protocol):
    async def add(self, service: Service) -> Service: ...
    async def get(self, service_id: int) -> Service | None: ...
    async def list_for_business(
        self, business_id: int, *, include_inactive: bool = False
    ) -> list[Service]: ...
    async def update(self, service: Service) -> None: ...


class ScheduleRepository(Protocol):
    """Date exceptions and time off: what makes a day differ from the weekly hours."""

    async def add_exception(self, business_id: int, exception: DateException) -> DateException: ...
    async def exceptions_between(
        self, business_id: int, first: date, last: date
    ) -> list[DateException]: ...
    async def remove_exception(self, business_id: int, exception_id: int) -> None: ...
    async def add_time_off(self, business_id: int, time_off: TimeOff) -> TimeOff: ...
    async def time_off_between(
        self, business_id: int, start: datetime, end: datetime
    ) -> list[TimeOff]: ...
    async def remove_time_off(self, business_id: int, time_off_id: int) -> None: ...


class ClientRepository(Protocol):
    async def add(self, client: Client) -> Client: ...
    async def get(self, client_id: int) -> Client | None: ...
    async def get_by_telegram(self, business_id: int, telegram_user_id: int) -> Client | None: ...
    async def update(self, client: Client) -> None: ...


class BookingRepository(Protocol):
    async def add(self, booking: Booking) -> Booking:
        """Insert the booking and its events. Raises ``SlotTaken`` if storage refuses an overlap."""
        ...

    async def get(self, booking_id: int) -> Booking | None: ...

    async def get_by_idempotency_key(self, business_id: int, key: str) -> Booking | None: ...

    async def save(self, booking: Booking) -> None:
        """Persist status, times, reason and any events not yet stored."""
        ...

    async def lock_staff(self, staff_ids: Sequence[int]) -> None:
        """Serialize booking writes for these staff members until the transaction ends."""
        ...

    async def active_between(
        self, staff_ids: Sequence[int], start: datetime, end: datetime
    ) -> list[Booking]:
        """Active bookings of these staff whose buffered span meets [start, end).

        Reads only an indexed window: cost does not grow with the size of the table.
        """
        ...

    async def for_client(
        self, client_id: int, *, upcoming_after: datetime | None = None, limit: int = 20
    ) -> list[Booking]: ...

    async def for_business_between(
        self, business_id: int, start: datetime, end: datetime
    ) -> list[Booking]: ...

    async def pending_for_business(self, business_id: int) -> list[Booking]: ...


class OutboxRepository(Protocol):
    """Durable due actions (reminders, confirmation requests, expiries, notifications)."""

    async def schedule(
        self, *, kind: str, business_id: int, booking_id: int | None, due_at: datetime,
        payload: str = "",
    ) -> None: ...

    async def retire_for_booking(self, booking_id: int, kinds: Sequence[str] | None = None) -> int:
        """Drop pending actions of a booking (all kinds when None); returns how many."""
        ...


class UnitOfWork(Protocol):
    """Repositories of one transaction. Read-only properties, so implementations may narrow them."""

    @property
    def users(self) -> UserRepository: ...
    @property
    def businesses(self) -> BusinessRepository: ...
    @property
    def staff(self) -> StaffRepository: ...
    @property
    def services(self) -> ServiceRepository: ...
    @property
    def schedule(self) -> ScheduleRepository: ...
    @property
    def clients(self) -> ClientRepository: ...
    @property
    def bookings(self) -> BookingRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


@dataclass(frozen=True)
class OutgoingMessage:
    """A message the Notifier sends; text is already localized."""

    chat_id: int
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()  # rows of (label, callback_data)


class Notifier(Protocol):
    async def send(self, bot_id: int, message: OutgoingMessage) -> bool:
        """Send one message; False when the chat is unreachable (blocked the bot)."""
        ...


__all__ = [
    "BookingEvent",
    "BookingRepository",
    "BusinessRepository",
    "ClientRepository",
    "Notifier",
    "OutboxRepository",
    "OutgoingMessage",
    "ScheduleRepository",
    "ServiceRepository",
    "StaffRepository",
    "UnitOfWork",
    "UserRepository",
]
