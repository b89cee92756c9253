"""The sandbox page next to a real bot: with AGENDEI_TELEGRAM_TOKEN set, the page drives a
preview bot (random token, in-process emulator) through the same dispatcher and webhook route,
and nothing addressed to the emulated users ever goes through the real bot.

"Telegram" for the real bot is a second emulator served in the test
(AGENDEI_TELEGRAM_API_BASE), so a leak would show up there, and tests never reach Telegram.
"""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError

from bot.preview import EmulatedChatRouter
from domain.model import BookingStatus
from domain.ports import OutgoingMessage
from domain.sandbox import sandbox_users
from emulator import EmulatorState
from scheduler import Poller
from tests.conftest import Backend
from tests.e2e.emulator_fixtures import serve_emulator
from tests.integration.panel_support import PanelApp, PanelClient, panel_app
from tests.integration.panel_support import provider as make_provider

JSON = {"accept": "application/json"}
TIME = re.compile(r"^\d\d:\d\d$")


@dataclass
class Preview:
    app: PanelApp
    real: EmulatorState  # what the real bot's "Telegram" saw
    real_bot_id: int


@asynccontextmanager
async def real_token_app(backend: Backend) -> AsyncIterator[Preview]:
    bot_id = random.randint(10_000_000, 900_000_000)
    token = f"{bot_id}:real-{bot_id:x}"
    async with serve_emulator() as (real_url, real):
        real.add_bot(token, username="barbearia_real_bot")
        async with panel_app(backend, telegram_token=token, telegram_api_base=real_url) as app:
            yield Preview(app, real, bot_id)


class Pane:
    """One pane of the sandbox page, driven through its HTTP routes like the page's script."""

    def __init__(self, client: PanelClient, name: str) -> None:
        self.client = client
        self.name = name
        self.state: dict[str, Any] = {}

    async def post(self, action: str, **data: str) -> dict[str, Any]:
        response = await self.client.http.post(
            f"/panel/sandbox/{self.name}/{action}",
            data={"csrf_token": self.client.csrf, **data},
            headers=JSON,
        )
        assert response.status_code == 200, response.text
        self.state = response.json()[self.name]
        return self.state

    async def refresh(self) -> dict[str, Any]:
        response = await self.client.get("/panel/sandbox/state")
        assert response.status_code == 200
        self.state = response.json()[self.name]
        return self.state

    @property
    def last(self) -> dict[str, Any]:
        last: dict[str, Any] = self.state["messages"][-1]
        return last

    def texts(self) -> list[str]:
        return [m["text"] for m in self.state["messages"] if m["from"] == "bot"]

    async def press(self, label: str | re.Pattern[str]) -> None:
        """Tap the first inline button whose text matches, on the newest message with one."""
        for message in reversed(self.state["messages"]):
            for row in message["buttons"]:
                for button in row:
                    text = button["text"]
                    hit = label.search(text) if isinstance(label, re.Pattern) else text == label
                    if hit and "data" in button:
                        await self.post("press", message_id=str(message["id"]), data=button["data"])
                        return
        raise AssertionError(f"no button {label!r} in {self.state['messages'][-1]}")

    async def press_key(self) -> None:
        """Tap the first key of the reply keyboard (the share-contact button)."""
        [[key, *_], *_] = self.state["keyboard"]
        await self.post("reply", text=key["text"])


async def tick(app: PanelApp) -> None:
    poller = app.container.scheduler.poller
    assert isinstance(poller, Poller)
    await poller.tick()


