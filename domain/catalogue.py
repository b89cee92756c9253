"""The catalogue: services a business offers, their bounds, and switching them off and on.

Each use case runs in one transaction and checks every value before writing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .booking import cancel_all
from .errors import InvalidInput
from .model import Actor, Service
from .ports import PanelUnitOfWork, UnitOfWork
from .validation import claim_once, number, owned_service, text

# Bounds of what a service may be (minutes, people); the panel says them in its messages.
DURATION = (5, 12 * 60)
BUFFER = (0, 240)
CAPACITY = (1, 100)
PRICE_MAX_MINOR = 100_000_000


@dataclass(frozen=True)
class ServiceForm:
    name: str
    duration_minutes: int
    price_minor: int
    description: str = ""
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    capacity: int = 1
    needs_approval: bool = False

    def checked(self) -> ServiceForm:
        return ServiceForm(
            name=text("name", self.name, max_len=120, required=True),
            duration_minutes=number("duration_minutes", self.duration_minutes, *DURATION),
            price_minor=number("price_minor", self.price_minor, 0, PRICE_MAX_MINOR),
            description=text("description", self.description, max_len=500),
            buffer_before_minutes=number(
                "buffer_before_minutes", self.buffer_before_minutes, *BUFFER
            ),
            buffer_after_minutes=number("buffer_after_minutes", self.buffer_after_minutes, *BUFFER),
            capacity=number("capacity", self.capacity, *CAPACITY),
            needs_approval=bool(self.needs_approval),
        )


async def save_service(
    uow: PanelUnitOfWork,
    *,
    business_id: int,
    form: ServiceForm,
    staff_ids: Sequence[int],
    service_id: int | None = None,
    once: str | None = None,
) -> Service:
    """Create (``service_id`` None) or edit a service and set who performs it; ``once`` is the
    creation form's one-time token (see :func:`claim_once`)."""
    form = form.checked()
    async with uow:
        await claim_once(uow, business_id, once)
        members = await uow.staff.list_for_business(business_id, include_inactive=True)
        known = {m.id for m in members}
        if any(s not in known for s in staff_ids):
            raise InvalidInput("staff_ids", "unknown")
        if service_id is None:
            count = len(await uow.services.list_for_business(business_id, include_inactive=True))
            service = await uow.services.add(
                Service(business_id=business_id, position=count, **form.__dict__)
            )
        else:
            service = replace(await owned_service(uow, business_id, service_id), **form.__dict__)
            await uow.services.update(service)
        assert service.id is not None
        for member in members:
            wanted = member.id in staff_ids
            if wanted != (service.id in member.service_ids):
                member.service_ids ^= {service.id}
                await uow.staff.update(member)
        await uow.commit()
    return service


async def deactivate_service(
    uow: PanelUnitOfWork,
    *,
    now: datetime,
    business_id: int,
    service_id: int,
    cancel_future: bool,
    actor: Actor,
    reason: str = "",
) -> int:
    """Stop offering a service. Future bookings stay unless ``cancel_future`` (then the clients
    are told). Returns how many bookings were cancelled."""
    async with uow:
        service = await owned_service(uow, business_id, service_id)
        service.active = False
        await uow.services.update(service)
        cancelled = 0
        if cancel_future:
            future = await uow.panel.future_active_bookings(business_id, now, service_id=service_id)
            cancelled = await cancel_all(uow, future, now, actor, reason)
        await uow.commit()
    return cancelled


async def reactivate_service(uow: UnitOfWork, *, business_id: int, service_id: int) -> None:
    async with uow:
        service = await owned_service(uow, business_id, service_id)
        service.active = True
        await uow.services.update(service)
        await uow.commit()
