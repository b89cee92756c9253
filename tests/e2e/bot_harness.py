"""The whole product served for real, talking to the Bot API emulator over HTTP.

``running_bot`` serves the emulator (one uvicorn) and the Agendei app (another uvicorn, built by
``app.wiring`` exactly as ``agendei run`` builds it, on the test's backend), and lets the app's
start-up register its webhook with the emulator. A user's action in the emulator is then a real
webhook POST to our route; the bot's replies are real Bot API calls back to the emulator.
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import uvicorn
from aiogram.fsm.storage.base import BaseStorage
from fastapi import FastAPI

from app.settings import load_settings
from app.wiring import Container, build_app, build_container
from domain.model import (
    Business,
    ConfirmationMode,
    Policies,
    Service,
    StaffMember,
    WeeklyInterval,
)
from emulator import Delivery, EmulatorState, MessageRecord
from i18n import load_catalog
from tests.conftest import Backend
from tests.e2e.emulator_fixtures import serve_emulator

# Not the built-in name: links must show what getMe says, never a default.
BOT_USERNAME = "barbearia_teste_bot"
HOST = "127.0.0.1"
SECRET = "e2e-webhook-secret"
# Monday 9 March 2026, 09:00 in São Paulo (UTC-3).
START_NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
CATALOG = load_catalog("bot")


class Clock:
    """The app's clock: moves only when the test says so."""

    def __init__(self, now: datetime = START_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Seed:
    business: Business
    services: dict[str, Service] = field(default_factory=dict)
    staff: dict[str, StaffMember] = field(default_factory=dict)


async def seed_business(
    container: Container,
    *,
    slug: str = "barbearia-central",
    manual: bool = False,
    staff_names: tuple[str, ...] = ("Ana", "Bruno"),
    hours: tuple[time, time] = (time(9), time(18)),
) -> Seed:
    """A barbershop open Monday to Saturday, two professionals, two services."""
    uow = container.uow_factory()
    async with uow:
        business = await uow.businesses.add(
            Business(
                name="Barbearia Central",
                slug=slug,
                address="Rua Augusta, 100",
                phone="+55 11 3333-4444",
                policies=Policies(
                    confirmation_mode=ConfirmationMode.MANUAL
                    if manual
                    else ConfirmationMode.AUTOMATIC,
                    min_notice_minutes=60,
                    horizon_days=60,
                    slot_step_minutes=30,
                    cancellation_window_minutes=120,
                ),
            )
        )
        assert business.id is not None
        seed = Seed(business=business)
        for name, minutes, price in (("Corte", 30, 4500), ("Barba", 30, 3000)):
            seed.services[name] = await uow.services.add(
                Service(
                    business_id=business.id,
                    name=name,
                    duration_minutes=minutes,
                    price_minor=price,
                    position=len(seed.services),
                )
            )
        service_ids = {s.id for s in seed.services.values() if s.id is not None}
        for position, name in enumerate(staff_names):
            seed.staff[name] = await uow.staff.add(
                StaffMember(
                    business_id=business.id,
                    name=name,
                    service_ids=set(service_ids),
                    weekly_hours=[WeeklyInterval(d, hours[0], hours[1]) for d in range(6)],
                    position=position,
                )
            )
        await uow.commit()
    return seed


def t(locale: str, key: str, **values: object) -> str:
    return CATALOG.text(locale, key, **values)


@dataclass
class Chat:
    """One Telegram user talking to the bot through the emulator."""

    bot: RunningBot
    user_id: int
    locale: str = "pt_BR"

    @property
    def state(self) -> EmulatorState:
        return self.bot.emulator

    async def send(self, text: str) -> Delivery:
        delivery = await self.state.send_text(self.bot.bot_id, self.user_id, text)
        assert delivery.ok, delivery
        return delivery

    async def press(self, label: str, *, message_id: int | None = None) -> Delivery:
        """Tap the inline button with this exact visible text on the newest message with it."""
        delivery = await self.state.press_button(
            self.bot.bot_id, self.user_id, message_id, text=label
        )
        assert delivery.ok, delivery
        return delivery

    async def press_key(self, key: str, **values: object) -> Delivery:
        return await self.press(t(self.locale, key, **values))

    async def press_data(self, data: str, *, message_id: int | None = None) -> Delivery:
        return await self.state.press_button(self.bot.bot_id, self.user_id, message_id, data=data)

    async def press_forged(self, data: str, *, message_id: int) -> Delivery:
        """Press a button with ``data`` on an old message, as a stale or tampered client
        would: the button is put on that message first (Telegram clients keep old keyboards;
        a modified client can send any callback data)."""
        record = self.state.chat(self.bot.bot_id, self.user_id).find(message_id)
        assert record is not None
        markup = record.reply_markup or {"inline_keyboard": []}
        markup.setdefault("inline_keyboard", []).append([{"text": "forged", "callback_data": data}])
        record.reply_markup = markup
        return await self.press_data(data, message_id=message_id)

    async def share_contact(self, phone: str) -> Delivery:
        delivery = await self.state.send_contact(self.bot.bot_id, self.user_id, phone)
        assert delivery.ok, delivery
        return delivery

    @property
    def messages(self) -> list[MessageRecord]:
        return self.state.transcript(self.bot.bot_id, self.user_id)

    @property
    def last(self) -> MessageRecord:
        message = self.state.last_bot_message(self.bot.bot_id, self.user_id)
        assert message is not None
        return message

    def buttons(self, message: MessageRecord | None = None) -> list[str]:
        markup = (message or self.last).reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button["text"] for row in rows for button in row]

    def button_data(self, label: str) -> str:
        markup = self.last.reply_markup or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if button["text"] == label:
                    return str(button["callback_data"])
        raise AssertionError(f"no button {label!r} in {self.buttons()}")

    def bot_texts(self) -> list[str]:
        return [m.text or "" for m in self.messages if m.sender == "bot"]


