"""Ports the domain needs from the outside world, as ``typing.Protocol``.

``storage/`` implements the repositories and the unit of work; ``bot/`` implements the Notifier.
Repositories never commit: the unit of work does, once per use case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Protocol

from .daily import DailyRow, Occurrence
from .model import (
    Booking,
    BookingEvent,
    Business,
    Client,
    ClientStats,
    DateException,
    LinkCode,
    PanelSession,
    ProviderLink,
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
    async def versions(self, business_id: int) -> tuple[int, int]:
        """``(data_version, catalog_version)`` of a business (see ``domain.model.Business``)."""
        ...


class StaffRepository(Protocol):
    async def add(self, staff: StaffMember) -> StaffMember: ...
    async def get(self, staff_id: int) -> StaffMember | None: ...
    async def names(self, staff_ids: Sequence[int]) -> dict[int, str]:
        """``{id: name}`` of these staff members (active or not), in one read."""
        ...

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
    async def get_many(self, client_ids: Sequence[int]) -> dict[int, Client]:
        """``{id: client}`` of these clients (missing ids left out), in one read."""
        ...

    async def get_by_telegram(self, business_id: int, telegram_user_id: int) -> Client | None: ...
    async def update(self, client: Client) -> None: ...
    async def businesses_of_telegram_user(
        self, telegram_user_id: int, limit: int = 10
    ) -> list[Business]:
        """Businesses this Telegram user is a client of, the most recent client first."""
        ...


class BookingRepository(Protocol):
    async def add(self, booking: Booking) -> Booking:
        """Insert the booking and its events. Raises ``SlotTaken`` if storage refuses an overlap."""
        ...

    async def get(self, booking_id: int) -> Booking | None:
        """The booking with its items and its history (events)."""
        ...

    async def with_history(self, bookings: Sequence[Booking]) -> list[Booking]:
        """These bookings (read without history, e.g. by ``for_client``) with their events
        filled in, in one read for all of them; returns them in the same order."""
        ...

    async def get_by_idempotency_key(self, business_id: int, key: str) -> Booking | None: ...

    async def save(self, booking: Booking) -> None:
        """Persist status, times, reason and any events not yet stored, and add one to
        ``booking.version``. Raises ``BookingChanged`` if the stored version is no longer the
        one that was read (someone else saved a change in between)."""
        ...

    async def lock_staff(self, staff_ids: Sequence[int]) -> None:
        """Serialize booking writes for these staff members until the transaction ends."""
        ...

    async def busy_between(
        self, staff_ids: Sequence[int], start: datetime, end: datetime
    ) -> list[Booking]:
        """Active bookings of these staff whose buffered span meets [start, end), light, for the
        availability engine: each carries one item summing up its visit (total duration, outer
        buffers, capacity, the service of a group class) and no history. Never pass these to
        ``save``. Reads only an indexed window: cost does not grow with the size of the table."""
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
        self,
        *,
        kind: str,
        business_id: int,
        booking_id: int | None,
        due_at: datetime,
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
    "ActionHandler",
    "BookingEvent",
    "BookingRepository",
    "BusinessRepository",
    "ClaimableOutbox",
    "ClientRepository",
    "DailyRepository",
    "DeliveryContext",
    "DeliveryDeferred",
    "LinkRepository",
    "Notifier",
    "OutboxItem",
    "OutboxRepository",
    "OutgoingMessage",
    "PanelQueryRepository",
    "PanelSessionRepository",
    "PanelUnitOfWork",
    "PanelUowFactory",
    "RecordSent",
    "ScheduleRepository",
    "SchedulerUnitOfWork",
    "SchedulerUowFactory",
    "ServiceRepository",
    "StaffRepository",
    "UnitOfWork",
    "UowFactory",
    "UserRepository",
]


# --- provider panel and Telegram linking (entities in domain/model.py) -----------------------


class PanelSessionRepository(Protocol):
    async def add(self, session: PanelSession) -> None: ...
    async def get(self, session_id: str) -> PanelSession | None: ...
    async def delete(self, session_id: str) -> None: ...
    async def delete_for_user(self, user_id: int, *, keep: str | None = None) -> int: ...


class LinkRepository(Protocol):
    async def add_code(self, code: LinkCode) -> None: ...

    async def claim_code(self, code_id: str, now: datetime) -> LinkCode | None:
        """Mark an unused, unexpired code used and return it; None otherwise (atomic)."""
        ...

    async def add_link(self, link: ProviderLink, now: datetime) -> ProviderLink:
        """Insert, or update the existing link of this Telegram account to this business."""
        ...

    async def links_for_telegram_user(self, telegram_user_id: int) -> list[ProviderLink]: ...
    async def links_for_business(self, business_id: int) -> list[ProviderLink]: ...


class PanelQueryRepository(Protocol):
    """Reads and small writes only the panel needs."""

    async def onboarding_step(self, business_id: int) -> int | None: ...
    async def set_onboarding_step(self, business_id: int, step: int) -> None: ...
    async def ical_token(self, business_id: int, staff_id: int | None = None) -> str: ...
    async def regenerate_ical_token(self, business_id: int, staff_id: int | None = None) -> str: ...
    async def find_ical_token(self, token: str) -> tuple[int, int | None] | None: ...
    async def exception_business(self, exception_id: int) -> int | None: ...
    async def time_off_owner(self, time_off_id: int) -> tuple[int, int | None] | None: ...

    async def claim_form_token(self, business_id: int, token: str) -> bool:
        """Record a creation form's one-time token; False if it was recorded before (atomic)."""
        ...

    async def search_clients(
        self, business_id: int, query: str, limit: int = 50
    ) -> list[Client]: ...
    async def client_stats(self, client_ids: Sequence[int]) -> dict[int, ClientStats]: ...
    async def future_active_bookings(
        self,
        business_id: int,
        after: datetime,
        *,
        staff_id: int | None = None,
        service_id: int | None = None,
    ) -> list[Booking]: ...


