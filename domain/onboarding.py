"""The panel's set-up wizard: business profile, first service, working hours, booking link.

Progress is stored per business (``uow.panel.onboarding_step``), so a provider who leaves in the
middle comes back to the step they were on. A business that already has services (made by the
command line or the bot) counts as set up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .catalogue import ServiceForm
from .errors import NotFound
from .model import Service, StaffMember, WeeklyInterval
from .ports import PanelUnitOfWork
from .validation import check_weekly, claim_once, text

PROFILE, SERVICE, HOURS, DONE = 1, 2, 3, 4


async def current_step(uow: PanelUnitOfWork, *, business_id: int) -> int:
    async with uow:
        step = await uow.panel.onboarding_step(business_id)
        if step is None:
            has_services = bool(await uow.services.list_for_business(business_id))
            return DONE if has_services else PROFILE
    return step


async def _advance(uow: PanelUnitOfWork, business_id: int, to: int) -> None:
    step = await uow.panel.onboarding_step(business_id) or PROFILE
    if to > step:
        await uow.panel.set_onboarding_step(business_id, to)


async def profile_saved(uow: PanelUnitOfWork, *, business_id: int) -> None:
    async with uow:
        await _advance(uow, business_id, SERVICE)
        await uow.commit()


async def add_first_service(
    uow: PanelUnitOfWork,
    *,
    business_id: int,
    form: ServiceForm,
    owner_name: str,
    once: str | None = None,
) -> tuple[Service, StaffMember]:
    """The first service, performed by the owner as the first professional (created here).

    ``once`` is the form's one-time token: the same form sent again (Back, double tap) raises
    :class:`AlreadyDone` instead of creating the service twice."""
    form = form.checked()
    owner_name = text("owner_name", owner_name, max_len=120, required=True)
    async with uow:
        if await uow.businesses.get(business_id) is None:
            raise NotFound("business", business_id)
        await claim_once(uow, business_id, once)
        existing = await uow.services.list_for_business(business_id, include_inactive=True)
        if existing:
            # The wizard's step again (Back, then "continue"): it edits THE first service
            # instead of adding a second one.
            service = replace(existing[0], **form.__dict__)
            await uow.services.update(service)
        else:
            service = await uow.services.add(Service(business_id=business_id, **form.__dict__))
        assert service.id is not None
        members = await uow.staff.list_for_business(business_id)
        if members:  # the wizard was restarted: give the owner this service too
            member = members[0]
            member.service_ids.add(service.id)
            member.name = owner_name
            await uow.staff.update(member)
        else:
            member = await uow.staff.add(
                StaffMember(business_id=business_id, name=owner_name, service_ids={service.id})
            )
        await _advance(uow, business_id, HOURS)
        await uow.commit()
    return service, member


async def set_first_hours(
    uow: PanelUnitOfWork, *, business_id: int, weekly_hours: Sequence[WeeklyInterval]
) -> StaffMember:
    """Weekly hours of the first professional (the owner); at least one interval."""
    hours = check_weekly(weekly_hours)
    if not hours:
        raise_required()
    async with uow:
        members = await uow.staff.list_for_business(business_id)
        if not members:
            raise NotFound("staff")
        member = members[0]
        member.weekly_hours = hours
        await uow.staff.update(member)
        await _advance(uow, business_id, DONE)
        await uow.commit()
    return member


def raise_required() -> None:
    from .errors import InvalidInput

    raise InvalidInput("hours", "required")
