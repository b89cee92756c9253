"""``agendei doctor`` and the panel's "check my set-up" page: each broken part is reported
in plain words with its fix, against the Bot API emulator and real databases."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from app.doctor import Finding, Subject, diagnose, expected_webhook_url, report
from app.settings import Settings, load_settings
from app.wiring import build_container
from emulator import EmulatorState
from storage.engine import create_engine
from storage.migrate import migrate
from tests.conftest import Backend
from tests.e2e.emulator_fixtures import serve_emulator

TOKEN = "4242:doctor-test-token"
PUBLIC = "https://agendei.example"


@asynccontextmanager
async def emulated(
    backend: Backend, **settings: object
) -> AsyncIterator[tuple[Settings, EmulatorState]]:
    async with serve_emulator() as (url, state):
        record = state.add_bot(TOKEN, username="barbearia_teste_bot")
        values: dict[str, object] = {
            "database_url": backend.database_url,
            "redis_url": backend.redis_url,
            "telegram_token": TOKEN,
            "telegram_api_base": url,
            "public_url": PUBLIC,
        }
        chosen = load_settings(**(values | settings))
        record.webhook.url = expected_webhook_url(chosen)
        yield chosen, state


async def run(settings: Settings) -> dict[str, Finding]:
    container = build_container(settings)
    try:
        subject = Subject(settings=settings, engine=container.engine, redis=container.redis)
        return {f.check: f for f in await diagnose(subject)}
    finally:
        await container.close()


async def test_a_good_set_up_passes_every_check(backend: Backend) -> None:
    async with emulated(backend) as (settings, _state):
        found = await run(settings)
    assert all(f.ok for f in found.values()), report(list(found.values()), "en")
    assert found["token"].detail("en") == "valid: the bot is @barbearia_teste_bot"
    assert set(found) == {
        "token",
        "webhook",
        "pending",
        "database",
        "migrations",
        "scheduler",
        "redis",
    }


async def test_a_bad_token_is_named_with_the_fix(backend: Backend) -> None:
    async with emulated(backend) as (settings, _state):
        found = await run(settings.model_copy(update={"telegram_token": "4242:wrong"}))
    token = found["token"]
    assert not token.ok and token.detail("pt_BR") == "o Telegram recusou o token"
    assert "@BotFather" in token.fix("pt_BR") and "AGENDEI_TELEGRAM_TOKEN" in token.fix("en")


async def test_a_wrong_webhook_and_a_delivery_error(backend: Backend) -> None:
    async with emulated(backend) as (settings, state):
        record = state.bot(4242)
        record.webhook.url = "https://old-server.example/hook"
        wrong = (await run(settings))["webhook"]
        assert not wrong.ok
        assert "https://old-server.example/hook" in wrong.detail("en")
        assert expected_webhook_url(settings) in wrong.detail("en")
        assert "Restart Agendei" in wrong.fix("en")

        record.webhook.url = expected_webhook_url(settings)
        record.webhook.last_error_date = 1_750_000_000
        record.webhook.last_error_message = "Connection refused"
        failing = (await run(settings))["webhook"]
        assert not failing.ok and "Connection refused" in failing.detail("en")


async def test_redis_down(backend: Backend) -> None:
    async with emulated(backend, redis_url="redis://127.0.0.1:1/0") as (settings, _state):
        found = await run(settings)
    assert not found["redis"].ok and "AGENDEI_REDIS_URL" in found["redis"].fix("en")
    assert found["database"].ok


async def test_migrations_behind(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    await migrate(engine, "0003")
    await engine.dispose()
    found = await run(load_settings(database_url=url))
    migrations = found["migrations"]
    assert not migrations.ok and "0003" in migrations.detail("en")
    assert "agendei migrate" in migrations.fix("en")
    assert found["token"].ok and found["token"].note  # the sandbox: said, not a failure


async def test_the_command_line_says_what_is_wrong_and_fails(backend: Backend) -> None:
    async with emulated(backend) as (settings, _state):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AGENDEI_DATABASE_URL": backend.database_url,
            "AGENDEI_TELEGRAM_TOKEN": "4242:wrong",
            "AGENDEI_TELEGRAM_API_BASE": settings.telegram_api_base,
            "AGENDEI_PUBLIC_URL": PUBLIC,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "doctor",
            "--lang",
            "en",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 1, err.decode()
    text = out.decode()
    assert "[ERR] Bot token: Telegram rejected the token" in text
    assert "[OK ] Database: answering" in text


async def test_the_panel_walks_a_sandbox_provider_to_production(backend: Backend) -> None:
    from tests.integration.panel_support import panel_app, unique_email

    async with panel_app(backend) as app:
        client = app.client()
        await client.signup(unique_email())
        share = await client.onboard()
        assert "Seu bot ainda está no modo de teste" in share.text
        assert "@BotFather" in share.text and "AGENDEI_TELEGRAM_TOKEN" in share.text
        assert "--polling" in share.text and 'href="/panel/setup/check"' in share.text
        page = await client.get("/panel/setup/check")
        assert page.status_code == 200
        assert "Verificar minha configuração" in page.text
        assert "modo de teste (sandbox)" in page.text  # the token check, as a note
        assert "Banco de dados</strong>:\n    respondendo" in page.text
        assert 'data-ok="no"' not in page.text


async def test_the_panel_check_page_names_a_broken_part(backend: Backend) -> None:
    from tests.integration.panel_support import panel_app, unique_email

    async with panel_app(backend) as app:
        client = app.client()
        await client.signup(unique_email())
        await client.onboard()
        # Redis goes away after start-up: the container's client now reaches nothing.
        from redis.asyncio import Redis

        original, gone = app.container.redis, Redis.from_url("redis://127.0.0.1:1/0")
        app.container.redis = gone
        try:
            page = await client.get("/panel/setup/check")
        finally:
            app.container.redis = original
            await gone.aclose()
    assert page.status_code == 200
    assert "1 item(ns) precisam de atenção" in page.text
    assert 'data-ok="no"' in page.text and "AGENDEI_REDIS_URL" in page.text
