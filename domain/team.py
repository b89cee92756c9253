"""The team: professionals, what they perform, time off, closures.

Read models return exactly what one page shows, so the panel never reads repositories; the use
cases (add, edit, switch off and on a professional) each run in one transaction and check every
value before writing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .booking import cancel_all
from .errors import InvalidInput
from .model import Actor, Booking, DateException, Service, StaffMember, TimeOff, WeeklyInterval
from .ports import PanelUnitOfWork, UnitOfWork
from .validation import check_weekly, claim_once, number, owned_staff, text

AHEAD = timedelta(days=366)  # how far ahead time off and closures are listed


async def active_team(uow: UnitOfWork, business_id: int) -> list[StaffMember]:
    """The active professionals, in the business's order."""
    return await uow.staff.list_for_business(business_id)


async def active_services(uow: UnitOfWork, business_id: int) -> list[Service]:
    """The services clients can book now, in the business's order."""
    return await uow.services.list_for_business(business_id)


@dataclass(frozen=True)
class TeamOverview:
    staff: list[StaffMember]  # inactive ones too
    service_names: dict[int | None, str]  # every service, inactive ones too


async def team_overview(uow: UnitOfWork, business_id: int) -> TeamOverview:
    staff = await uow.staff.list_for_business(business_id, include_inactive=True)
    services = await uow.services.list_for_business(business_id, include_inactive=True)
    return TeamOverview(staff, {s.id: s.name for s in services})


@dataclass(frozen=True)
class MemberForm:
    services: list[Service]  # the active services a professional may perform
    time_off: list[TimeOff]  # the member's coming time off (none for a new member)


async def member_form(
    uow: UnitOfWork, business_id: int, staff_id: int | None, now: datetime
) -> MemberForm:
    services = await active_services(uow, business_id)
    if staff_id is None:
        return MemberForm(services, [])
    time_off = await uow.schedule.time_off_between(business_id, now, now + AHEAD)
    return MemberForm(services, [x for x in time_off if x.staff_id == staff_id])


async def future_bookings(
    uow: PanelUnitOfWork,
    business_id: int,
    now: datetime,
    *,
    staff_id: int | None = None,
    service_id: int | None = None,
) -> list[Booking]:
    """Active bookings after ``now`` that removing this professional (or service) touches."""
    return await uow.panel.future_active_bookings(
        business_id, now, staff_id=staff_id, service_id=service_id
    )


@dataclass(frozen=True)
class HoursOverview:
    closures: list[DateException]  # business-wide days off from ``today`` on
    staff: list[StaffMember]  # the active professionals


async def hours_overview(uow: UnitOfWork, business_id: int, today: date) -> HoursOverview:
    exceptions = await uow.schedule.exceptions_between(business_id, today, today + AHEAD)
    staff = await uow.staff.list_for_business(business_id)
    return HoursOverview([e for e in exceptions if e.staff_id is None], staff)


@dataclass(frozen=True)
class ServicesOverview:
    services: list[Service]  # inactive ones too
    performers: dict[int | None, list[str]]  # service id -> names of who performs it


async def services_overview(uow: UnitOfWork, business_id: int) -> ServicesOverview:
    services = await uow.services.list_for_business(business_id, include_inactive=True)
    staff = await uow.staff.list_for_business(business_id)
    performers = {s.id: [m.name for m in staff if s.id in m.service_ids] for s in services}
    return ServicesOverview(services, performers)


# --- professionals: add, edit, switch off and on -----------------------------------------------


async def save_staff(
    uow: PanelUnitOfWork,
    *,
    business_id: int,
    name: str,
    service_ids: Sequence[int],
    weekly_hours: Sequence[WeeklyInterval],
    max_daily_bookings: int | None = None,
    staff_id: int | None = None,
    once: str | None = None,
) -> StaffMember:
    name = text("name", name, max_len=120, required=True)
    hours = check_weekly(weekly_hours)
    if max_daily_bookings is not None:
        number("max_daily_bookings", max_daily_bookings, 1, 100)
    async with uow:
        await claim_once(uow, business_id, once)
        services = await uow.services.list_for_business(business_id, include_inactive=True)
        known = {s.id for s in services}
        if any(s not in known for s in service_ids):
            raise InvalidInput("service_ids", "unknown")
        if staff_id is None:
            count = len(await uow.staff.list_for_business(business_id, include_inactive=True))
            member = await uow.staff.add(
                StaffMember(
                    business_id=business_id,
                    name=name,
                    service_ids=set(service_ids),
                    weekly_hours=hours,
                    max_daily_bookings=max_daily_bookings,
                    position=count,
                )
            )
        else:
            member = await owned_staff(uow, business_id, staff_id)
            member.name = name
            member.service_ids = set(service_ids)
            member.weekly_hours = hours
            member.max_daily_bookings = max_daily_bookings
            await uow.staff.update(member)
        await uow.commit()
    return member


async def deactivate_staff(
    uow: PanelUnitOfWork,
    *,
    now: datetime,
    business_id: int,
    staff_id: int,
    cancel_future: bool,
    actor: Actor,
    reason: str = "",
) -> int:
    async with uow:
        member = await owned_staff(uow, business_id, staff_id)
        member.active = False
        await uow.staff.update(member)
        cancelled = 0
        if cancel_future:
            future = await uow.panel.future_active_bookings(business_id, now, staff_id=staff_id)
            cancelled = await cancel_all(uow, future, now, actor, reason)
        await uow.commit()
    return cancelled


async def reactivate_staff(uow: UnitOfWork, *, business_id: int, staff_id: int) -> None:
    async with uow:
        member = await owned_staff(uow, business_id, staff_id)
        member.active = True
        await uow.staff.update(member)
        await uow.commit()
