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

from .errors import BookingChanged, TooEarly
from .states import ACTIVE_STATUSES, BookingEventName, BookingStatus, allows, next_status

__all__ = ["ACTIVE_STATUSES", "BookingEventName", "BookingStatus"]  # their home is states.py


class ConfirmationMode(enum.StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


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
    # A client may cancel or reschedule until this many minutes before the start
    # (Booking.client_deadline is the one place this is turned into an instant).
    cancellation_window_minutes: int = 120
    # A request the provider leaves unanswered this long expires (manual confirmation only).
    request_expiry_minutes: int = 12 * 60
    reminder_offsets_minutes: tuple[int, ...] = (120,)
    # When to ask the client to confirm attendance; 0 disables it.
    attendance_request_minutes: int = 24 * 60
    # Local time of the provider's daily agenda digest; None: no digest (see domain/daily.py).
    daily_digest_at: time | None = None
    # After this many no-shows within ``no_show_window_days`` a client's bookings wait for the
    # provider's approval; 0: off (see domain/noshow.py).
    no_show_limit: int = 0
    no_show_window_days: int = 90


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
    # Moves whenever something that can change availability is written (storage keeps it, in
    # the same transaction as the write); the availability cache's key. Not part of equality.
    data_version: int = field(default=0, compare=False)
    # Moves with the same writes except bookings: services, staff, hours, exceptions, time off,
    # policies. The key of the cached catalog and calendar.
    catalog_version: int = field(default=0, compare=False)


@dataclass(frozen=True)
class WeeklyInterval:
    """Working time on one weekday (0 = Monday), local wall clock.

    ``end <= start`` means the span ends the next day (``18:00–02:00``; ``00:00`` = until
    midnight); it lasts ``(end - start) mod 24 h``, 0 meaning 24 h (see :mod:`domain.hours`).
    """

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
    # Bookings of this service wait for the provider's approval, even in an automatic business.
    needs_approval: bool = False
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
    # No-shows before this instant no longer count for the no-show policy (the provider forgave).
    no_shows_forgiven_at: datetime | None = None
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
    action: BookingEventName
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
    # Bumped by storage on every saved change (status, time, staff, reason...). Buttons and
    # forms carry the version they were drawn for; see :meth:`check_version`.
    version: int = 1

    # ------------------------------------------------------------------ changes
    # Every change goes through :meth:`_happen`, over the one table in domain/states.py.

    def _happen(
        self, event: BookingEventName, *, now: datetime, actor: Actor, note: str = ""
    ) -> BookingEvent:
        target = next_status(self.status, event)
        record = BookingEvent(now, actor, event, self.status, target, note)
        self.events.append(record)
        self.status = target
        return record

    def created(self, *, now: datetime, actor: Actor) -> None:
        """Record the creation in the history (the first event; the status is the initial one)."""
        self.events.append(BookingEvent(now, actor, BookingEventName.CREATED, None, self.status))

    def confirm(self, *, now: datetime, actor: Actor) -> None:
        self._happen(BookingEventName.CONFIRMED, now=now, actor=actor)

    def decline(self, *, now: datetime, actor: Actor, reason: str = "") -> None:
        self._happen(BookingEventName.DECLINED, now=now, actor=actor, note=reason)
        self._keep_reason(reason)

    def cancel(self, *, now: datetime, actor: Actor, reason: str = "") -> None:
        self._happen(BookingEventName.CANCELLED, now=now, actor=actor, note=reason)
        self._keep_reason(reason)

    def expire(self, *, now: datetime) -> None:
        self._happen(BookingEventName.EXPIRED, now=now, actor=Actor.system())

    def complete(self, *, now: datetime, actor: Actor) -> None:
        """The client came. Only from the start on (:class:`TooEarly` before)."""
        self._require_started(now, BookingEventName.COMPLETED)
        self._happen(BookingEventName.COMPLETED, now=now, actor=actor)

    def mark_no_show(self, *, now: datetime, actor: Actor) -> None:
        """The client did not come. Only from the start on (:class:`TooEarly` before)."""
        self._require_started(now, BookingEventName.NO_SHOW)
        self._happen(BookingEventName.NO_SHOW, now=now, actor=actor)

    def clear_test(self, *, now: datetime, actor: Actor) -> None:
        self._happen(BookingEventName.TEST_CLEARED, now=now, actor=actor)

    def move(self, *, now: datetime, actor: Actor, start: datetime, staff_id: int) -> None:
        """Another time (and maybe another professional); the status stays. The note names
        the old start (and staff) so the history says where it came from."""
        next_status(self.status, BookingEventName.RESCHEDULED)  # refuse before touching it
        note = f"from {self.start.isoformat()}"
        if self.staff_id != staff_id:
            note += f" staff {self.staff_id}"
        self.start, self.staff_id = start, staff_id
        self._happen(BookingEventName.RESCHEDULED, now=now, actor=actor, note=note)

    def confirm_attendance(self, *, now: datetime, actor: Actor) -> bool:
        """The client says they will come; False (and no change) if they already said so."""
        next_status(self.status, BookingEventName.ATTENDANCE_CONFIRMED)
        if self.attendance_confirmed_at is not None:
            return False
        self.attendance_confirmed_at = now
        self._happen(BookingEventName.ATTENDANCE_CONFIRMED, now=now, actor=actor)
        return True

    def can(self, event: BookingEventName) -> bool:
        """Whether ``event`` may happen now (e.g. to decide which buttons to draw)."""
        return allows(self.status, event)

    def check_version(self, expected: int | None) -> None:
        """Refuse an action drawn for another version of this booking (``None``: no check)."""
        if expected is not None and expected != self.version:
            raise BookingChanged(self.id or 0, expected, self)

    def client_deadline(self, policies: Policies) -> datetime:
        """The last instant the client may cancel or reschedule on their own (inclusive)."""
        return self.start - timedelta(minutes=max(0, policies.cancellation_window_minutes))

    def _keep_reason(self, reason: str) -> None:
        if reason:
            self.reason = reason

    def _require_started(self, now: datetime, event: BookingEventName) -> None:
        next_status(self.status, event)  # a final booking says so before "too early"
        if now < self.start:
            raise TooEarly(self.start)

    # ------------------------------------------------------------------ derived

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


# --- provider panel and Telegram linking: sessions, link codes, links, client stats ---


@dataclass(frozen=True)
class PanelSession:
    """A logged-in browser. ``id`` is the SHA-256 of the cookie token: a leaked table is useless."""

    id: str
    user_id: int
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class LinkCode:
    """A one-time code that connects a Telegram account to a business (``id``: its SHA-256)."""

    id: str
    business_id: int
    staff_id: int | None
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True)
class ProviderLink:
    """A Telegram account allowed to act for a business (the owner when ``staff_id`` is None)."""

    business_id: int
    telegram_user_id: int
    staff_id: int | None = None
    locale: str = ""
    id: int | None = None


@dataclass(frozen=True)
class ClientStats:
    visits: int = 0
    no_shows: int = 0
    cancellations: int = 0
    last_visit: datetime | None = None

    @property
    def attendance_percent(self) -> int | None:
        """Visits over visits + no-shows, in whole percent; None before the first finished one."""
        finished = self.visits + self.no_shows
        return None if finished == 0 else round(100 * self.visits / finished)
