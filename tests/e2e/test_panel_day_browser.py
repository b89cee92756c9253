"""The provider's day in a real browser at phone size (360 px): attendance in the agenda and
its "not confirmed yet" filter, a client's history found by search, "book again" in two
clicks. Screenshots go to test-artifacts/screenshots/day-*.png (the README shows them)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain import booking as use_cases
from tests.conftest import Backend
from tests.e2e.test_panel_browser import (  # noqa: F401 (pytest fixtures)
    CHROMIUM_ARGS,
    SCREENSHOTS,
    chromium_path,
    served,
)
from tests.integration.panel_support import PanelApp, client_booking, unique_email

PHONE = (360, 740)


async def no_contrast_violations(page: object, where: str) -> None:
    """axe-core's color-contrast rule (WCAG 2 AA, 4.5:1 for text) over the whole page."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options={"runOnly": ["color-contrast"]})
    found = [
        (node["target"], node.get("failureSummary", "")[:160])
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]
    assert found == [], f"{where}: {found}"


async def test_a_provider_runs_the_day_from_the_panel_on_a_phone(
    served: tuple[str, PanelApp],  # noqa: F811 (the fixture imported above)
    chromium_path: str,  # noqa: F811
    backend: Backend,
) -> None:
    from playwright.async_api import Page, async_playwright, expect

    base, app = served
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def shot(page: Page, name: str) -> None:
        path = SCREENSHOTS / f"day-{backend.name}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 360px"

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = await browser.new_context(
            viewport={"width": PHONE[0], "height": PHONE[1]},
            locale="pt-BR",
            timezone_id="America/Manaus",  # the wizard starts at the browser's time zone
        )
        page = await context.new_page()
        try:
            await page.goto(base + "/panel/signup")
            await page.get_by_label("Nome do seu negócio").fill("Barbearia do Zé")
            await page.get_by_label("E-mail").fill(unique_email())
            await page.get_by_label("Senha").fill("correct horse")
            await page.get_by_role("button", name="Criar conta").click()
            await expect(page.get_by_label("Fuso horário")).to_have_value("America/Manaus")
            await shot(page, "00-setup-timezone")
            await page.get_by_label("Tipo de negócio").select_option("barbershop")
            await page.get_by_role("button", name="Continuar").click()
            await page.get_by_label("Nome do serviço").fill("Corte")
            await page.get_by_label("Duração (min)").fill("30")
            await page.get_by_label("Preço").fill("45,00")
            await page.get_by_label("Seu nome (quem atende)").fill("Zé")
            await page.get_by_role("button", name="Continuar").click()
            await page.get_by_role("button", name="Concluir").click()
            heading = page.get_by_role("heading", name="Seu link de agendamento")
            await expect(heading).to_be_visible()

            async with app.container.uow_factory(read_only=True) as uow:
                [business] = [
                    b for b in await uow.businesses.list_all(1000) if b.slug == "barbearia-do-ze"
                ]
            assert business.id is not None
            # Tuesday 3 March: Maria confirmed, João hasn't answered, Rita can't come.
            maria = await client_booking(
                app, business.id, datetime(2026, 3, 3, 13, tzinfo=UTC), name="Maria", tg=5001
            )
            joao = await client_booking(
                app, business.id, datetime(2026, 3, 3, 14, tzinfo=UTC), name="João", tg=5002
            )
            rita = await client_booking(
                app, business.id, datetime(2026, 3, 3, 15, tzinfo=UTC), name="Rita", tg=5003
            )
            async with app.container.uow_factory(read_only=True) as uow:
                found = {b: await uow.bookings.get(b) for b in (maria, joao, rita)}
            await use_cases.confirm_attendance(
                app.container.uow_factory(),
                now=app.clock(),
                booking_id=maria,
                client_id=found[maria].client_id,  # type: ignore[union-attr]
            )
            await use_cases.cancel_by_client(
                app.container.uow_factory(),
                now=app.clock(),
                booking_id=rita,
                client_id=found[rita].client_id,  # type: ignore[union-attr]
            )

            await page.goto(base + "/panel/agenda?day=2026-03-03")
            await expect(page.locator(f"#booking-{maria}")).to_contain_text("Cliente confirmou")
            await expect(page.locator(f"#booking-{joao}")).to_contain_text("Sem resposta")
            await expect(page.locator(f"#booking-{rita}")).to_contain_text("avisou que não vem")
            await shot(page, "01-agenda-attendance")
            await page.get_by_role("link", name="Só quem ainda não confirmou").click()
            await expect(page.locator(f"#booking-{joao}")).to_be_visible()
            await expect(page.locator(f"#booking-{maria}")).to_have_count(0)
            await shot(page, "02-agenda-not-confirmed")

            # After the visit: mark it done, then book Maria again in two clicks.
            app.clock.now = datetime(2026, 3, 3, 16, tzinfo=UTC)
            await page.goto(base + "/panel/agenda?day=2026-03-03")
            await page.locator(f"#booking-{maria}").get_by_role("button", name="Atendido").click()
            await page.get_by_role("link", name="Clientes").click()
            await page.get_by_label("Buscar por nome ou telefone").fill("mar")
            await page.get_by_role("button", name="Buscar").click()
            await page.get_by_role("link", name="Maria").click()
            await expect(page.locator("#past")).to_contain_text("Atendido")
            await expect(page.locator("[data-rate]")).to_contain_text("100%")
            await shot(page, "03-client-history")
            await page.locator("#past").get_by_role("link", name="Agendar de novo").click()  # 1
            await shot(page, "04-book-again")
            await page.locator("[data-at]").first.click()  # 2
            await expect(page.get_by_text("Agendamento criado.")).to_be_visible()
            assert "day=2026-03-10" in page.url  # same weekday and time, next week
            await shot(page, "05-booked-again")

            # Panel polish: every main page fits 360 px, its navigation included; a save
            # says "Salvo."; buttons and badges meet WCAG AA contrast (axe-core).
            for name, url in [
                ("06-export", "/panel/export"),
                ("07-settings", "/panel/settings"),
                ("08-team", "/panel/team"),
                ("09-agenda-week", "/panel/agenda?day=2026-03-03&view=week"),
                ("10-agenda-day", "/panel/agenda?day=2026-03-03"),
                ("11-clients", "/panel/clients"),
                ("12-requests", "/panel/requests"),
            ]:
                await page.goto(base + url)
                await shot(page, name)
                right = await page.evaluate(
                    "Math.max(...[...document.querySelectorAll('.tabs a, .top a')]"
                    ".map(a => a.getBoundingClientRect().right))"
                )
                assert right <= PHONE[0], f"{url}: a navigation link ends at {right}px"
                await no_contrast_violations(page, url)
            await page.goto(base + "/panel/team")
            await page.locator('a[href^="/panel/team/"]:not([href$="/new"])').first.click()
            await page.get_by_role("button", name="Salvar").first.click()
            await expect(page.get_by_text("Salvo.")).to_be_visible()
        finally:
            await context.close()
            await browser.close()