async def test_a_real_token_still_gets_the_sandbox_page_on_a_preview_bot(
    backend: Backend,
) -> None:
    async with real_token_app(backend) as preview:
        app = preview.app
        client, business_id = await make_provider(app, manual=True)
        page = await client.get("/panel/sandbox")
        assert page.status_code == 200 and "data-sandbox" in page.text
        preview_bot = app.container.telegram.preview_bot
        assert isinstance(preview_bot, Bot) and preview_bot.id != preview.real_bot_id
        assert preview_bot.token not in page.text

        # --- the test client books through the page's routes ------------------------------
        buyer = Pane(client, "client")
        await buyer.post("start")
        await buyer.press(re.compile("Agendar"))
        await buyer.press(re.compile("^Corte"))
        await buyer.press(re.compile("."))  # the first day offered
        if not any(TIME.match(b["text"]) for row in buyer.last["buttons"] for b in row):
            await buyer.press(re.compile("."))  # times grouped by period: the first one
        await buyer.press(TIME)
        await buyer.press(re.compile("Cliente teste"))  # the name Telegram knows
        await buyer.press_key()  # share the (fake) contact
        await buyer.press(re.compile("Confirmar"))
        async with app.container.uow_factory(read_only=True) as uow:
            test_client = await uow.clients.get_by_telegram(
                business_id, sandbox_users(business_id).client
            )
            assert test_client is not None and test_client.id is not None
            [booking] = await uow.bookings.for_client(test_client.id)
        assert booking.is_test and booking.status is BookingStatus.PENDING
        assert booking.id is not None

        # --- the provider pane hears about it from the preview bot, and confirms ----------
        await tick(app)
        owner = Pane(client, "provider")
        await owner.refresh()
        assert any("Novo pedido" in text for text in owner.texts())
        await owner.press(re.compile("Confirmar"))
        await tick(app)
        await buyer.refresh()
        assert "confirmou seu agendamento" in buyer.texts()[-1]
        async with app.container.uow_factory(read_only=True) as uow:
            confirmed = await uow.bookings.get(booking.id)
        assert confirmed is not None and confirmed.status is BookingStatus.CONFIRMED

        # --- and the real bot's Telegram saw nothing at all ------------------------------
        real = preview.real.bot(preview.real_bot_id)
        assert real.chats == {} and real.stats.sent == []


async def test_the_preview_emulator_is_not_reachable_over_http(backend: Backend) -> None:
    async with real_token_app(backend) as preview:
        app = preview.app
        client, _ = await make_provider(app)
        preview_bot = app.container.telegram.preview_bot
        assert isinstance(preview_bot, Bot)
        for url in (
            "/_emulator/bots",
            "/telegram-emulator/_emulator/bots",
            f"/bot{preview_bot.token}/getMe",
            f"/telegram-emulator/bot{preview_bot.token}/getMe",
        ):
            assert (await client.http.get(url)).status_code == 404, url
            assert (await client.http.post(url)).status_code in (404, 405), url


async def test_the_real_bot_refuses_to_send_to_an_emulated_user(backend: Backend) -> None:
    async with real_token_app(backend) as preview:
        real_bot = preview.app.container.telegram.bot
        assert isinstance(real_bot, Bot)
        emulated = sandbox_users(1).client
        try:
            await real_bot.send_message(emulated, "oi")
        except TelegramForbiddenError:
            pass
        else:
            raise AssertionError("the real bot sent to an emulated user")
        await real_bot.send_message(5001, "oi")  # a real chat still goes through
        sent = preview.real.bot(preview.real_bot_id).stats.sent
        assert [record.chat_id for record in sent] == [5001]


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[int, int]] = []

    async def send(self, bot_id: int, message: OutgoingMessage) -> bool:
        self.sent.append((bot_id, message.chat_id))
        return True


async def test_notifications_are_routed_by_recipient() -> None:
    real, preview = Recorder(), Recorder()
    router = EmulatedChatRouter(real, preview, preview_bot_id=77)
    users = sandbox_users(3)
    for chat_id in (5001, users.client, users.provider, 2**52 - 1):
        await router.send(11, OutgoingMessage(chat_id, "x"))
    assert real.sent == [(11, 5001), (11, 2**52 - 1)]
    assert preview.sent == [(77, users.client), (77, users.provider)]
