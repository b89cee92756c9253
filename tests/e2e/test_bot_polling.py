"""`agendei run --polling`: a real token without a public URL, updates fetched with getUpdates.

The process under test is the real CLI; the Bot API it polls is the emulator, served here.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys

from storage.engine import create_engine
from storage.uow import make_uow_factory
from tests.conftest import Backend
from tests.e2e.emulator_fixtures import serve_emulator
from tests.integration.seed import seed_business

TOKEN = "4242001:polling-test-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_polling_mode_answers_a_deep_link(backend: Backend) -> None:
    engine = create_engine(backend.database_url)
    await seed_business(make_uow_factory(engine)(), slug="barbearia-polling")
    await engine.dispose()
    async with serve_emulator() as (base_url, state):
        bot = state.add_bot(TOKEN)
        env = {
            **os.environ,
            "AGENDEI_DATABASE_URL": backend.database_url,
            "AGENDEI_REDIS_URL": backend.redis_url,
            "AGENDEI_TELEGRAM_TOKEN": TOKEN,
            "AGENDEI_TELEGRAM_API_BASE": base_url,
            "AGENDEI_PORT": str(_free_port()),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "run",
            "--polling",
            "--no-demo",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            # No webhook is set in polling mode: the update waits in the emulator's queue
            # until the bot's getUpdates takes it.
            delivery = await state.send_text(TOKEN, 777001, "/start barbearia-polling")
            assert delivery.mode == "queued"
            reply = await state.wait_for_bot_message(TOKEN, 777001, within=60)
            assert "Negócio barbearia-polling" in (reply.text or "")
            assert bot.webhook.url in ("", None)
            assert bot.stats.calls.get("getUpdates", 0) >= 1
        finally:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
