"""A private little production for the fault suite: its own PostgreSQL and Redis on free ports,
app instances as real ``agendei run`` processes, and a stand-in for Telegram that delivers each
update to a live instance and, like Telegram, delivers it again until one answers 2xx.

Nothing here is shared with the rest of the test suite or with other test sessions.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from emulator import Delivery, EmulatorState
from webhooks.telegram import SECRET_HEADER

HOST = "127.0.0.1"
SECRET = "faults-webhook-secret"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing_binaries() -> str | None:
    if postgres_bin() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found"
    if shutil.which("redis-server") is None:
        return "redis-server not found"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a 'postgres' user to run the server"
        if shutil.which("runuser") is None:
            return "running as root without runuser"
    return None


async def until(check: Any, what: str, within: float) -> float:
    """Poll ``check()`` (sync or async) until true; the seconds it took."""
    started = time.monotonic()
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within:.0f} s: {what}")
        await asyncio.sleep(0.05)


class Postgres:
    def __init__(self) -> None:
        found = postgres_bin()
        assert found is not None
        self.bin: Path = found
        # Its own folder under the system temp dir: pytest's tmp_path is private to root,
        # and the server runs as the postgres user.
        self.dir = Path(tempfile.mkdtemp(prefix="agendei-faults-pg-"))
        self.port = free_port()
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@{HOST}:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as_postgres, *args], capture_output=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.decode()[-2000:]}")

    def init(self) -> None:
        if self._as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.dir / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -k {self.dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.dir / "data"),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def crash(self) -> None:
        """``immediate``: no clean shutdown, recovery on the next start ("starting up")."""
        self.stop("immediate")


class Redis:
    def __init__(self, base: Path) -> None:
        self.dir = base / "redis"
        self.dir.mkdir(parents=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self, *, persistent: bool) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "yes" if persistent else "no",
                "--appendfsync",
                "always",
                "--dir",
                str(self.dir),
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)
            self.process = None

    def wipe(self) -> None:
        """What a restart without persistence starts from: nothing."""
        for path in self.dir.iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()

    async def ready(self) -> None:
        def answers() -> bool:
            try:
                with socket.create_connection((HOST, self.port), 0.2):
                    return True
            except OSError:
                return False

        await until(answers, "redis answers", 15)


@dataclass
class Instance:
    """One ``agendei run`` process."""

    name: str
    env: dict[str, str]
    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    ready: bool = False

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        log = (self.log_dir / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "run", "--no-demo", "--port", str(self.port)],
            env={**self.env, "AGENDEI_PUBLIC_URL": self.url},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.ready = False

    async def wait_ready(self, within: float = 60) -> float:
        """Seconds from now until /healthz answers 200."""
        async with httpx.AsyncClient(timeout=1) as client:

            async def healthy() -> bool:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(f"{self.name} exited with {self.process.returncode}")
                try:
                    return (await client.get(f"{self.url}/healthz")).status_code == 200
                except httpx.HTTPError:
                    return False

            took = await until(healthy, f"{self.name} serving", within)
        self.ready = True
        return took

    def kill(self) -> None:
        assert self.process is not None
        self.ready = False
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    async def terminate(self, within: float = 60) -> float:
        """SIGTERM; the seconds until the process exited."""
        assert self.process is not None
        self.ready = False
        self.process.send_signal(signal.SIGTERM)
        process = self.process
        return await until(lambda: process.poll() is not None, f"{self.name} exits", within)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@dataclass
class Counts:
    delivered: int = 0
    redelivered: int = 0  # answers other than 2xx, or no answer: Telegram tries again
    lost: int = 0  # never accepted within the bound


class Telegram:
    """Delivers the emulator's updates to the instances, round robin among those alive, and
    again after a non-2xx answer or a broken connection, as Telegram does."""

    def __init__(self, emulator: EmulatorState, instances: list[Instance], bot_id: int) -> None:
        self.emulator = emulator
        self.instances = instances
        self.bot_id = bot_id
        self.counts = Counts()
        self._next = 0
        self._http = httpx.AsyncClient(timeout=30)
        emulator.dispatch = self.dispatch  # type: ignore[method-assign,assignment]

    async def aclose(self) -> None:
        await self._http.aclose()

    def _pick(self) -> Instance | None:
        alive = [i for i in self.instances if i.ready]
        if not alive:
            return None
        self._next += 1
        return alive[self._next % len(alive)]

    async def dispatch(self, _record: Any, update: dict[str, Any]) -> Delivery:
        deadline = time.monotonic() + 90
        first = True
        while time.monotonic() < deadline:
            if not first:
                self.counts.redelivered += 1
                await asyncio.sleep(0.25)  # Telegram's retry interval, shortened
            first = False
            instance = self._pick()
            if instance is None:
                continue
            try:
                response = await self._http.post(
                    f"{instance.url}/webhooks/telegram/{self.bot_id}",
                    json=update,
                    headers={SECRET_HEADER: SECRET},
                )
            except httpx.HTTPError:
                continue
            if 200 <= response.status_code < 300:
                self.counts.delivered += 1
                return Delivery(update=update, mode="webhook", status=response.status_code)
        self.counts.lost += 1
        return Delivery(update=update, mode="webhook", status=None, error="never accepted")
