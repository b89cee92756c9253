"""A small real business in storage, for integration tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from domain.model import (
    Business,
    Client,
    ConfirmationMode,
    Policies,
    Service,
    StaffMember,
    WeeklyInterval,
)
from domain.ports import UnitOfWork


@dataclass
class Seeded:
    business_id: int
    service_ids: dict[str, int]
    staff_ids: list[int]
    client_ids: list[int] = field(default_factory=list)


async def seed_business(
    uow: UnitOfWork,
    *,
    slug: str = "barbearia",
    timezone: str = "America/Sao_Paulo",
    staff: int = 1,
    clients: int = 2,
    capacity: int = 1,
    mode: ConfirmationMode = ConfirmationMode.AUTOMATIC,
    min_notice_minutes: int = 0,
    hours: tuple[time, time] = (time(9), time(18)),
    weekdays: range = range(6),
) -> Seeded:
    """A business open ``hours`` on ``weekdays`` with a 30-min cut (+ a 60-min group class if
    ``capacity`` > 1) performed by every staff member."""
    async with uow:
        business = await uow.businesses.add(
            Business(
                name=f"Negócio {slug}",
                slug=slug,
                timezone=timezone,
                phone="+55 11 3333-4444",
                policies=Policies(
                    confirmation_mode=mode,
                    min_notice_minutes=min_notice_minutes,
                    slot_step_minutes=15,
                    horizon_days=90,
                ),
            )
        )
        assert business.id is not None
        services = {
            "corte": await uow.services.add(
                Service(
                    business_id=business.id, name="Corte", duration_minutes=30, price_minor=4500
                )
            ),
            "barba": await uow.services.add(
                Service(
                    business_id=business.id, name="Barba", duration_minutes=20, price_minor=3000
                )
            ),
            "longo": await uow.services.add(
                Service(
                    business_id=business.id,
                    name="Tratamento",
                    duration_minutes=90,
                    price_minor=15000,
                )
            ),
        }
        if capacity > 1:
            services["aula"] = await uow.services.add(
                Service(
                    business_id=business.id,
                    name="Aula",
                    duration_minutes=60,
                    price_minor=5000,
                    capacity=capacity,
                )
            )
        service_ids = {name: s.id for name, s in services.items() if s.id is not None}
        staff_ids = []
        for n in range(staff):
            member = await uow.staff.add(
                StaffMember(
                    business_id=business.id,
                    name=f"Profissional {n + 1}",
                    service_ids=set(service_ids.values()),
                    weekly_hours=[WeeklyInterval(d, hours[0], hours[1]) for d in weekdays],
                    position=n,
                )
            )
            assert member.id is not None
            staff_ids.append(member.id)
        client_ids = []
        for n in range(clients):
            client = await uow.clients.add(
                Client(business_id=business.id, telegram_user_id=900_000 + n, name=f"Cliente {n}")
            )
            assert client.id is not None
            client_ids.append(client.id)
        await uow.commit()
    return Seeded(business.id, service_ids, staff_ids, client_ids)
