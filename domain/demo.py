"""The demo business a first run seeds: a barbershop in São Paulo with a few bookings.

Only for an empty database (no business at all): a real deployment, or a second start, never
gets it. Bookings go through the real ``book``/use cases, so the demo holds nothing the product
could not have made itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import booking as use_cases
from .errors import DomainError
from .model import (
    Actor,
    Booking,
    BookingSource,
    Business,
    Client,
    ConfirmationMode,
    Policies,
    Service,
    StaffMember,
    User,
    WeeklyInterval,
)
from .ports import UnitOfWork

DEMO_EMAIL = "demo@agendei.local"
DEMO_SLUG = "barbearia-demo"
ZONE = "America/Sao_Paulo"

# name, minutes, price in centavos
SERVICES = (
    ("Corte masculino", 30, 4500),
    ("Barba", 30, 3500),
    ("Corte + barba", 60, 7000),
    ("Sobrancelha", 15, 2000),
)
# name, weekdays (0 = Monday), opens, closes
STAFF = (
    ("Carlos", range(0, 6), time(9), time(19)),
    ("Rafael", range(1, 6), time(10), time(18)),
)
# (days ahead, local hour, client name, phone, service index, staff index)
CONFIRMED = (
    (1, 10, "João Pereira", "+5511987650001", 0, 0),
    (1, 15, "Pedro Santos", "+5511987650002", 2, 1),
    (2, 11, "Lucas Oliveira", "+5511987650003", 1, 0),
    (3, 16, "Marcos Lima", "+5511987650004", 0, 1),
)
REQUEST = (2, 14, "Thiago Costa", "+5511987650005", 2, 0)


@dataclass(frozen=True)
class DemoSeed:
    user: User
    business: Business
    bookings: list[Booking]


async def seed_demo(
    factory: Callable[..., UnitOfWork], *, now: datetime, password_hash: str
) -> DemoSeed | None:
    """Create the demo account and business when the database has no business yet.

    Returns None (and writes nothing) when a business or the demo account already exists.
    """
    uow = factory()
    async with uow:
        if await uow.businesses.list_all(limit=1) or await uow.users.get_by_email(DEMO_EMAIL):
            return None
        user = await uow.users.add(User(email=DEMO_EMAIL, password_hash=password_hash))
        business = await uow.businesses.add(
            Business(
                name="Barbearia Demo",
                slug=DEMO_SLUG,
                timezone=ZONE,
                kind="barbershop",
                address="Rua Augusta, 1500 — Consolação, São Paulo",
                phone="+55 11 3333-0000",
                owner_user_id=user.id,
                policies=Policies(
                    confirmation_mode=ConfirmationMode.MANUAL,
                    min_notice_minutes=60,
                    horizon_days=30,
                    slot_step_minutes=30,
                ),
            )
        )
        assert business.id is not None
        services = []
        for position, (name, minutes, price) in enumerate(SERVICES):
            services.append(
                await uow.services.add(
                    Service(
                        business_id=business.id,
                        name=name,
                        duration_minutes=minutes,
                        price_minor=price,
                        position=position,
                    )
                )
            )
        service_ids = {s.id for s in services if s.id is not None}
        staff = []
        for position, (name, days, opens, closes) in enumerate(STAFF):
            staff.append(
                await uow.staff.add(
                    StaffMember(
                        business_id=business.id,
                        name=name,
                        service_ids=set(service_ids),
                        weekly_hours=[WeeklyInterval(d, opens, closes) for d in days],
                        position=position,
                    )
                )
            )
        await uow.commit()
    bookings = []
    for plan, request in [(p, False) for p in CONFIRMED] + [(REQUEST, True)]:
        made = await _book(factory, now, business, services, staff, plan, request=request)
        if made is not None:
            bookings.append(made)
    return DemoSeed(user=user, business=business, bookings=bookings)


async def _book(
    factory: Callable[..., UnitOfWork],
    now: datetime,
    business: Business,
    services: list[Service],
    staff: list[StaffMember],
    plan: tuple[int, int, str, str, int, int],
    *,
    request: bool,
) -> Booking | None:
    """One booking on the first working day at or after ``days`` ahead (skips closed days)."""
    days, hour, name, phone, service_index, staff_index = plan
    assert business.id is not None
    member, service = staff[staff_index], services[service_index]
    assert member.id is not None and service.id is not None
    zone = ZoneInfo(business.timezone)
    day = now.astimezone(zone).date() + timedelta(days=days)
    working = {w.weekday for w in member.weekly_hours}
    while day.weekday() not in working:
        day += timedelta(days=1)
    start = datetime.combine(day, time(hour), zone)
    uow = factory()
    async with uow:
        client = await uow.clients.add(Client(business_id=business.id, name=name, phone=phone))
        await uow.commit()
    assert client.id is not None
    try:
        return await use_cases.book(
            factory(),
            now=now,
            business_id=business.id,
            client_id=client.id,
            service_ids=[service.id],
            staff_id=member.id,
            start=start,
            source=BookingSource.TELEGRAM if request else BookingSource.PANEL,
            idempotency_key=None,
            actor=Actor.client(client.id) if request else Actor.provider(business.owner_user_id),
            on_behalf_of_provider=not request,
        )
    except DomainError:  # a demo booking that does not fit today's clock: leave it out
        return None
