"""First run: an empty database gets the demo barbershop and a log-in line, exactly once; a
database that already has a business, or production, never gets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.demo import demo_password, ensure_demo
from app.settings import load_settings
from app.wiring import build_container
from domain.accounts import create_provider
from domain.demo import DEMO_EMAIL, DEMO_SLUG
from domain.model import BookingStatus, ConfirmationMode
from tests.conftest import Backend

URL = "http://127.0.0.1:8000"
NOW = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # a Friday noon in São Paulo


async def test_empty_database_gets_the_demo_once(backend: Backend) -> None:
    settings = load_settings(database_url=backend.database_url)
    container = build_container(settings, clock=lambda: NOW)
    try:
        line = await ensure_demo(container, URL)
        password = demo_password(settings.secret_key)
        assert line == f"Demo: {URL}/panel/login — {DEMO_EMAIL} / {password}"
        assert "\n" not in line
        async with container.uow_factory(read_only=True) as uow:
            business = await uow.businesses.get_by_slug(DEMO_SLUG)
            assert business is not None and business.id is not None
            staff = await uow.staff.list_for_business(business.id)
            services = await uow.services.list_for_business(business.id)
            bookings = await uow.bookings.for_business_between(
                business.id, NOW, NOW + timedelta(days=14)
            )
        assert business.timezone == "America/Sao_Paulo" and business.kind == "barbershop"
        assert business.policies.confirmation_mode is ConfirmationMode.MANUAL
        assert len(staff) == 2 and all(m.weekly_hours for m in staff)
        assert len(services) == 4 and all(s.price_minor > 0 for s in services)
        statuses = sorted(b.status.value for b in bookings)
        assert statuses.count(BookingStatus.PENDING.value) == 1
        assert statuses.count(BookingStatus.CONFIRMED.value) >= 3
        assert all(b.start > NOW and not b.is_test for b in bookings)

        # A second start seeds nothing more, and says the same log-in again.
        assert await ensure_demo(container, URL) == line
        async with container.uow_factory(read_only=True) as uow:
            assert len(await uow.businesses.list_all(limit=10)) == 1
    finally:
        await container.close()


async def test_production_and_non_empty_databases_are_never_seeded(backend: Backend) -> None:
    production = load_settings(
        database_url=backend.database_url, env="production", secret_key="x" * 32
    )
    container = build_container(production, clock=lambda: NOW)
    try:
        assert await ensure_demo(container, URL) is None
        async with container.uow_factory(read_only=True) as uow:
            assert await uow.businesses.get_by_slug(DEMO_SLUG) is None
    finally:
        await container.close()

    container = build_container(load_settings(database_url=backend.database_url))
    try:
        await create_provider(
            container.uow_factory(),
            email="real@example.com",
            password_hash="x",
            business_name="Salão Real",
        )
        assert await ensure_demo(container, URL) is None  # an existing installation
        async with container.uow_factory(read_only=True) as uow:
            assert await uow.businesses.get_by_slug(DEMO_SLUG) is None
    finally:
        await container.close()
