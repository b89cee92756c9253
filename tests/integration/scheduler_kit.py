"""Shared set-up for scheduler tests: a controllable clock, a seeded business with linked
provider accounts, and a poller that sends through aiogram's real HTTP client to the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiogram import Bot

from bot.notifications import DeliveryHandler
from bot.notifier import TelegramNotifier
from domain import booking as use_cases
from domain.model import Actor, Booking, BookingSource, ConfirmationMode, ProviderLink
from emulator import EmulatorState
from scheduler import Poller, PollerConfig
from storage.uow import UnitOfWorkFactory
from tests.e2e.emulator_fixtures import emulator_bot, serve_emulator
from tests.integration.seed import Seeded, seed_business

TOKEN = "424242:scheduler-test-token"
OWNER = 700_001  # Telegram account of the owner (English)
STAFF_1 = 700_002  # linked to the first staff member (Portuguese)
STAFF_2 = 700_003  # linked to the second staff member


class Clock:
    """The container's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Sleeps:
    """A stand-in for ``asyncio.sleep`` that records the waits instead of sleeping."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Instance:
    """One scheduler instance: a poller and its own Notifier (own rate limiters)."""

    poller: Poller
    notifier: TelegramNotifier


@dataclass
class World:
    state: EmulatorState
    bot: Bot
    first: Instance
    new_instance: Callable[..., Instance]

    @property
    def poller(self) -> Poller:
        return self.first.poller

    @property
    def notifier(self) -> TelegramNotifier:
        return self.first.notifier

    def texts(self, chat_id: int) -> list[str]:
        bot = self.state.bot(TOKEN)
        chat = bot.chats.get(chat_id)
        if chat is None:
            return []
        return [m.text or "" for m in chat.messages if m.sender == "bot"]

    def buttons(self, chat_id: int) -> list[list[str]]:
        """Callback data of the newest bot message's inline keyboard."""
        message = self.state.last_bot_message(TOKEN, chat_id)
        if message is None or not message.reply_markup:
            return []
        rows = message.reply_markup.get("inline_keyboard", [])
        return [[b["callback_data"] for b in row] for row in rows]

    def total_sent(self) -> int:
        return len(self.state.bot(TOKEN).stats.sent)


@asynccontextmanager
async def delivery_world(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    global_rate: float = 1000.0,
    chat_rate: float = 1000.0,
    max_wait: float = 10.0,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> AsyncIterator[World]:
    async with serve_emulator() as (base_url, state):
        state.add_bot(TOKEN)
        async with emulator_bot(base_url, TOKEN) as bot:

            def new_instance(**notifier_options: object) -> Instance:
                options: dict[str, object] = {
                    "global_rate": global_rate,
                    "chat_rate": chat_rate,
                    "max_wait": max_wait,
                }
                if sleep is not None:
                    options["sleep"] = sleep
                options.update(notifier_options)
                notifier = TelegramNotifier(bot, **options)  # type: ignore[arg-type]
                handler = DeliveryHandler(uow_factory, notifier, bot_id=bot.id)
                poller = Poller(uow_factory, clock, handler, PollerConfig(batch_size=10))
                return Instance(poller, notifier)

            yield World(state, bot, new_instance(), new_instance)


async def seed_with_links(
    uow_factory: UnitOfWorkFactory,
    *,
    timezone: str = "America/Sao_Paulo",
    mode: ConfirmationMode = ConfirmationMode.MANUAL,
    clients: int = 2,
    weekdays: range = range(6),
) -> Seeded:
    seeded = await seed_business(
        uow_factory(), timezone=timezone, mode=mode, staff=2, clients=clients, weekdays=weekdays
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with uow_factory() as uow:
        for telegram_id, staff_id, locale in (
            (OWNER, None, "en"),
            (STAFF_1, seeded.staff_ids[0], "pt_BR"),
            (STAFF_2, seeded.staff_ids[1], "pt_BR"),
        ):
            await uow.links.add_link(
                ProviderLink(seeded.business_id, telegram_id, staff_id, locale), now
            )
        await uow.commit()
    return seeded


def client_chat(n: int) -> int:
    """Telegram id of the seeded client number ``n``."""
    return 900_000 + n


async def book(
    uow_factory: UnitOfWorkFactory,
    seeded: Seeded,
    now: datetime,
    start: datetime,
    *,
    client: int = 0,
    staff: int = 0,
    walk_in: bool = False,
) -> Booking:
    client_id = seeded.client_ids[client]
    return await use_cases.book(
        uow_factory(),
        now=now,
        business_id=seeded.business_id,
        client_id=client_id,
        service_ids=[seeded.service_ids["corte"]],
        staff_id=seeded.staff_ids[staff],
        start=start,
        source=BookingSource.PROVIDER_CHAT if walk_in else BookingSource.TELEGRAM,
        idempotency_key=None,
        actor=Actor.provider() if walk_in else Actor.client(client_id),
        on_behalf_of_provider=walk_in,
    )
