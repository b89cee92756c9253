"""Small builders so tests read like the rule they check.

Times are written as strings: ``at("2026-03-10 09:00")`` is a UTC instant, ``wall(tz, ...)``
a local wall-clock time in ``tz`` converted to UTC (fold=0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from domain.availability import (
    ScheduleSnapshot,
    Slot,
    SlotQuery,
    find_slots,
    owner_days,
    slot_starting,
)
from domain.model import (
    Booking,
    BookingItem,
    BookingStatus,
    Business,
    DateException,
    Policies,
    Service,
    StaffMember,
    TimeOff,
    WeeklyInterval,
)

SAO_PAULO = "America/Sao_Paulo"
EVERY_DAY = range(7)


def t(hhmm: str) -> time:
    return time.fromisoformat(hhmm)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def at(iso: str) -> datetime:
    """A UTC instant: ``at("2026-03-10 12:00")``."""
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


def wall(zone: str, iso: str, fold: int = 0) -> datetime:
    """A local wall-clock time in ``zone`` as a UTC instant."""
    local = datetime.fromisoformat(iso).replace(tzinfo=ZoneInfo(zone), fold=fold)
    return local.astimezone(UTC)


def policies(**overrides: object) -> Policies:
    """Permissive defaults for engine tests: no notice, long horizon, 30-minute step."""
    base: dict[str, object] = {
        "min_notice_minutes": 0,
        "horizon_days": 365,
        "slot_step_minutes": 30,
    }
    base.update(overrides)
    return Policies(**base)  # type: ignore[arg-type]


def business(zone: str = SAO_PAULO, *, phone: str = "+5511999990000", **pol: object) -> Business:
    return Business(
        name="Barbearia",
        slug="barbearia",
        timezone=zone,
        phone=phone,
        id=1,
        policies=policies(**pol),
    )


def service(
    ident: int,
    minutes: int,
    *,
    before: int = 0,
    after: int = 0,
    capacity: int = 1,
    active: bool = True,
) -> Service:
    return Service(
        business_id=1,
        name=f"service {ident}",
        duration_minutes=minutes,
        price_minor=5000,
        buffer_before_minutes=before,
        buffer_after_minutes=after,
        capacity=capacity,
        active=active,
        id=ident,
    )


def weekly(spans: Iterable[str], days: Iterable[int] = EVERY_DAY) -> list[WeeklyInterval]:
    """``weekly(["09:00-12:00", "13:00-18:00"], days=range(5))``."""
    out = []
    for day in days:
        for span in spans:
            start, end = span.split("-")
            out.append(WeeklyInterval(day, t(start), t(end)))
    return out


def member(
    ident: int,
    spans: Iterable[str] = ("09:00-12:00",),
    *,
    services: Iterable[int] = (10,),
    days: Iterable[int] = EVERY_DAY,
    position: int = 0,
    max_daily: int | None = None,
    active: bool = True,
) -> StaffMember:
    return StaffMember(
        business_id=1,
        name=f"staff {ident}",
        service_ids=set(services),
        weekly_hours=weekly(spans, days),
        max_daily_bookings=max_daily,
        position=position,
        active=active,
        id=ident,
    )


def booked(
    staff_id: int,
    start: datetime,
    services: Sequence[Service],
    *,
    ident: int | None = None,
    status: BookingStatus = BookingStatus.CONFIRMED,
    client_id: int = 1,
) -> Booking:
    return Booking(
        business_id=1,
        staff_id=staff_id,
        client_id=client_id,
        items=[BookingItem.of(s) for s in services],
        start=start,
        status=status,
        id=ident,
    )


def closed(day: str, staff_id: int | None = None) -> DateException:
    return DateException(day=d(day), staff_id=staff_id)


def custom(day: str, spans: Iterable[str], staff_id: int | None = None) -> DateException:
    intervals = tuple((t(s.split("-")[0]), t(s.split("-")[1])) for s in spans)
    return DateException(day=d(day), staff_id=staff_id, intervals=intervals)


def off(start: datetime, end: datetime, staff_id: int | None = None) -> TimeOff:
    return TimeOff(start=start, end=end, staff_id=staff_id)


def snapshot(
    biz: Business,
    staff: Sequence[StaffMember],
    services: Sequence[Service],
    *,
    exceptions: Sequence[DateException] = (),
    time_off: Sequence[TimeOff] = (),
    bookings: Sequence[Booking] = (),
) -> ScheduleSnapshot:
    return ScheduleSnapshot(biz, list(staff), list(services), exceptions, time_off, bookings)


def query(
    services: Sequence[int],
    first: str,
    last: str | None = None,
    *,
    now: datetime,
    staff_id: int | None = None,
    ignore_notice: bool = False,
    exclude_booking_id: int | None = None,
) -> SlotQuery:
    return SlotQuery(
        service_ids=tuple(services),
        first_day=d(first),
        last_day=d(last or first),
        now=now,
        staff_id=staff_id,
        ignore_notice=ignore_notice,
        exclude_booking_id=exclude_booking_id,
    )


def hhmm(slots: Iterable[Slot]) -> list[str]:
    """Local start times as "HH:MM" (with the UTC offset when it matters, see ``hhmm_off``)."""
    return [s.local_start.strftime("%H:%M") for s in slots]


def hhmm_off(slots: Iterable[Slot]) -> list[str]:
    """Local start times with their UTC offset, e.g. "01:30-0400"."""
    return [s.local_start.strftime("%H:%M%z") for s in slots]


def slot_at(snapshot: ScheduleSnapshot, query: SlotQuery, start: datetime) -> Slot | None:
    """The slot starting exactly at ``start`` (UTC), found the way booking checks one: a search
    of the dates that can own ``start`` (:func:`owner_days`), then :func:`slot_starting`."""
    first, last = owner_days(snapshot.business, start)
    one_day = SlotQuery(
        service_ids=query.service_ids,
        first_day=first,
        last_day=last,
        now=query.now,
        staff_id=query.staff_id,
        ignore_notice=query.ignore_notice,
        exclude_booking_id=query.exclude_booking_id,
    )
    return slot_starting(snapshot, find_slots(snapshot, one_day), start)