class PanelUnitOfWork(UnitOfWork, Protocol):
    """The provider's side (the panel and the provider's chat flows): Telegram links, panel
    sessions and the panel's queries on top of the use cases' repositories."""

    @property
    def links(self) -> LinkRepository: ...
    @property
    def sessions(self) -> PanelSessionRepository: ...
    @property
    def panel(self) -> PanelQueryRepository: ...

    async def __aenter__(self) -> PanelUnitOfWork: ...


# --- scheduler: claiming due outbox actions and delivering them ---------------------------------


@dataclass(frozen=True)
class OutboxItem:
    """A due action claimed by one poller.

    ``attempts`` includes this claim: it fences the marks, so a poller whose lease expired (and
    whose row another poller took again) can no longer mark the row. ``sent_to`` holds the
    recipients already told, so a retried fan-out does not repeat them.
    """

    id: int
    kind: str
    business_id: int
    booking_id: int | None
    due_at: datetime
    payload: str
    attempts: int
    sent_to: frozenset[str] = frozenset()


@dataclass
class DeliveryContext:
    """What a set of claimed actions needs to be checked and rendered, loaded in a few queries.

    Bookings come with their items but without events; ``links`` are a business's provider
    accounts; ``staff_names`` only what a message mentions.
    """

    bookings: dict[int, Booking] = field(default_factory=dict)
    businesses: dict[int, Business] = field(default_factory=dict)
    clients: dict[int, Client] = field(default_factory=dict)
    staff_names: dict[int, str] = field(default_factory=dict)
    links: dict[int, list[ProviderLink]] = field(default_factory=dict)


class ClaimableOutbox(OutboxRepository, Protocol):
    """The outbox as the poller sees it: atomic claiming of due rows and fenced marks; each call
    is meant to run in its own short transaction."""

    async def claim_due(
        self, now: datetime, *, limit: int, lease_seconds: float
    ) -> list[OutboxItem]:
        """Take up to ``limit`` rows due at ``now`` (or whose lease expired) for this poller."""
        ...

    async def mark_done(self, item: OutboxItem, now: datetime) -> bool: ...
    async def mark_retry(self, item: OutboxItem, due_at: datetime, error: str) -> bool: ...
    async def mark_dropped(self, item: OutboxItem, now: datetime, reason: str) -> bool: ...
    async def mark_failed(self, item: OutboxItem, now: datetime, error: str) -> bool: ...

    async def mark_sent_many(
        self, marks: Sequence[tuple[OutboxItem, str, bool]], now: datetime
    ) -> set[int]:
        """Record recipients as told, right after Telegram accepted their messages: one
        (item, recipient, done) per item, all in one write; with ``done`` the action is finished
        in the same write (its last recipient). Returns the ids whose mark was accepted."""
        ...

    async def load_context(self, items: Sequence[OutboxItem]) -> DeliveryContext:
        """Bookings, businesses, clients, staff names and provider links ``items`` refer to."""
        ...


