"""SQLModel tables. Table rows are not domain objects: repositories map between the two."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import UTCDateTime


def _utc(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class UserRow(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    locale: str = Field(default="pt_BR", max_length=10)
    created_at: datetime = Field(sa_column=_utc())


class BusinessRow(SQLModel, table=True):
    __tablename__ = "businesses"

    id: int | None = Field(default=None, primary_key=True)
    owner_user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    name: str = Field(max_length=120)
    slug: str = Field(max_length=64, unique=True)
    kind: str = Field(default="", max_length=60)
    timezone: str = Field(default="America/Sao_Paulo", max_length=64)
    locale: str = Field(default="pt_BR", max_length=10)
    currency: str = Field(default="BRL", max_length=3)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=40)
    confirmation_mode: str = Field(default="automatic", max_length=16)
    min_notice_minutes: int = 60
    horizon_days: int = 60
    slot_step_minutes: int = 15
    cancellation_window_minutes: int = 120
    request_expiry_minutes: int = 720
    reminder_offsets: str = Field(default="120", max_length=100)
    attendance_request_minutes: int = 1440
    # Local time of the provider's daily agenda digest; NULL: off.
    digest_time: time | None = None
    # After no_show_limit no-shows within no_show_window_days, bookings wait for approval (0: off).
    no_show_limit: int = 0
    no_show_window_days: int = 90
    ical_token: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_column=_utc())
    # Bumped by database triggers on every write that can change availability (migration 0007):
    # the key of the availability cache. Never written by the application.
    data_version: int = Field(
        default=0, sa_column=Column(BigInteger(), nullable=False, server_default="0")
    )
    # Moves with the same writes except bookings: the key of the cached catalog and calendar.
    catalog_version: int = Field(
        default=0, sa_column=Column(BigInteger(), nullable=False, server_default="0")
    )


class StaffRow(SQLModel, table=True):
    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="businesses.id", index=True)
    name: str = Field(max_length=120)
    max_daily_bookings: int | None = None
    active: bool = True
    position: int = 0
    telegram_user_id: int | None = Field(default=None, index=True, sa_type=BigInteger)
    ical_token: str = Field(default="", max_length=64)


class ServiceRow(SQLModel, table=True):
    __tablename__ = "services"

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="businesses.id", index=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)
    duration_minutes: int
    price_minor: int = 0
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    capacity: int = 1
    active: bool = True
    position: int = 0
    # Bookings of this service wait for the provider even in an automatic business.
    needs_approval: bool = False


class StaffServiceRow(SQLModel, table=True):
    __tablename__ = "staff_services"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    service_id: int = Field(foreign_key="services.id", primary_key=True, index=True)


class WeeklyHoursRow(SQLModel, table=True):
    __tablename__ = "weekly_hours"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    weekday: int
    start_time: time
    end_time: time


class DateExceptionRow(SQLModel, table=True):
    __tablename__ = "date_exceptions"
    __table_args__ = (Index("ix_date_exceptions_business_day", "business_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="businesses.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    day: date
    # "HH:MM-HH:MM,HH:MM-HH:MM"; empty means closed all day.
    intervals: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=200)


class TimeOffRow(SQLModel, table=True):
    __tablename__ = "time_off"
    __table_args__ = (Index("ix_time_off_business_start", "business_id", "start_at"),)

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="businesses.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    start_at: datetime = Field(sa_column=_utc())
    end_at: datetime = Field(sa_column=_utc())
    reason: str = Field(default="", max_length=200)


class ClientRow(SQLModel, table=True):
    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("business_id", "telegram_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="businesses.id", index=True)
    telegram_user_id: int | None = Field(default=None, sa_type=BigInteger)
    name: str = Field(default="", max_length=120)
    phone: str = Field(default="", max_length=40)
    locale: str = Field(default="", max_length=10)
    notes: str = Field(default="", max_length=1000)
    unreachable: bool = False
    is_test: bool = False
    created_at: datetime = Field(sa_column=_utc())
    # No-shows before this instant no longer count for the no-show policy.
    no_shows_forgiven_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class BookingRow(SQLModel, table=True):
    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("business_id", "idempotency_key"),
        # The availability engine and the overlap check read one staff member's window.
        Index("ix_bookings_staff_block", "staff_id", "block_start"),
        Index("ix_bookings_business_start", "business_id", "start_at"),
        Index("ix_bookings_client_start", "client_id", "start_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="businesses.id")
    staff_id: int = Field(foreign_key="staff.id")
    client_id: int = Field(foreign_key="clients.id")
    start_at: datetime = Field(sa_column=_utc())
    end_at: datetime = Field(sa_column=_utc())
    # Start/end widened by buffers: the span no other booking of the staff member may meet.
    block_start: datetime = Field(sa_column=_utc())
    block_end: datetime = Field(sa_column=_utc())
    status: str = Field(max_length=16)
    source: str = Field(max_length=16)
    notes: str = Field(default="", max_length=1000)
    idempotency_key: str | None = Field(default=None, max_length=64)
    # Bookings sharing a group key (a group class) may overlap; see domain Booking.group_key.
    group_key: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="", max_length=500)
    attendance_confirmed_at: datetime | None = Field(sa_column=_utc(nullable=True))
    is_test: bool = False
    created_at: datetime = Field(sa_column=_utc())
    # Bumped on every saved change; buttons and forms carry the version they were drawn for.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class BookingItemRow(SQLModel, table=True):
    __tablename__ = "booking_items"

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="bookings.id", index=True)
    position: int
    service_id: int = Field(foreign_key="services.id")
    name: str = Field(max_length=120)
    duration_minutes: int
    price_minor: int
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    capacity: int = 1


class BookingEventRow(SQLModel, table=True):
    __tablename__ = "booking_events"

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="bookings.id", index=True)
    at: datetime = Field(sa_column=_utc())
    actor_kind: str = Field(max_length=16)
    actor_id: int | None = None
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    note: str = Field(default="", max_length=500)


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        Index("ix_outbox_booking", "booking_id"),
        # Daily actions: one row per (kind, business, local date), whoever plans it; NULL
        # (every other row, and retired daily rows) never clashes.
        Index("ux_outbox_dedup_key", "dedup_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="businesses.id")
    booking_id: int | None = Field(default=None, foreign_key="bookings.id")
    kind: str = Field(max_length=32)
    due_at: datetime = Field(sa_column=_utc())
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    locked_until: datetime | None = Field(sa_column=_utc(nullable=True))
    last_error: str = Field(default="", max_length=500)
    payload: str = Field(default="", max_length=2000)
    created_at: datetime = Field(sa_column=_utc())
    # Recipients already told ("c:<chat id>" per line), so a retried fan-out repeats nobody.
    sent_to: str = Field(default="", max_length=2000)
    # When the row left the queue (done, dropped or failed).
    finished_at: datetime | None = Field(sa_column=_utc(nullable=True))
    dedup_key: str | None = Field(default=None, max_length=120)


class ProcessedUpdateRow(SQLModel, table=True):
    """Telegram updates already taken, for de-duplication without Redis."""

    __tablename__ = "processed_updates"

    bot_id: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    update_id: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    seen_at: datetime = Field(sa_column=_utc(index=True))


class PanelSessionRow(SQLModel, table=True):
    __tablename__ = "panel_sessions"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie token
    user_id: int = Field(foreign_key="users.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())


class LinkCodeRow(SQLModel, table=True):
    """One-time codes that link a provider's Telegram account to a business."""

    __tablename__ = "link_codes"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the code
    business_id: int = Field(foreign_key="businesses.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    expires_at: datetime = Field(sa_column=_utc())
    used_at: datetime | None = Field(sa_column=_utc(nullable=True))


class ProviderLinkRow(SQLModel, table=True):
    """A Telegram account allowed to act for a business (owner when staff_id is None)."""

    __tablename__ = "provider_links"
    __table_args__ = (UniqueConstraint("business_id", "telegram_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="businesses.id")
    telegram_user_id: int = Field(index=True, sa_type=BigInteger)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    locale: str = Field(default="", max_length=10)
    created_at: datetime = Field(sa_column=_utc())


class OnboardingRow(SQLModel, table=True):
    """How far a business got in the panel's set-up wizard (no row: not started)."""

    __tablename__ = "onboarding_progress"

    business_id: int = Field(
        foreign_key="businesses.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    step: int = 0
    updated_at: datetime = Field(sa_column=_utc())


class FormTokenRow(SQLModel, table=True):
    """One-time tokens of the panel's creation forms already used (a second post is a repeat)."""

    __tablename__ = "form_tokens"

    token: str = Field(primary_key=True, max_length=64)
    business_id: int = Field(foreign_key="businesses.id")
    used_at: datetime = Field(sa_column=_utc())


metadata = SQLModel.metadata
