"""Entities and value objects of Agendei.

Times: instants are timezone-aware UTC ``datetime``; weekly hours and date exceptions are local
wall-clock ``time``/``date`` in the business's IANA zone. Money is an ``int`` in minor units.
Durations and policy offsets are whole minutes (``int``), which is what providers type and what
storage keeps.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta


class ConfirmationMode(enum.StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"

    @property
    def is_active(self) -> bool:
        """Active bookings hold their time: nobody else may take it."""
        return self in ACTIVE_STATUSES


ACTIVE_STATUSES = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED})


class BookingSource(enum.StrEnum):
    TELEGRAM = "telegram"
    PANEL = "panel"
    PROVIDER_CHAT = "provider_chat"
    SANDBOX = "sandbox"


class ActorKind(enum.StrEnum):
    CLIENT = "client"
    PROVIDER = "provider"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None  # client id, user id or staff id; None for the system

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)

    @classmethod
    def client(cls, client_id: int | None) -> Actor:
        return cls(ActorKind.CLIENT, client_id)

    @classmethod
    def provider(cls, user_id: int | None = None) -> Actor:
        return cls(ActorKind.PROVIDER, user_id)


@dataclass
class Policies:
    confirmation_mode: ConfirmationMode = ConfirmationMode.AUTOMATIC
    min_notice_minutes: int = 60
    horizon_days: int = 60
    slot_step_minutes: int = 15
    # A client may cancel or reschedule until this many minutes before the start.
    cancellation_window_minutes: int = 120
    # A request the provider leaves unanswered this long expires (manual confirmation only).
    request_expiry_minutes: int = 12 * 60
    reminder_offsets_minutes: tuple[int, ...] = (120,)
    # When to ask the client to confirm attendance; 0 disables it.
    attendance_request_minutes: int = 24 * 60
    # Local time of the provider's daily agenda digest; None: no digest (see domain/daily.py).
    daily_digest_at: time | None = None


@dataclass
class Business:
    name: str
    slug: str
    timezone: str = "America/Sao_Paulo"
    locale: str = "pt_BR"
    currency: str = "BRL"
    address: str = ""
    phone: str = ""
    kind: str = ""
    policies: Policies = field(default_factory=Policies)
    owner_user_id: int | None = None
    id: int | None = None


@dataclass(frozen=True)
class WeeklyInterval:
    """Working time on one weekday (0 = Monday), local wall clock. ``end <= start`` means the
    span ends on the next day (18:00-02:00; ``end`` 00:00: until midnight; 00:00-00:00: the
    whole day): it lasts ``(end - start) mod 24 h``, 0 meaning 24 h, and belongs to ``weekday``."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class DateException:
    """A whole local date that differs from the weekly hours.

    ``staff_id`` None means the whole business. ``intervals`` empty means closed that day;
    otherwise they replace the weekly hours for that date.
    """

    day: date
    staff_id: int | None = None
    intervals: tuple[tuple[time, time], ...] = ()
    note: str = ""
    id: int | None = None

    @property
    def closed(self) -> bool:
        return not self.intervals


@dataclass(frozen=True)
class TimeOff:
    """A blocked span of instants (UTC), for one staff member or (``staff_id`` None) everyone."""

    start: datetime
    end: datetime
    staff_id: int | None = None
    reason: str = ""
    id: int | None = None


@dataclass
class Service:
    business_id: int
    name: str
    duration_minutes: int
    price_minor: int = 0
    description: str = ""
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    capacity: int = 1
    active: bool = True
    position: int = 0
    id: int | None = None


@dataclass
class StaffMember:
    business_id: int
    name: str
    service_ids: set[int] = field(default_factory=set)
    weekly_hours: list[WeeklyInterval] = field(default_factory=list)
    max_daily_bookings: int | None = None
    active: bool = True
    position: int = 0
    telegram_user_id: int | None = None
    id: int | None = None

    def performs(self, service_ids: list[int] | tuple[int, ...]) -> bool:
        return all(s in self.service_ids for s in service_ids)


