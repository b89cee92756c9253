"""The production path with a real token: every t.me link and QR code names the bot that
getMe reports for that token ("barbearia_teste_bot"), never a built-in default. Both backends.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import sys

import httpx
import segno

from tests.conftest import Backend
from tests.e2e.bot_harness import BOT_USERNAME, running_bot
from tests.integration.panel_support import PanelClient, unique_email


def qr_of(url: str, kind: str) -> bytes:
    """What the panel must serve for ``url`` (segno is deterministic; no QR decoder here)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind=kind, scale=10, border=2)
    return buffer.getvalue()


async def test_links_and_qr_codes_name_the_bot_getme_reports(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        assert bot.container.bot_identity.username == BOT_USERNAME
        async with httpx.AsyncClient(base_url=bot.url) as http:
            client = PanelClient(http)
            await client.signup(unique_email())
            share = await client.onboard()
            booking_link = f"https://t.me/{BOT_USERNAME}?start=barbearia-do-ze"
            assert booking_link in share.text
            assert re.search(rf"https://t\.me/{BOT_USERNAME}\?start=link-[\w-]{{16,}}", share.text)
            assert "t.me/agendei_bot" not in share.text

            svg = await client.get("/panel/share/qr.svg")
            assert svg.content == qr_of(booking_link, "svg")
            png = await client.get("/panel/share/qr.png")
            assert png.content == qr_of(booking_link, "png")

            # A team member's "connect my Telegram" link.
            team = await client.get("/panel/team")
            staff_id = re.search(r'href="/panel/team/(\d+)"', team.text)
            assert staff_id is not None
            await client.get(f"/panel/team/{staff_id.group(1)}")
            member = await client.post(f"/panel/team/{staff_id.group(1)}/link-code")
            assert re.search(rf"https://t\.me/{BOT_USERNAME}\?start=link-", member.text)

        # The command line, with the same token and no --bot-username, asks getMe too.
        async with bot.container.uow_factory(read_only=True) as uow:
            business = await uow.businesses.get_by_slug("barbearia-do-ze")
        assert business is not None
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AGENDEI_DATABASE_URL": backend.database_url,
            "AGENDEI_TELEGRAM_TOKEN": bot.token,
            "AGENDEI_TELEGRAM_API_BASE": bot.container.settings.telegram_api_base,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "provider",
            "link-code",
            "--business-id",
            str(business.id),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, err.decode()
        assert re.fullmatch(rf"https://t\.me/{BOT_USERNAME}\?start=link-[\w-]+\n", out.decode())


async def test_a_bad_token_makes_link_code_say_what_to_fix(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AGENDEI_DATABASE_URL": backend.database_url,
            "AGENDEI_TELEGRAM_TOKEN": "999:not-a-real-token",
            "AGENDEI_TELEGRAM_API_BASE": bot.container.settings.telegram_api_base,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "provider",
            "link-code",
            "--business-id",
            "1",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 2 and out == b""
        assert "AGENDEI_TELEGRAM_TOKEN" in err.decode()
