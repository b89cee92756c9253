"""The README's non-container deployment, as a new user follows it: build the wheel, install it
into a fresh venv, migrate, run in production mode with PostgreSQL and Redis, the webhook set
(against the emulator instead of Telegram), /readyz green. Slow (an install): one test."""

from __future__ import annotations

import asyncio
import secrets
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import Backend
from tests.e2e.emulator_fixtures import serve_emulator
from webhooks.telegram import webhook_path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "5550001:wheel-install-token"


async def sh(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    process = await asyncio.create_subprocess_exec(
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 900)
    assert process.returncode == 0, f"{args}: {out.decode()[-3000:]}"
    return out.decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
@pytest.mark.timeout(1500)  # builds a wheel and installs it and its dependencies in a new venv
async def test_wheel_install_migrate_run_ready(backend: Backend, tmp_path: Path) -> None:
    if backend.name != "postgres":
        pytest.skip("the production path runs on PostgreSQL + Redis")
    # 1-2. Build the wheel; install it into a fresh venv (README "Deploying without containers").
    await sh(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)
    )
    [wheel] = await asyncio.to_thread(lambda: list(tmp_path.glob("agendei-*.whl")))
    venv = tmp_path / "venv"
    await sh(sys.executable, "-m", "venv", str(venv))
    await sh(str(venv / "bin" / "pip"), "install", "-q", str(wheel))
    agendei = str(venv / "bin" / "agendei")

    port = free_port()
    public = f"http://127.0.0.1:{port}"
    async with serve_emulator() as (emulator_url, state):
        state.add_bot(TOKEN, username="barbearia_teste_bot")
        env = {
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "AGENDEI_ENV": "production",
            "AGENDEI_DATABASE_URL": backend.database_url,
            "AGENDEI_REDIS_URL": backend.redis_url,
            "AGENDEI_TELEGRAM_TOKEN": TOKEN,
            "AGENDEI_TELEGRAM_API_BASE": emulator_url,
            "AGENDEI_PUBLIC_URL": public,
            "AGENDEI_SECRET_KEY": secrets.token_urlsafe(32),
            "AGENDEI_HOST": "127.0.0.1",
            "AGENDEI_PORT": str(port),
            "AGENDEI_LOG_FORMAT": "json",
        }
        # 3. Migrate (from a directory without the sources: the wheel must carry everything).
        assert "up to date" in await sh(agendei, "migrate", env=env, cwd=tmp_path)
        # 4. Run, as the systemd unit does.
        server = await asyncio.create_subprocess_exec(
            agendei,
            "run",
            "--no-demo",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            ready = None
            async with httpx.AsyncClient(base_url=public, timeout=5) as http:
                for _ in range(600):  # up to ~60 s to start
                    if server.returncode is not None:
                        break
                    try:
                        ready = await http.get("/readyz")
                    except httpx.TransportError:
                        ready = None
                    if ready is not None and ready.status_code == 200:
                        break
                    await asyncio.sleep(0.1)
            assert ready is not None and ready.status_code == 200, ready and ready.text
            assert ready.json()["checks"] == {"database": "ok", "redis": "ok", "scheduler": "ok"}
            # 5. The webhook Telegram (here the emulator) delivers to.
            record = state.bot(int(TOKEN.split(":")[0]))
            assert record.webhook.url == public + webhook_path(record.id)
            assert record.webhook.secret_token
        finally:
            if server.returncode is None:
                server.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(server.communicate(), 60)
        assert '"level": "ERROR"' not in err.decode(), err.decode()[-3000:]
