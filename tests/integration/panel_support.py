"""Helpers of the panel's HTTP tests: the real app over httpx.ASGITransport, a browser-like
client that carries cookies and the CSRF token, and a provider set up through the wizard."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from app.settings import load_settings
from app.wiring import Container, build_app, build_container
from tests.conftest import Backend

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


class PanelClient:
    """Counts form submissions (POSTs) so tests can check how many a flow needs."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.csrf = ""
        self.posts = 0

    async def get(self, url: str, **kw: object) -> httpx.Response:
        response = await self.http.get(url, **kw)  # type: ignore[arg-type]
        found = (
            _CSRF.search(response.text)
            if "text/html" in response.headers.get("content-type", "")
            else None
        )
        if found:
            self.csrf = found.group(1)
        return response

    async def post(
        self, url: str, data: Mapping[str, str | list[str]] | None = None, *, csrf: bool = True
    ) -> httpx.Response:
        payload: dict[str, str | list[str]] = dict(data or {})
        if csrf:
            payload.setdefault("csrf_token", self.csrf)
        self.posts += 1
        response = await self.http.post(url, data=payload)
        if response.status_code == 303 and "agendei_form=" in response.headers.get(
            "set-cookie", ""
        ):
            # A refused form (or a form-only button) comes back through a redirect (Post/
            # Redirect/Get); follow it as a browser would, to the page that shows it again.
            response = await self.http.get(response.headers["location"])
        found = _CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def signup(
        self, email: str, password: str = "correct horse", business: str = "Barbearia do Zé"
    ) -> httpx.Response:
        await self.get("/panel/signup")
        return await self.post(
            "/panel/signup", {"email": email, "password": password, "business_name": business}
        )

    async def login(self, email: str, password: str = "correct horse") -> httpx.Response:
        await self.get("/panel/login")
        return await self.post("/panel/login", {"email": email, "password": password})

    async def onboard(self) -> httpx.Response:
        """The three wizard forms with typical answers; returns the link page."""
        await self.get("/panel/setup/business")
        await self.post(
            "/panel/setup/business",
            {
                "name": "Barbearia do Zé",
                "kind": "barbershop",
                "timezone": "America/Sao_Paulo",
                "address": "Rua A, 1",
                "phone": "+55 11 99999-0000",
            },
        )
        await self.post(
            "/panel/setup/service",
            {"name": "Corte", "duration_minutes": "30", "price": "45,00", "owner_name": "Zé"},
        )
        week = {f"day{d}_open": "1" for d in range(6)}
        week |= {f"day{d}_start": "09:00" for d in range(7)}
        week |= {f"day{d}_end": "18:00" for d in range(7)}
        await self.post("/panel/setup/hours", {**week, "action": "save"})
        return await self.get("/panel/share")


@dataclass
class PanelApp:
    container: Container
    clock: Clock
    transport: httpx.ASGITransport

    def client(self, address: str = "127.0.0.1", https: bool = False) -> PanelClient:
        transport = httpx.ASGITransport(app=self.transport.app, client=(address, 50000))
        base = "https://panel.test" if https else "http://panel.test"
        return PanelClient(httpx.AsyncClient(transport=transport, base_url=base))


@asynccontextmanager
async def panel_app(backend: Backend, **settings: object) -> AsyncIterator[PanelApp]:
    clock = Clock()
    container = build_container(
        load_settings(database_url=backend.database_url, redis_url=backend.redis_url, **settings),
        clock=clock,
    )
    # Real Redis is shared: throttling keys of this test only.
    container.panel_throttle_prefix = f"test-panel-{uuid.uuid4().hex}"
    app = build_app(container, with_workers=False)
    try:
        yield PanelApp(container, clock, httpx.ASGITransport(app=app))
    finally:
        await container.close()


def unique_email() -> str:
    return f"p{uuid.uuid4().hex[:10]}@example.com"


async def provider(app: PanelApp, *, manual: bool = False) -> tuple[PanelClient, int]:
    """A provider through sign-up and the wizard; returns their client and business id."""
    client = app.client()
    email = unique_email()
    await client.signup(email)
    await client.onboard()
    async with app.container.uow_factory() as uow:
        user = await uow.users.get_by_email(email)
        assert user is not None and user.id is not None
        [user_business] = await uow.businesses.list_for_owner(user.id)
        if manual:
            from domain.model import ConfirmationMode

            user_business.policies.confirmation_mode = ConfirmationMode.MANUAL
            await uow.businesses.update(user_business)
            await uow.commit()
    assert user_business.id is not None
    await client.get("/panel/agenda")
    return client, user_business.id


async def client_booking(
    app: PanelApp, business_id: int, start: datetime, *, name: str = "Maria", tg: int = 5001
) -> int:
    """A booking made by a Telegram client, as the bot would make it."""
    from domain.booking import book
    from domain.model import Actor, BookingSource, Client

    async with app.container.uow_factory() as uow:
        found = await uow.clients.get_by_telegram(business_id, tg)
        if found is None:
            found = await uow.clients.add(
                Client(
                    business_id=business_id, telegram_user_id=tg, name=name, phone="+5511988887777"
                )
            )
            await uow.commit()
        services = await uow.services.list_for_business(business_id)
    assert found.id is not None and services[0].id is not None
    booking = await book(
        app.container.uow_factory(),
        now=app.clock(),
        business_id=business_id,
        client_id=found.id,
        service_ids=[services[0].id],
        staff_id=None,
        start=start,
        source=BookingSource.TELEGRAM,
        idempotency_key=None,
        actor=Actor.client(found.id),
    )
    assert booking.id is not None
    return booking.id


async def outbox_kinds(app: PanelApp, booking_id: int) -> list[tuple[str, str]]:
    """(kind, payload) of the notifications written for a booking, oldest first."""
    from sqlalchemy import text

    async with app.container.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT kind, payload FROM outbox WHERE booking_id = :b ORDER BY id"),
            {"b": booking_id},
        )
        return [(r[0], r[1]) for r in rows]