class DeliveryDeferred(Exception):
    """The Notifier cannot send now (flood control, network); try again in ``retry_after`` s."""

    def __init__(self, retry_after: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class RecordSent(Protocol):
    """Records ``recipient`` as told; ``done=True`` also finishes the action in the same write."""

    async def __call__(self, recipient: str, *, done: bool = False) -> None: ...


class ActionHandler(Protocol):
    """Delivers a message action (``NOTIFY_*``, reminders, attendance requests); bot/ implements.

    Returns None when delivered, or why it was dropped (nobody to tell). Raises
    :class:`DeliveryDeferred` to be retried later; any other error is retried with backoff.
    ``record_sent(recipient)`` must be awaited right after each message is accepted, with
    ``done=True`` for the last one when the action is delivered (one write instead of two).
    ``context`` holds what the poller loaded for the item's batch (see :class:`DeliveryContext`).
    """

    async def handle(
        self,
        item: OutboxItem,
        context: DeliveryContext,
        *,
        now: datetime,
        record_sent: RecordSent,
    ) -> str | None: ...


# --- Telegram update de-duplication (bot webhook) -----------------------------------------------


class ProcessedUpdateRepository(Protocol):
    """Telegram updates already taken, by (bot_id, update_id), for de-duplication without Redis.

    Membership with a TTL, never "greater than the last id": update ids can jump.
    """

    async def claim(
        self,
        bot_id: int,
        update_id: int,
        *,
        now: datetime,
        ttl_seconds: int,
        lease_seconds: int | None = None,
    ) -> bool:
        """Record the update; False if it is already recorded and younger than the TTL.
        With ``lease_seconds`` the record lasts only that long unless :meth:`keep` follows."""
        ...

    async def keep(self, bot_id: int, update_id: int, *, now: datetime) -> None:
        """The update took effect: its record lasts the whole TTL from ``now``."""
        ...

    async def seen_at(self, bot_id: int, update_id: int) -> datetime | None:
        """From when the update's record counts (it lasts the TTL from then); None if absent."""
        ...

    async def release(self, bot_id: int, update_id: int) -> None:
        """Forget the update (its processing failed: the redelivery must be processed)."""
        ...

    async def purge_before(self, cutoff: datetime) -> int:
        """Drop records older than ``cutoff``; returns how many."""
        ...


class UpdateLogUnitOfWork(UnitOfWork, Protocol):
    @property
    def updates(self) -> ProcessedUpdateRepository: ...


# --- daily actions of a business (domain/daily.py, scheduler/daily.py) --------------------------


class DailyRepository(Protocol):
    """The outbox rows of daily actions, keyed by (kind, business, local date)."""

    async def planning_businesses(self) -> list[Business]:
        """Businesses someone would hear from: those with a linked provider account."""
        ...

    async def daily_rows(self, business_ids: Sequence[int], since: datetime) -> list[DailyRow]:
        """Daily rows of these businesses due at or after ``since``, any status."""
        ...

    async def retire_daily(self, row_ids: Sequence[int]) -> int:
        """Retire these rows if still pending, freeing their key; returns how many."""
        ...

    async def insert_daily(self, occurrences: Sequence[Occurrence]) -> int:
        """Insert pending rows; an occurrence already written (by anyone) is skipped."""
        ...


class SchedulerUnitOfWork(UnitOfWork, Protocol):
    """The time-driven side (the poller, the notification handler, the daily planner): the
    claimable outbox, the daily rows and the providers' links (whom to tell)."""

    @property
    def outbox(self) -> ClaimableOutbox: ...
    @property
    def daily(self) -> DailyRepository: ...
    @property
    def links(self) -> LinkRepository: ...
    async def __aenter__(self) -> SchedulerUnitOfWork: ...


# --- what entry points receive from app/: ``uow_factory()`` or ``uow_factory(read_only=True)`` --

UowFactory = Callable[..., UnitOfWork]
PanelUowFactory = Callable[..., PanelUnitOfWork]
SchedulerUowFactory = Callable[..., SchedulerUnitOfWork]
