"""The team as the provider's pages show it: professionals, what they perform, time off, closures.

Read models: each returns exactly what one page shows, so the panel never reads repositories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .model import Booking, DateException, Service, StaffMember, TimeOff
from .ports import PanelUnitOfWork, UnitOfWork

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