@dataclass
class RunningBot:
    container: Container
    app: FastAPI
    url: str
    emulator: EmulatorState
    bot_id: int
    token: str
    clock: Clock

    def chat(self, user_id: int, *, locale: str = "pt_BR", **profile: Any) -> Chat:
        language = "pt-br" if locale == "pt_BR" else "en"
        self.emulator.user(user_id, language_code=language, **profile)
        return Chat(self, user_id, locale)

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhooks/telegram/{self.bot_id}"


@asynccontextmanager
async def serve_bound(app: FastAPI, sock: socket.socket) -> AsyncIterator[None]:
    """Serve ``app`` with uvicorn on an already bound socket (its port is known beforehand,
    so the app's settings can name its own public URL)."""
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=3
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started serving")
            await asyncio.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        await task
        sock.close()


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


@asynccontextmanager
async def running_bot(
    backend: Backend,
    *,
    clock: Clock | None = None,
    fsm_storage: BaseStorage | None = None,
    **settings: Any,
) -> AsyncIterator[RunningBot]:
    """The app on ``backend`` with a random bot id (its Redis keys are its own)."""
    clock = clock or Clock()
    bot_id = random.randint(10_000_000, 2_000_000_000)
    token = f"{bot_id}:e2e-{bot_id:x}"
    async with serve_emulator() as (emulator_url, emulator):
        emulator.add_bot(token, username=BOT_USERNAME)
        sock = _bound_socket()
        url = f"http://{HOST}:{sock.getsockname()[1]}"
        config = {
            "env": "test",
            "database_url": backend.database_url,
            "redis_url": backend.redis_url,
            "telegram_token": token,
            "telegram_api_base": emulator_url,
            "public_url": url,
            "webhook_secret": SECRET,
            **settings,
        }
        container = build_container(load_settings(**config), clock=clock)
        container.fsm_storage = fsm_storage
        app = build_app(container, with_workers=False)
        async with serve_bound(app, sock):
            yield RunningBot(container, app, url, emulator, bot_id, token, clock)


def next_weekday(day: datetime, weekday: int) -> datetime:
    return day + timedelta(days=(weekday - day.weekday()) % 7)