@dataclass
class Client:
    business_id: int
    telegram_user_id: int | None = None
    name: str = ""
    phone: str = ""
    locale: str = ""
    notes: str = ""
    unreachable: bool = False
    is_test: bool = False
    id: int | None = None

    def forget(self) -> None:
        """Erase personal data (LGPD); booking rows stay, pointing at an anonymous client."""
        self.name = ""
        self.phone = ""
        self.notes = ""
        self.telegram_user_id = None


@dataclass(frozen=True)
class BookingItem:
    """One service of a visit, copied from the service at booking time (prices change)."""

    service_id: int
    name: str
    duration_minutes: int
    price_minor: int
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    capacity: int = 1

    @classmethod
    def of(cls, service: Service) -> BookingItem:
        assert service.id is not None
        return cls(
            service_id=service.id,
            name=service.name,
            duration_minutes=service.duration_minutes,
            price_minor=service.price_minor,
            buffer_before_minutes=service.buffer_before_minutes,
            buffer_after_minutes=service.buffer_after_minutes,
            capacity=service.capacity,
        )


@dataclass(frozen=True)
class BookingEvent:
    at: datetime
    actor: Actor
    action: str
    from_status: BookingStatus | None
    to_status: BookingStatus | None
    note: str = ""


@dataclass
class Booking:
    business_id: int
    staff_id: int
    client_id: int
    items: list[BookingItem]
    start: datetime
    status: BookingStatus = BookingStatus.PENDING
    source: BookingSource = BookingSource.TELEGRAM
    notes: str = ""
    idempotency_key: str | None = None
    created_at: datetime | None = None
    attendance_confirmed_at: datetime | None = None
    reason: str = ""
    is_test: bool = False
    events: list[BookingEvent] = field(default_factory=list)
    id: int | None = None

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=sum(i.duration_minutes for i in self.items))

    @property
    def end(self) -> datetime:
        return self.start + self.duration

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.items[0].buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.items[-1].buffer_after_minutes)

    @property
    def block_start(self) -> datetime:
        """Start of the span this booking keeps from others (buffers included)."""
        return self.start - self.buffer_before

    @property
    def block_end(self) -> datetime:
        return self.end + self.buffer_after

    @property
    def price_minor(self) -> int:
        return sum(i.price_minor for i in self.items)

    @property
    def capacity(self) -> int:
        """Clients that may share this exact slot: more than one only for a single group service."""
        return self.items[0].capacity if len(self.items) == 1 else 1

    @property
    def group_key(self) -> str | None:
        """Bookings with the same key may overlap each other (a group class); others never."""
        if self.capacity <= 1:
            return None
        # Formatted from UTC: the same class must get the same key whatever zone start came in.
        at = self.start.astimezone(UTC)
        return f"g{self.items[0].service_id}@{at.strftime('%Y%m%dT%H%M')}"

    @property
    def service_ids(self) -> tuple[int, ...]:
        return tuple(i.service_id for i in self.items)


@dataclass
class User:
    """A provider's panel account. The password hash is made outside the domain (argon2id)."""

    email: str
    password_hash: str
    locale: str = "pt_BR"
    id: int | None = None


def summarize(booking: Booking) -> Booking:
    """The light form of a booking the availability engine reads (``busy_between``): one item
    with the visit's total duration, outer buffers and capacity; no history."""
    items = booking.items
    return Booking(
        id=booking.id,
        business_id=booking.business_id,
        staff_id=booking.staff_id,
        client_id=booking.client_id,
        start=booking.start,
        status=booking.status,
        items=[
            BookingItem(
                service_id=items[0].service_id,
                name="",
                duration_minutes=sum(i.duration_minutes for i in items),
                price_minor=0,
                buffer_before_minutes=items[0].buffer_before_minutes,
                buffer_after_minutes=items[-1].buffer_after_minutes,
                capacity=booking.capacity,
            )
        ],
    )
