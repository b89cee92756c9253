"""A newcomer's first minute, in a real browser: ``agendei run`` on an empty database seeds the
demo, prints the log-in; the sandbox page books, notifies, confirms; the agenda shows it.

The server is the real command in a subprocess (fresh SQLite file, free port, sandbox mode, no
network). Screenshots at phone and desktop sizes go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from app.settings import load_settings
from app.wiring import build_container
from domain.demo import DEMO_SLUG
from tests.e2e.test_panel_browser import (  # noqa: F401  (chromium_path is a fixture)
    CHROMIUM_ARGS,
    SCREENSHOTS,
    VIEWPORTS,
    chromium_path,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO_LINE = re.compile(r"^Demo: (http://\S+)/panel/login — (\S+) / (\S+)$")
WAIT_MS = 20_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, url: str, email: str, password: str, database_url: str) -> None:
        self.url, self.email, self.password = url, email, password
        self.database_url = database_url


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    port = _free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'agendei.db'}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AGENDEI_")},
        "AGENDEI_DATABASE_URL": database_url,
        "AGENDEI_PORT": str(port),
        "AGENDEI_SCHEDULER_INTERVAL_SECONDS": "0.5",
        "AGENDEI_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "run",
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        found = None
        seen: list[str] = []
        while found is None:
            raw = await asyncio.wait_for(process.stdout.readline(), timeout=60)
            if not raw:
                raise AssertionError("agendei run ended without a demo line:\n" + "".join(seen))
            line = raw.decode().rstrip("\n")
            seen.append(line + "\n")
            found = DEMO_LINE.match(line)
        url, email, password = found.groups()
        assert url == f"http://127.0.0.1:{port}"
        # Keep reading the output so the server never blocks on a full pipe.
        drain = asyncio.create_task(_drain(process.stdout))
        async with httpx.AsyncClient() as http:
            for _ in range(200):
                try:
                    if (await http.get(url + "/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)  # polling a port that is not open yet: no event to await
        yield Server(url, email, password, database_url)
        drain.cancel()
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=20)


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def _test_booking(server: Server) -> tuple[int, datetime]:
    container = build_container(load_settings(database_url=server.database_url))
    try:
        async with container.uow_factory(read_only=True) as uow:
            business = await uow.businesses.get_by_slug(DEMO_SLUG)
            assert business is not None and business.id is not None
            now = datetime.now(UTC)
            found = await uow.bookings.for_business_between(
                business.id, now - timedelta(days=1), now + timedelta(days=60)
            )
    finally:
        await container.close()
    [booking] = [b for b in found if b.is_test]
    assert booking.id is not None
    return booking.id, booking.start.astimezone(ZoneInfo(business.timezone))


async def test_first_run_demo_book_confirm_in_the_sandbox(
    server: Server,
    chromium_path: str,  # noqa: F811
) -> None:
    from playwright.async_api import Page, async_playwright, expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def shot(page: Page, size: str, name: str) -> None:
        path = SCREENSHOTS / f"sandbox-{size}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px ({size})"

    async def log_in(page: Page) -> None:
        await page.goto(server.url + "/panel/login")
        await page.get_by_label("E-mail").fill(server.email)
        await page.get_by_label("Senha").fill(server.password)
        await page.get_by_role("button", name="Entrar").click()
        await expect(page.get_by_role("heading", name="Agenda")).to_be_visible()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            width, height = VIEWPORTS["phone"]
            phone = await browser.new_context(
                viewport={"width": width, "height": height}, locale="pt-BR"
            )
            page = await phone.new_page()
            page.set_default_timeout(WAIT_MS)
            await log_in(page)
            await page.get_by_role("link", name="Testar o bot").click()
            await expect(page.get_by_role("heading", name="Teste o seu bot")).to_be_visible()
            client = page.locator('[data-pane="client"]')
            provider = page.locator('[data-pane="provider"]')
            await shot(page, "phone", "01-empty")

            # --- the test client books by tapping the bot's buttons -------------------------
            await client.get_by_role("button", name="Iniciar").click()
            await client.get_by_role("button", name=re.compile("Agendar")).click()
            await client.get_by_role("button", name=re.compile("^Corte masculino")).click()
            await expect(client.locator(".tg-msg").last).to_contain_text("Escolha o dia")
            await client.locator(".tg-msg").last.locator(".tg-button").first.click()
            await expect(client.locator(".tg-msg").last).to_contain_text("Escolha o horário")
            times = client.locator(".tg-msg").last.locator(
                ".tg-button", has_text=re.compile(r"^\d\d:\d\d$")
            )
            await times.first.click()
            await client.get_by_role("button", name=re.compile("Cliente teste")).click()
            # The share-contact reply keyboard, as Telegram shows it above the text box.
            await client.locator("[data-keyboard] .tg-key").first.click()
            await expect(client.locator(".tg-msg").last).to_contain_text("Corte masculino")
            await shot(page, "phone", "02-review")
            await (
                client.locator(".tg-msg")
                .last.get_by_role("button", name=re.compile("Confirmar"))
                .click()
            )
            await expect(client.locator(".tg-msg").last).to_contain_text("Barbearia Demo")

            # --- the provider's own account hears about it and confirms -------------------
            request = provider.locator(".tg-msg", has_text="Novo pedido")
            await expect(request).to_be_visible()
            await shot(page, "phone", "03-request")
            await request.get_by_role("button", name=re.compile("Confirmar")).click()
            await expect(provider.locator(".tg-msg").last).to_contain_text("Confirmado")
            await expect(client.locator(".tg-msg").last).to_contain_text(
                "confirmou seu agendamento"
            )
            await shot(page, "phone", "04-confirmed")

            # --- the agenda shows it, confirmed and marked as a test ------------------------
            booking_id, start = await _test_booking(server)
            await page.goto(f"{server.url}/panel/agenda?day={start.date().isoformat()}")
            item = page.locator(f"#booking-{booking_id}")
            await expect(item).to_contain_text("Confirmado")
            await expect(item).to_contain_text("Teste")
            await expect(item).to_contain_text("Cliente teste")
            await shot(page, "phone", "05-agenda")
            await phone.close()

            width, height = VIEWPORTS["desktop"]
            desktop = await browser.new_context(
                viewport={"width": width, "height": height}, locale="pt-BR"
            )
            page = await desktop.new_page()
            page.set_default_timeout(WAIT_MS)
            await log_in(page)
            await page.goto(server.url + "/panel/sandbox")
            await expect(page.locator('[data-pane="client"] .tg-msg').last).to_contain_text(
                "confirmou seu agendamento"
            )
            await shot(page, "desktop", "06-sandbox")
            await page.goto(f"{server.url}/panel/agenda?day={start.date().isoformat()}")
            await expect(page.locator(f"#booking-{booking_id}")).to_contain_text("Confirmado")
            await shot(page, "desktop", "07-agenda")

            # --- one click clears the test bookings -----------------------------------------
            await page.goto(server.url + "/panel/sandbox")
            page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
            await page.get_by_role("button", name="Apagar agendamentos de teste").click()
            await expect(page.get_by_text("Agendamentos de teste cancelados: 1.")).to_be_visible()
            await page.goto(f"{server.url}/panel/agenda?day={start.date().isoformat()}")
            await expect(page.locator(f"#booking-{booking_id}")).to_have_count(0)
            await desktop.close()
        finally:
            await browser.close()
