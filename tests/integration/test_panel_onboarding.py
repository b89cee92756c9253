"""From sign-up to a shareable booking link: the wizard, the QR codes, the Telegram link code."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import time, timedelta

from domain.errors import NotFound
from domain.linking import redeem_link_code
from tests.conftest import Backend
from tests.integration.panel_support import panel_app, unique_email


async def test_signup_to_booking_link_in_at_most_five_forms(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client()
        await client.signup(unique_email(), business="Barbearia do Zé")
        page = await client.onboard()
        assert client.posts <= 5
        assert page.status_code == 200
        # In the sandbox the links name the emulated bot (getMe of a real token: e2e tests).
        assert "https://t.me/agendei_sandbox_bot?start=barbearia-do-ze" in page.text
        assert re.search(r"https://t\.me/agendei_sandbox_bot\?start=link-[\w-]{16,}", page.text)
        svg = await client.get("/panel/share/qr.svg")
        assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
        assert svg.text.lstrip().startswith("<?xml") or "<svg" in svg.text
        png = await client.get("/panel/share/qr.png")
        assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
        # The wizard made the owner the first professional, performing the first service.
        async with app.container.uow_factory(read_only=True) as uow:
            business = await uow.businesses.get_by_slug("barbearia-do-ze")
            assert business is not None and business.id is not None
            assert business.kind == "barbershop" and business.timezone == "America/Sao_Paulo"
            [service] = await uow.services.list_for_business(business.id)
            [owner] = await uow.staff.list_for_business(business.id)
        assert (service.name, service.duration_minutes, service.price_minor) == ("Corte", 30, 4500)
        assert owner.name == "Zé" and owner.service_ids == {service.id}
        assert len(owner.weekly_hours) == 6
        assert owner.weekly_hours[0].start == time(9) and owner.weekly_hours[0].end == time(18)
        # Finished: /panel goes to the agenda now.
        home = await client.get("/panel")
        assert home.headers["location"] == "/panel/agenda"


async def test_the_bot_redeems_the_telegram_link_once(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client()
        await client.signup(unique_email())
        page = await client.onboard()
        code = re.search(r"start=link-([A-Za-z0-9_-]+)", page.text)
        assert code is not None
        link = await redeem_link_code(
            app.container.uow_factory(),
            now=app.clock(),
            code=f"link-{code.group(1)}",
            telegram_user_id=777,
        )
        assert link.telegram_user_id == 777 and link.staff_id is None
        try:
            await redeem_link_code(
                app.container.uow_factory(),
                now=app.clock(),
                code=code.group(1),
                telegram_user_id=778,
            )
        except NotFound:
            pass
        else:
            raise AssertionError("a link code worked twice")
        # A fresh code expires after 15 minutes.
        page = await client.get("/panel/share")
        fresh = re.search(r"start=link-([A-Za-z0-9_-]+)", page.text)
        assert fresh is not None
        try:
            await redeem_link_code(
                app.container.uow_factory(),
                now=app.clock() + timedelta(minutes=16),
                code=fresh.group(1),
                telegram_user_id=779,
            )
        except NotFound:
            pass
        else:
            raise AssertionError("an expired link code worked")
        async with app.container.uow_factory(read_only=True) as uow:
            links = await uow.links.links_for_telegram_user(777)
        assert [x.telegram_user_id for x in links] == [777]


async def test_wizard_validation_shows_errors_beside_fields(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client()
        await client.signup(unique_email())
        await client.get("/panel/setup/business")
        bad = await client.post(
            "/panel/setup/business",
            {"name": "", "kind": "spaceship", "timezone": "Mars/Base", "address": "Rua B"},
        )
        assert bad.status_code == 400
        assert 'value="Rua B"' in bad.text and 'value="Mars/Base"' in bad.text
        assert "Preencha este campo." in bad.text and "fuso horário" in bad.text
        await client.post("/panel/setup/business", {"name": "Studio", "timezone": "America/Manaus"})
        bad = await client.post(
            "/panel/setup/service",
            {"name": "Yoga", "duration_minutes": "abc", "price": "12,345", "owner_name": ""},
        )
        assert bad.status_code == 400
        assert 'value="Yoga"' in bad.text and "número inteiro" in bad.text
        assert "45,00" in bad.text  # the money hint
        async with app.container.uow_factory(read_only=True) as uow:
            business = (await uow.businesses.list_all())[-1]
            assert business.id is not None
            assert await uow.services.list_for_business(business.id) == []
        await client.post(
            "/panel/setup/service",
            {"name": "Yoga", "duration_minutes": "60", "price": "80", "owner_name": "Ana"},
        )
        bad = await client.post(
            "/panel/setup/hours",
            {
                "day0_open": "1",
                "day0_start": "09:00",
                "day0_end": "13:00",
                "day0_start_1": "12:00",
                "day0_end_1": "18:00",
                "action": "save",
            },
        )
        assert bad.status_code == 400 and "se sobrepõem" in bad.text
        none = await client.post("/panel/setup/hours", {"action": "save"})
        assert none.status_code == 400 and "pelo menos um dia" in none.text


async def test_copy_monday_to_weekdays_without_javascript(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client()
        await client.signup(unique_email())
        await client.get("/panel/setup/hours")
        page = await client.post(
            "/panel/setup/hours",
            {"day0_open": "1", "day0_start": "08:00", "day0_end": "12:00", "action": "copy"},
        )
        assert page.status_code == 200
        assert page.text.count('value="08:00"') == 5 and page.text.count('value="12:00"') == 5


def test_cli_prints_a_link_code_the_bot_can_redeem(backend: Backend) -> None:
    env = {"AGENDEI_DATABASE_URL": backend.database_url, "PATH": "/usr/bin:/bin"}

    def agendei(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    created = agendei(
        "provider",
        "create",
        "--email",
        unique_email(),
        "--password",
        "s3nha-forte",
        "--business-name",
        "Studio",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    business_id = re.search(r'"business_id": (\d+)', created.stdout)
    assert business_id is not None
    result = agendei("provider", "link-code", "--business-id", business_id.group(1))
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"https://t\.me/agendei_sandbox_bot\?start=link-[\w-]+\n", result.stdout)
    missing = agendei("provider", "link-code", "--business-id", "99999")
    assert missing.returncode == 2 and "business not found" in missing.stderr
