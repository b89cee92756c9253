"""Webhook throughput: button presses inside the booking flow at 40 concurrent connections.

Layout (as in production, Telegram being another machine):

* the **app** runs in a process of its own (uvicorn on 127.0.0.1, built by ``app.wiring`` exactly
  as ``agendei run`` builds it, workers off); its replies (``editMessageText``,
  ``answerCallbackQuery``) go through aiogram's real HTTP client to...
* the **Bot API emulator**, served by uvicorn in this process, which also plays the users: it
  posts each button press to the webhook with an ``httpx.AsyncClient`` limited to 40
  connections (Telegram's default ``max_connections``).

The mix, per chat, cycles through the day step of the booking flow: a day (reads that day's free
times, edits the message into the time step), Back (reads the month's free days, edits), next
month, previous month (each reads a month's free days and edits). Every press reads
availability over a business whose days are half booked, and edits the message.

Phases, per backend (SQLite; PostgreSQL + Redis when both answer):

1. saturated: 40 presses always in flight, for a bounded count (or time) of updates;
2. fixed rate: 200 updates/s for a bounded count, latency measured from the scheduled send time
   (so a backlog shows up in the percentiles instead of slowing the sender down);
3. ceiling (the reference): the same HTTP client and route (secret check, parsing,
   de-duplication in the backend's store) in the same kind of process, feeding an aiogram
   Dispatcher with the same FSM storage whose one handler answers each update with one
   sendMessage to the same emulator; driven exactly like phase 1. The product's goal is absolute
   (updates/s); the ratio to this ceiling says how much of the machine the product's own work
   takes.

Also measured: the app process's CPU time per update in phase 1 (from /proc), its resident
memory at idle (a separate process built like ``agendei run``: web + bot + scheduler, no update
yet) and after the load, and, with ``AGENDEI_BENCH_PROFILE=1``, a cProfile of a bot process
whose top (by package and by function) goes into the notes beside the profile taken before
issue 13's changes (``bench/profiles/webhook_before.txt``).

Quick run: ``AGENDEI_BENCH_BACKENDS=sqlite AGENDEI_BENCH_CHATS=40 AGENDEI_BENCH_UPDATES=600
AGENDEI_BENCH_RATE_UPDATES=300 AGENDEI_BENCH_CEILING_UPDATES=600 python -m bench
webhook_throughput``.

``AGENDEI_BENCH_PROFILE=1`` writes a cProfile of each app process to ``bench/results/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import random
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bench.fixtures import create_business, database, insert_bookings, occupancy_rows
from bench.report import RESULTS, Metric, write
from emulator import EmulatorState, create_emulator_app
from storage.uow import make_uow_factory

NAME = "webhook_throughput"
HOST = "127.0.0.1"
CONNECTIONS = 40
CHATS = int(os.environ.get("AGENDEI_BENCH_CHATS", "80"))
SATURATED_UPDATES = int(os.environ.get("AGENDEI_BENCH_UPDATES", "3000"))
CEILING_UPDATES = int(os.environ.get("AGENDEI_BENCH_CEILING_UPDATES", "6000"))
PHASE_SECONDS = float(os.environ.get("AGENDEI_BENCH_PHASE_SECONDS", "15"))
RATE = float(os.environ.get("AGENDEI_BENCH_RATE", "100"))
RATE_UPDATES = int(os.environ.get("AGENDEI_BENCH_RATE_UPDATES", "2000"))
PROFILE = os.environ.get("AGENDEI_BENCH_PROFILE", "") == "1"
REDIS_URL = os.environ.get("AGENDEI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = os.environ.get("AGENDEI_BENCH_BACKENDS", "sqlite,postgres").split(",")
SECRET = "bench-webhook-secret"
ZONE = ZoneInfo("America/Sao_Paulo")
# Issue 13's goals, absolute (updates/s, one process); the ratio to the ceiling is reported too.
GOALS = {"sqlite": 250.0, "postgres_redis": 200.0}
P99_GOAL_MS = 50.0
CPU_GOAL_MS = 4.0
IDLE_RSS_GOAL_MB = 150.0
PROFILE_TOP = 18
SEP = "\x1d"  # aiogram-dialog's "<intent id>\x1d<widget data>"


# ------------------------------------------------------------------ the app process


def _serve(mode: str, config: dict[str, Any], port: int, profile: str, stop: Any) -> None:
    """Child process: the real app (``mode="bot"``) or the ceiling app, until ``stop`` is set
    (an event, not a signal: uvicorn re-raises signals after shutting down, which would kill
    the process before the profile is written)."""
    import cProfile
    import threading

    import uvicorn

    from app.settings import load_settings
    from app.wiring import build_app, build_container

    container = build_container(load_settings(**config))
    if mode == "idle":  # as `agendei run` serves it: web + bot + scheduler
        app = build_app(container, with_workers=True)
    elif mode == "bot":
        app = build_app(container, with_workers=False)
    else:
        app = _ceiling_app(container)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=HOST, port=port, log_level="warning", access_log=False, lifespan="on"
        )
    )

    def stopper() -> None:
        stop.wait()
        server.should_exit = True

    threading.Thread(target=stopper, daemon=True).start()
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    server.run()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)


def _ceiling_app(container: Any) -> Any:
    """The webhook route of the product over the backend's de-dup store, feeding a Dispatcher
    (same FSM storage and event isolation) whose one handler does nothing."""
    from collections.abc import AsyncIterator as _AsyncIterator

    from aiogram import Bot, Dispatcher, Router
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Update
    from fastapi import FastAPI

    from app.bot_wiring import _storage, is_outage
    from bot.dedup import DatabaseDedup, RedisDedup
    from webhooks.telegram import TelegramWebhook, telegram_webhook_router

    settings = container.settings
    api = TelegramAPIServer.from_base(settings.telegram_api_base)
    bot = Bot(settings.telegram_token, session=AiohttpSession(api=api))
    storage, isolation = _storage(container)
    dp = Dispatcher(storage=storage, events_isolation=isolation)
    router = Router()

    async def answer(event: Any, bot: Bot) -> None:
        """One sendMessage to the same emulator, carrying the pressed message's keyboard so
        the next press finds its buttons (as the real bot's edited message does)."""
        message = getattr(event, "message", None) or event
        markup = getattr(message, "reply_markup", None)
        await bot.send_message(message.chat.id, "ok", reply_markup=markup)

    router.callback_query.register(answer)
    router.message.register(answer)
    dp.include_router(router)
    dedup = (
        RedisDedup(container.redis)
        if container.redis is not None
        else DatabaseDedup(container.uow_factory, container.clock)
    )

    async def process(target: Bot, update: Update) -> None:
        await dp.feed_update(target, update)

    hook = TelegramWebhook(
        secret=settings.webhook_secret,
        bots={bot.id: bot},
        dedup=dedup,
        process=process,
        is_outage=is_outage,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> _AsyncIterator[None]:
        yield
        await dp.storage.close()
        await bot.session.close()
        await container.close()

    app = FastAPI(lifespan=lifespan)
    app.include_router(telegram_webhook_router(hook))
    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def app_process(
    mode: str, config: dict[str, Any], label: str
) -> AsyncIterator[tuple[str, Any]]:
    port = _free_port()
    url = f"http://{HOST}:{port}"
    profile = str(RESULTS / f"{NAME}.{label}.{mode}.prof") if PROFILE else ""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    process = context.Process(
        target=_serve, args=(mode, {**config, "public_url": url}, port, profile, stop), daemon=True
    )
    process.start()
    try:
        deadline = time.monotonic() + 120  # a cold interpreter imports aiogram & co. slowly
        while True:
            if not process.is_alive():
                raise RuntimeError(f"the {mode} app process died at start-up")
            try:
                _, writer = await asyncio.open_connection(HOST, port)
                writer.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the {mode} app did not start") from None
                await asyncio.sleep(0.1)
        yield url, process
    finally:
        stop.set()
        await asyncio.to_thread(process.join, 30)
        if process.is_alive():
            process.terminate()


@asynccontextmanager
async def serve_emulator(state: EmulatorState) -> AsyncIterator[str]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    config = uvicorn.Config(
        create_emulator_app(state),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=3,
        backlog=4096,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://{HOST}:{sock.getsockname()[1]}"
    finally:
        state.cancel_long_polls()
        server.should_exit = True
        await task
        sock.close()


# ------------------------------------------------------------------ the data


async def seed(database_url: str) -> str:
    """A business of three professionals, 09:00–18:00 Monday–Saturday, half booked for the
    next 60 days (what the availability reads walk through). Returns its slug."""
    from storage.engine import create_engine

    engine = create_engine(database_url)
    try:
        uow_factory = make_uow_factory(engine)
        scenario = await create_business(uow_factory, "barbearia-bench", staff=3, days=60)
        today = datetime.now(ZONE).date()
        window = replace(scenario, first_day=today, last_day=today + timedelta(days=60))
        await insert_bookings(engine, occupancy_rows(window, 0.5), scenario.service_id)
    finally:
        await engine.dispose()
    return "barbearia-bench"


# ------------------------------------------------------------------ the users

# One httpx client per connection, chosen by the sending task: a single client's pool of 40
# connections costs milliseconds of CPU per request (httpcore scans every connection), which
# made the sender, not the app, the bottleneck of the ceiling.
_sender: ContextVar[httpx.AsyncClient] = ContextVar("sender")


class SenderEmulator(EmulatorState):
    """The emulator, posting each update with the client of the task that sends it."""

    @property
    def http_client(self) -> httpx.AsyncClient:
        return _sender.get()


async def sending_with(client: httpx.AsyncClient, work: Awaitable[Any]) -> Any:
    _sender.set(client)  # this task's context only
    return await work


@dataclass
class Chat:
    user_id: int
    step: int = 0


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


CYCLE = ("day", "back", "next", "prev")


def _buttons(state: EmulatorState, bot_id: int, chat_id: int) -> tuple[int, list[str]]:
    message = state.last_bot_message(bot_id, chat_id)
    assert message is not None, f"chat {chat_id} has no bot message"
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return message.message_id, [
        b["callback_data"] for row in rows for b in row if "callback_data" in b
    ]


def _choose(chat: Chat, data: list[str]) -> str:
    """The next press of the cycle, or whatever the current window offers instead."""
    widgets = {d.split(SEP, 1)[-1]: d for d in data}
    days = [d for d in data if d.split(SEP, 1)[-1].startswith("day:")]
    want = CYCLE[chat.step % len(CYCLE)]
    chat.step += 1
    if want == "day" and days:
        return days[(chat.step // len(CYCLE)) % len(days)]
    if want in widgets:
        return widgets[want]
    if "back" in widgets:
        return widgets["back"]
    return days[0] if days else data[0]


async def press(state: EmulatorState, bot_id: int, chat: Chat) -> tuple[float, bool]:
    """One button press posted to the webhook; (seconds until the webhook answered, ok)."""
    message_id, data = _buttons(state, bot_id, chat.user_id)
    choice = _choose(chat, data)
    started = time.perf_counter()
    delivery = await state.press_button(bot_id, chat.user_id, message_id, data=choice)
    return time.perf_counter() - started, delivery.status == 200


async def open_day_step(state: EmulatorState, bot_id: int, chat: Chat, slug: str) -> None:
    """Deep link, Book, the service: the chat now shows the calendar."""
    await state.send_text(bot_id, chat.user_id, f"/start {slug}")
    for widget in ("book", "svc:"):
        message_id, data = _buttons(state, bot_id, chat.user_id)
        choice = next(d for d in data if d.split(SEP, 1)[-1].startswith(widget))
        delivery = await state.press_button(bot_id, chat.user_id, message_id, data=choice)
        assert delivery.status == 200, delivery


async def saturated(
    state: EmulatorState,
    bot_id: int,
    chats: list[Chat],
    total: int,
    senders: list[httpx.AsyncClient],
) -> Sample:
    """``CONNECTIONS`` presses always in flight (each worker owns its chats: one update of a
    chat at a time, as Telegram sends them)."""
    sample = Sample()
    counter = itertools.count()
    deadline = time.perf_counter() + PHASE_SECONDS

    async def worker(mine: list[Chat], sender: httpx.AsyncClient) -> None:
        _sender.set(sender)
        for chat in itertools.cycle(mine):
            if next(counter) >= total or time.perf_counter() > deadline:
                return
            latency, ok = await press(state, bot_id, chat)
            sample.latencies.append(latency)
            sample.errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker(chats[i::CONNECTIONS], senders[i]) for i in range(CONNECTIONS)))
    sample.elapsed = time.perf_counter() - started
    return sample


async def fixed_rate(
    state: EmulatorState,
    bot_id: int,
    chats: list[Chat],
    rate: float,
    count: int,
    senders: list[httpx.AsyncClient],
) -> Sample:
    """``rate`` presses per second on a fixed schedule; latency from the scheduled time."""
    sample = Sample()
    idle: deque[Chat] = deque(chats)
    connections: deque[httpx.AsyncClient] = deque(senders)
    freed = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    async def one(chat: Chat, sender: httpx.AsyncClient, scheduled: float) -> None:
        _sender.set(sender)
        _, ok = await press(state, bot_id, chat)
        sample.latencies.append(time.perf_counter() - scheduled)
        sample.errors += not ok
        idle.append(chat)
        connections.append(sender)
        freed.set()

    started = time.perf_counter() + 0.05
    deadline = started + count / rate + 5  # an app far behind ends the phase early
    for n in range(count):
        scheduled = started + n / rate
        if time.perf_counter() > deadline:
            break
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        # All 40 connections (or every chat) busy: the app is behind; the wait shows in latency.
        while not idle or not connections:
            freed.clear()
            await freed.wait()
        tasks.append(asyncio.create_task(one(idle.popleft(), connections.popleft(), scheduled)))
    await asyncio.gather(*tasks)
    sample.elapsed = time.perf_counter() - started
    return sample


# ------------------------------------------------------------------ one backend


@dataclass
class BackendResult:
    label: str
    flow: Sample
    at_rate: Sample
    ceiling: Sample
    setup_seconds: float
    cpu_ms_per_update: float = 0.0
    idle_rss_mb: float = 0.0
    loaded_rss_mb: float = 0.0
    profile: str = ""


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def profile_top(path: Path, top: int = PROFILE_TOP) -> str:
    """The top of a cProfile: own time by package, then the functions with the most own time.
    (Own time, not cumulative: cProfile's cumulative time double-counts resumed coroutines.)"""
    import pstats
    import re
    from collections import Counter

    stats = pstats.Stats(str(path))
    groups: Counter[str] = Counter()
    functions = []
    total = 0.0
    for (file, line, name), (_cc, calls, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += own
        found = re.search(r"site-packages/([^/]+)", file)
        if found:
            group = found.group(1)
        elif file.startswith(str(Path.cwd())):
            group = Path(file).relative_to(Path.cwd()).parts[0]
        else:
            group = "python/" + (Path(file).name if file != "~" else name[:30])
        groups[group] += own
        short = file.split("site-packages/")[-1].replace(str(Path.cwd()) + "/", "")
        functions.append((own, calls, f"{short}:{line}({name})"))
    lines = [f"own time {total:.1f} s; by package:"]
    lines += [f"  {t / total:5.1%} {t:6.2f} s {g}" for g, t in groups.most_common(top)]
    lines.append("functions by own time:")
    lines += [
        f"  {own:6.2f} s {calls:7d} calls {where}"
        for own, calls, where in sorted(functions, reverse=True)[:top]
    ]
    return "\n".join(lines)


async def measure(label: str, database_url: str, redis_url: str) -> BackendResult:
    bot_id = random.randint(10_000_000, 2_000_000_000)
    token = f"{bot_id}:bench-{bot_id:x}"
    slug = await seed(database_url)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with contextlib.AsyncExitStack() as stack:
        senders = [
            await stack.enter_async_context(httpx.AsyncClient(limits=limits, timeout=60))
            for _ in range(CONNECTIONS)
        ]
        state = SenderEmulator(webhook_timeout=60, callback_query_timeout=600)
        record = state.add_bot(token, username="agendei_bench_bot")
        try:
            async with serve_emulator(state) as emulator_url:
                config = {
                    "env": "test",
                    "database_url": database_url,
                    "redis_url": redis_url,
                    "telegram_token": token,
                    "telegram_api_base": emulator_url,
                    "webhook_secret": SECRET,
                }
                chats = [Chat(1_000_000 + n) for n in range(CHATS)]
                for chat in chats:
                    state.user(chat.user_id, language_code="pt-br", first_name=f"C{chat.user_id}")
                # Idle memory, as `agendei run` serves it (web + bot + scheduler), no update yet.
                async with app_process("idle", config, f"{label}_idle") as (_url, idle_process):
                    idle_rss = _rss_mb(idle_process.pid)
                async with app_process("bot", config, label) as (_url, bot_process):
                    began = time.perf_counter()
                    for group in range(0, len(chats), CONNECTIONS):
                        await asyncio.gather(
                            *(
                                sending_with(senders[n], open_day_step(state, bot_id, c, slug))
                                for n, c in enumerate(chats[group : group + CONNECTIONS])
                            )
                        )
                    setup = time.perf_counter() - began
                    await saturated(state, bot_id, chats, len(chats), senders)  # warm-up
                    cpu_before = _cpu_seconds(bot_process.pid)
                    flow = await saturated(state, bot_id, chats, SATURATED_UPDATES, senders)
                    cpu = _cpu_seconds(bot_process.pid) - cpu_before
                    at_rate = await fixed_rate(state, bot_id, chats, RATE, RATE_UPDATES, senders)
                    loaded_rss = _rss_mb(bot_process.pid)
                async with app_process("ceiling", config, label) as (url, _process):
                    record.webhook.url = f"{url}/webhooks/telegram/{bot_id}"
                    record.webhook.secret_token = SECRET
                    await saturated(state, bot_id, chats, len(chats), senders)  # warm-up
                    ceiling = await saturated(state, bot_id, chats, CEILING_UPDATES, senders)
        finally:
            await state.aclose()
            if redis_url:
                await _drop_redis_keys(redis_url, bot_id)
    profile = RESULTS / f"{NAME}.{label}.bot.prof"
    return BackendResult(
        label,
        flow,
        at_rate,
        ceiling,
        setup,
        cpu_ms_per_update=1000 * cpu / max(1, len(flow.latencies)),
        idle_rss_mb=idle_rss,
        loaded_rss_mb=loaded_rss,
        profile=profile_top(profile) if PROFILE and profile.exists() else "",
    )


async def _drop_redis_keys(redis_url: str, bot_id: int) -> None:
    """Only this run's keys (the Redis is shared): FSM and de-dup marks of its random bot."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        for pattern in (f"agendei:fsm:{bot_id}:*", f"agendei:tg-update:{bot_id}:*"):
            keys = [key async for key in redis.scan_iter(match=pattern, count=1000)]
            for start in range(0, len(keys), 500):
                await redis.delete(*keys[start : start + 500])
    finally:
        await redis.aclose()


async def _on(backend: str, redis_url: str) -> BackendResult:
    async with database(backend) as engine:
        url = engine.url.render_as_string(hide_password=False)
        await engine.dispose()
        label = "sqlite" if backend == "sqlite" else "postgres_redis"
        return await measure(label, url, redis_url)


def _postgres_available() -> bool:
    from tests.conftest import postgres_available

    return postgres_available()


def _metrics(result: BackendResult) -> list[Metric]:
    label, flow, at_rate, ceiling = result.label, result.flow, result.at_rate, result.ceiling
    ratio = flow.rate / ceiling.rate if ceiling.rate else 0.0
    goal = GOALS[label]
    p99_rate = at_rate.percentile(0.99)
    errors = flow.errors + at_rate.errors + ceiling.errors
    rate = f"{RATE:g}"
    return [
        Metric(
            f"{label}_updates_per_s",
            round(flow.rate, 1),
            "updates/s",
            goal=f">= {goal:g} updates/s (booking-flow mix, 40 connections)",
            meets=flow.rate >= goal,
        ),
        Metric(f"{label}_p50_ms", round(flow.percentile(0.5), 1), "ms"),
        Metric(f"{label}_p99_ms", round(flow.percentile(0.99), 1), "ms"),
        Metric(f"{label}_ceiling_updates_per_s", round(ceiling.rate, 1), "updates/s"),
        Metric(f"{label}_ceiling_p50_ms", round(ceiling.percentile(0.5), 1), "ms"),
        Metric(f"{label}_ceiling_p99_ms", round(ceiling.percentile(0.99), 1), "ms"),
        Metric(f"{label}_ratio_to_ceiling", round(ratio, 3), "x"),
        Metric(f"{label}_at_{rate}_per_s_achieved", round(at_rate.rate, 1), "updates/s"),
        Metric(f"{label}_at_{rate}_per_s_p50_ms", round(at_rate.percentile(0.5), 1), "ms"),
        Metric(
            f"{label}_at_{rate}_per_s_p99_ms",
            round(p99_rate, 1),
            "ms",
            goal=f"<= {P99_GOAL_MS:g} ms at {rate} updates/s offered",
            meets=p99_rate <= P99_GOAL_MS,
        ),
        Metric(
            f"{label}_cpu_ms_per_update",
            round(result.cpu_ms_per_update, 2),
            "ms",
            goal=f"<= {CPU_GOAL_MS:g} ms (app process CPU time / updates, phase 1)",
            meets=result.cpu_ms_per_update <= CPU_GOAL_MS,
        ),
        Metric(
            f"{label}_idle_rss_mb",
            round(result.idle_rss_mb, 1),
            "MB",
            goal=f"<= {IDLE_RSS_GOAL_MB:g} MB (web + bot + scheduler, no update yet)",
            meets=result.idle_rss_mb <= IDLE_RSS_GOAL_MB,
        ),
        Metric(f"{label}_rss_after_load_mb", round(result.loaded_rss_mb, 1), "MB"),
        Metric(f"{label}_errors", errors, "updates", goal="0 non-200 answers", meets=errors == 0),
    ]


def _describe(result: BackendResult) -> str:
    flow, at_rate, ceiling = result.flow, result.at_rate, result.ceiling
    return (
        f"{result.label}: flow {len(flow.latencies)} updates in {flow.elapsed:.1f} s, "
        f"ceiling {len(ceiling.latencies)} in {ceiling.elapsed:.1f} s, "
        f"fixed rate {len(at_rate.latencies)} in {at_rate.elapsed:.1f} s; "
        f"{CHATS} chats set up in {result.setup_seconds:.1f} s."
    )


async def _main() -> list[BackendResult]:
    results = []
    if "sqlite" in BACKENDS:
        results.append(await _on("sqlite", ""))
    if "postgres" in BACKENDS and _postgres_available():
        results.append(await _on("postgres", REDIS_URL))
    return results


PROFILE_BEFORE = Path(__file__).parent / "profiles" / "webhook_before.txt"
PROFILE_AFTER = Path(__file__).parent / "profiles" / "webhook_after.txt"


def run() -> Path:
    results = asyncio.run(_main())
    metrics = [m for r in results for m in _metrics(r)]
    notes = " ".join(
        [
            f"One app process (uvicorn, workers off) per phase; Bot API emulator and the "
            f"{CONNECTIONS} httpx senders (one connection each) in the bench process. "
            "Mix per chat: a day (reads that day's free times), Back, next month, previous "
            "month (each reads a month's free days); every press edits the message and "
            "answers the query through aiogram's HTTP client. "
            "Business: 3 professionals, half booked for 60 days. "
            "Latency = until the webhook answered (the bot's replies are made before it "
            f"answers); at {RATE:g}/s it counts from the scheduled send time. Ceiling (the "
            "reference): same HTTP client and route, secret check, de-dup store and aiogram "
            "Dispatcher with the same FSM storage, one handler answering each update with one "
            "sendMessage to the same emulator. CPU per update is a mean over phase 1 (/proc "
            "utime+stime of the app process).",
            *(_describe(r) for r in results),
            "" if len(results) > 1 else "PostgreSQL + Redis not reachable: not measured.",
            "2 shared CPU cores: the app process and the bench process compete with each other "
            "and with anything else running; compare ratios within one run.",
        ]
    )
    before = PROFILE_BEFORE.read_text() if PROFILE_BEFORE.exists() else ""
    after = "\n".join(f"[{r.label}]\n{r.profile}" for r in results if r.profile)
    if after:  # kept for the runs that are not profiled (profiling slows the app ~2x)
        stamp = f"{datetime.now(ZONE):%Y-%m-%d %H:%M %Z}, {CHATS} chats"
        stamp += f", {SATURATED_UPDATES} updates"
        PROFILE_AFTER.write_text(f"Taken {stamp} (AGENDEI_BENCH_PROFILE=1).\n{after}\n")
    notes += "\n\nPROFILE BEFORE issue 13 (bot app process, cProfile):\n" + before
    if after:
        notes += "\n\nPROFILE AFTER (this run):\n" + after
    elif PROFILE_AFTER.exists():
        notes += "\n\nPROFILE AFTER (last profiled run; this one was not):\n"
        notes += PROFILE_AFTER.read_text()
    return write(NAME, metrics, notes)
