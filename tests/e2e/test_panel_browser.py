"""The panel in a real browser (Debian's chromium driven by Playwright), phone and desktop sizes.

Flows: sign-up -> wizard -> booking link and QR shown; a manual booking in the agenda; a request
confirmed. Every main page is screenshotted to test-artifacts/screenshots/ and checked for
horizontal overflow (what makes a page unusable on a 390 px phone).

Playwright never downloads a browser here: it launches the system chromium. Without one the
tests skip and say so, unless AGENDEI_TEST_REQUIRE_BROWSER=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.settings import load_settings
from app.wiring import build_app, build_container
from domain.model import BookingStatus
from tests.conftest import Backend
from tests.e2e.emulator_fixtures import serve_app
from tests.integration.panel_support import Clock, PanelApp, client_booking, unique_email

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}


def _chromium() -> str | None:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        message = "browser tests skipped: no chromium found (apt-get install chromium)"
        if os.environ.get("AGENDEI_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " and AGENDEI_TEST_REQUIRE_BROWSER=1")
        pytest.skip(message)
    return path


@pytest.fixture
async def served(backend: Backend) -> AsyncIterator[tuple[str, PanelApp]]:
    clock = Clock()
    container = build_container(
        load_settings(database_url=backend.database_url, redis_url=backend.redis_url),
        clock=clock,
    )
    container.panel_throttle_prefix = f"test-browser-{uuid.uuid4().hex}"
    app = build_app(container, with_workers=False)
    async with serve_app(app) as base_url:
        yield base_url, PanelApp(container, clock, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", list(VIEWPORTS))
async def test_signup_to_link_manual_booking_and_request(
    size: str, served: tuple[str, PanelApp], chromium_path: str, backend: Backend
) -> None:
    from playwright.async_api import Page, async_playwright, expect

    base, app = served
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width, height = VIEWPORTS[size]

    async def shot(page: Page, name: str) -> None:
        path = SCREENSHOTS / f"{backend.name}-{size}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = await browser.new_context(
            # The wizard starts the time zone at the browser's: pin it, whatever the host's.
            viewport={"width": width, "height": height},
            locale="pt-BR",
            timezone_id="America/Sao_Paulo",
        )
        page = await context.new_page()
        try:
            # --- sign-up -> wizard -> link ----------------------------------------------------
            await page.goto(base + "/")
            await shot(page, "01-landing")
            await page.get_by_role("link", name="Criar conta grátis").click()
            await page.get_by_label("Nome do seu negócio").fill("Barbearia do Zé")
            await page.get_by_label("E-mail").fill(unique_email())
            await page.get_by_label("Senha").fill("correct horse")
            await shot(page, "02-signup")
            await page.get_by_role("button", name="Criar conta").click()

            await expect(page.get_by_role("heading", name="Sobre o seu negócio")).to_be_visible()
            await page.get_by_label("Tipo de negócio").select_option("barbershop")
            await expect(page.get_by_label("Fuso horário")).to_have_value("America/Sao_Paulo")
            await page.get_by_label("Endereço").fill("Rua das Flores, 10")
            await page.get_by_label("Telefone de contato").fill("+55 11 99999-0000")
            await shot(page, "03-setup-business")
            await page.get_by_role("button", name="Continuar").click()

            await expect(page.get_by_role("heading", name="Seu primeiro serviço")).to_be_visible()
            await page.get_by_label("Nome do serviço").fill("Corte")
            await page.get_by_label("Duração (min)").fill("30")
            await page.get_by_label("Preço").fill("45,00")
            await page.get_by_label("Seu nome (quem atende)").fill("Zé")
            await shot(page, "04-setup-service")
            await page.get_by_role("button", name="Continuar").click()

            await expect(page.get_by_role("heading", name="Quando você atende?")).to_be_visible()
            await page.locator('input[name="day0_start"]').fill("08:00")
            await page.get_by_role("button", name="Copiar segunda para todos os dias úteis").click()
            await expect(page.locator('input[name="day3_start"]')).to_have_value("08:00")
            await page.locator('input[name="day5_open"]').check()
            await shot(page, "05-setup-hours")
            await page.get_by_role("button", name="Concluir").click()

            await expect(
                page.get_by_role("heading", name="Seu link de agendamento")
            ).to_be_visible()
            link = page.locator("#booking-link")
            await expect(link).to_have_text(
                "https://t.me/agendei_sandbox_bot?start=barbearia-do-ze"
            )
            await expect(page.locator("#telegram-link")).to_have_attribute(
                "href", __import__("re").compile(r"^https://t\.me/agendei_sandbox_bot\?start=link-")
            )
            # The QR image loads after the page: wait for it (bounded), then check it drew.
            await page.wait_for_function(
                "() => { const i = document.querySelector('img.qr'); return i && i.complete; }"
            )
            qr_width = await page.locator("img.qr").evaluate("img => img.naturalWidth")
            assert qr_width > 0
            await shot(page, "06-share")

            # --- a manual booking in the agenda --------------------------------------------
            await page.goto(base + "/panel/agenda?day=2026-03-03")
            await page.get_by_role("link", name="+ Novo agendamento").click()
            await page.get_by_label("Data").fill("2026-03-03")
            await page.get_by_label("Horário").fill("10:00")
            await page.get_by_label("Nome do cliente").fill("João Balcão")
            await page.get_by_label("Telefone do cliente").fill("+55 11 91234-5678")
            await shot(page, "07-new-booking")
            await page.get_by_role("button", name="Agendar").click()
            await expect(page.get_by_text("Agendamento criado.")).to_be_visible()
            await expect(page.get_by_text("João Balcão")).to_be_visible()
            await expect(page.get_by_text("10:00–10:30")).to_be_visible()
            await shot(page, "08-agenda-day")
            await page.goto(base + "/panel/agenda?day=2026-03-03&view=week")
            await expect(page.get_by_text("João Balcão")).to_be_visible()
            await shot(page, "09-agenda-week")

            # --- confirming a request ---------------------------------------------------------
            await page.goto(base + "/panel/settings")
            await page.get_by_label("Confirmação dos agendamentos").select_option("manual")
            await page.get_by_role("button", name="Salvar").click()
            await expect(page.get_by_text("Salvo.")).to_be_visible()
            await shot(page, "10-settings")
            async with app.container.uow_factory(read_only=True) as uow:
                [business] = [
                    b for b in await uow.businesses.list_all(1000) if b.slug == "barbearia-do-ze"
                ]
            assert business.id is not None
            from datetime import UTC, datetime

            booking_id = await client_booking(
                app, business.id, datetime(2026, 3, 3, 14, tzinfo=UTC), name="Maria Pedido"
            )
            await page.get_by_role("link", name="Pedidos").click()
            item = page.locator(f"#booking-{booking_id}")
            await expect(item).to_contain_text("Maria Pedido")
            await expect(item).to_contain_text("Aguardando")
            await shot(page, "11-requests")
            await item.get_by_role("button", name="Confirmar").click()
            await expect(page.get_by_text("Agendamento confirmado")).to_be_visible()
            await expect(page.locator(f"#booking-{booking_id}")).to_have_count(0)
            async with app.container.uow_factory(read_only=True) as uow:
                booking = await uow.bookings.get(booking_id)
            assert booking is not None and booking.status is BookingStatus.CONFIRMED

            # --- every other main page --------------------------------------------------------
            for name, url in [
                ("12-booking", f"/panel/bookings/{booking_id}"),
                ("13-services", "/panel/services"),
                ("14-service-edit", "/panel/services/new"),
                ("15-team", "/panel/team"),
                ("16-hours", "/panel/hours"),
                ("17-clients", "/panel/clients"),
                ("18-export", "/panel/export"),
                ("19-account", "/panel/account"),
            ]:
                response = await page.goto(base + url)
                assert response is not None and response.status == 200, url
                await shot(page, name)
        finally:
            await context.close()
            await browser.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_hours_with_a_lunch_break_on_a_phone(
    javascript: bool, served: tuple[str, PanelApp], chromium_path: str, backend: Backend
) -> None:
    """A provider on a 390x844 phone splits Monday into 09-12 and 13-18 and the panel keeps
    both; with JavaScript off, "+ adicionar intervalo" asks the server for the extra row."""
    from datetime import time

    from playwright.async_api import async_playwright, expect

    base, app = served
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = await browser.new_context(
            viewport={"width": 390, "height": 844}, locale="pt-BR", java_script_enabled=javascript
        )
        page = await context.new_page()
        try:
            await page.goto(base + "/panel/signup")
            await page.get_by_label("Nome do seu negócio").fill("Estúdio Noite")
            await page.get_by_label("E-mail").fill(unique_email())
            await page.get_by_label("Senha").fill("correct horse")
            await page.get_by_role("button", name="Criar conta").click()
            await page.get_by_role("button", name="Continuar").click()
            await page.get_by_label("Nome do serviço").fill("Tatuagem")
            await page.get_by_label("Duração (min)").fill("60")
            await page.get_by_label("Preço").fill("200,00")
            await page.get_by_label("Seu nome (quem atende)").fill("Rafa")
            await page.get_by_role("button", name="Continuar").click()

            # Step 3 of the wizard: Monday with a lunch break.
            await expect(page.get_by_role("heading", name="Quando você atende?")).to_be_visible()
            await page.locator('input[name="day0_end"]').fill("12:00")
            monday = page.locator("#day0")
            await monday.get_by_role("button", name="+ adicionar intervalo").click()
            await expect(page.locator('input[name="day0_start_1"]')).to_be_visible()
            await page.locator('input[name="day0_start_1"]').fill("13:00")
            await page.locator('input[name="day0_end_1"]').fill("18:00")
            # Friday night past midnight.
            await page.locator('input[name="day4_start"]').fill("18:00")
            await page.locator('input[name="day4_end"]').fill("02:00")
            mode = "js" if javascript else "nojs"
            path = SCREENSHOTS / f"{backend.name}-phone-hours-break-{mode}.png"
            await page.screenshot(path=str(path), full_page=True)
            overflow = await page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"the hours form scrolls sideways by {overflow}px"
            await page.get_by_role("button", name="Concluir").click()
            heading = page.get_by_role("heading", name="Seu link de agendamento")
            await expect(heading).to_be_visible()

            async with app.container.uow_factory(read_only=True) as uow:
                [business] = [
                    b for b in await uow.businesses.list_all(1000) if b.name == "Estúdio Noite"
                ]
                assert business.id is not None
                [member] = await uow.staff.list_for_business(business.id)
            hours = sorted((w.weekday, w.start, w.end) for w in member.weekly_hours)
            assert (0, time(9), time(12)) in hours and (0, time(13), time(18)) in hours
            assert (4, time(18), time(2)) in hours

            # The team page shows them back, the overnight span marked.
            await page.goto(base + "/panel/team")
            staff = page.locator(f"#staff-{member.id}")
            await expect(staff).to_contain_text("09:00–12:00")
            await expect(staff).to_contain_text("13:00–18:00")
            await expect(staff).to_contain_text("18:00–02:00 (+1 dia)")
        finally:
            await context.close()
            await browser.close()
