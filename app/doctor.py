""" "Is my set-up right?": the checks behind ``agendei doctor`` and the panel's
"Verificar minha configuração" page (one module, the same answers in both places).

Each check gives a :class:`Finding`: fine or not, what was seen, and, when something is wrong,
the fix in plain words (texts in ``i18n/locales/<locale>/doctor.po``). Nothing here changes
anything; it only asks (Telegram's getMe and getWebhookInfo, the database, Redis).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from redis.asyncio import Redis

from i18n import load_catalog
from storage.engine import AsyncEngine, ping
from storage.health import migration_state, outbox_backlog
from webhooks.telegram import webhook_path

from .settings import Settings

# More updates than this waiting at Telegram means they are not being fetched or accepted.
PENDING_LIMIT = 50


@dataclass(frozen=True)
class Finding:
    check: str  # token, webhook, pending, scheduler, database, redis, migrations
    ok: bool
    key: str  # the message id in doctor.po: "<check>.<what was seen>"
    values: dict[str, object] = field(default_factory=dict)
    # Not a failure but worth saying (e.g. the sandbox has no token on purpose).
    note: bool = False

    def title(self, locale: str) -> str:
        return load_catalog("doctor").text(locale, f"check.{self.check}")

    def detail(self, locale: str) -> str:
        return load_catalog("doctor").text(locale, self.key, **self.values)

    def fix(self, locale: str) -> str:
        catalog = load_catalog("doctor")
        fix_key = f"{self.key}.fix"
        return (
            catalog.text(locale, fix_key, **self.values) if fix_key in catalog.keys(locale) else ""
        )


@dataclass
class Subject:
    """What to examine: settings plus the parts already built (or built by the caller)."""

    settings: Settings
    engine: AsyncEngine
    redis: Redis | None
    # How late the in-process scheduler is (None when it does not run in this process).
    scheduler_lag: Callable[[], float | None] = lambda: None
    polling: bool = False
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def expected_webhook_url(settings: Settings) -> str:
    bot_id = int(settings.telegram_token.split(":", 1)[0])
    return settings.public_url + webhook_path(bot_id)


async def _telegram(subject: Subject) -> list[Finding]:
    settings = subject.settings
    if settings.sandbox:
        return [Finding("token", True, "token.sandbox", note=True)]
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    api = settings.telegram_api_base
    session = AiohttpSession(api=TelegramAPIServer.from_base(api)) if api else AiohttpSession()
    bot = Bot(settings.telegram_token, session=session)
    try:
        try:
            me = await bot.get_me()
        except TelegramUnauthorizedError:
            return [Finding("token", False, "token.rejected")]
        except (TelegramNetworkError, OSError, TimeoutError) as error:
            return [Finding("token", False, "token.unreachable", {"error": str(error)})]
        findings = [Finding("token", True, "token.ok", {"username": me.username or ""})]
        info = await bot.get_webhook_info()
    finally:
        await bot.session.close()
    findings.append(_webhook(settings, subject.polling, info.url, info.last_error_message))
    pending = info.pending_update_count
    findings.append(
        Finding(
            "pending",
            pending <= PENDING_LIMIT,
            "pending.ok" if pending <= PENDING_LIMIT else "pending.many",
            {"count": pending},
        )
    )
    return findings


def _webhook(settings: Settings, polling: bool, url: str, last_error: str | None) -> Finding:
    if not settings.public_url:
        if url:  # polling cannot work while a webhook is set
            return Finding("webhook", False, "webhook.set_without_public_url", {"url": url})
        return Finding("webhook", True, "webhook.polling", note=True)
    if not settings.public_url.startswith("https://"):
        return Finding("webhook", False, "webhook.not_https", {"public_url": settings.public_url})
    expected = expected_webhook_url(settings)
    if url != expected:
        return Finding(
            "webhook", False, "webhook.wrong_url", {"url": url or "—", "expected": expected}
        )
    if last_error:
        return Finding("webhook", False, "webhook.delivery_error", {"error": last_error})
    return Finding("webhook", True, "webhook.ok", {"url": url})


async def _database(subject: Subject) -> list[Finding]:
    try:
        await ping(subject.engine)
    except Exception as error:
        return [Finding("database", False, "database.down", {"error": _short(error)})]
    findings = [Finding("database", True, "database.ok")]
    current, head = await migration_state(subject.engine)
    if current != head:
        values: dict[str, object] = {"current": current or "—", "head": head}
        findings.append(Finding("migrations", False, "migrations.behind", values))
        return findings  # the scheduler's tables may not be there yet
    findings.append(Finding("migrations", True, "migrations.ok", {"head": head}))
    findings.append(await _scheduler(subject))
    return findings


async def _scheduler(subject: Subject) -> Finding:
    limit = subject.settings.scheduler_max_lag_seconds
    lag = subject.scheduler_lag()
    if lag is not None and lag > limit:
        return Finding("scheduler", False, "scheduler.late", {"seconds": round(lag)})
    # From any process: notifications overdue for longer than the limit mean nobody sends.
    _depth, overdue = await outbox_backlog(subject.engine, subject.clock())
    if overdue > limit:
        return Finding("scheduler", False, "scheduler.behind", {"seconds": round(overdue)})
    return Finding("scheduler", True, "scheduler.ok", {"seconds": round(max(lag or 0, overdue))})


async def _redis(subject: Subject) -> list[Finding]:
    if subject.redis is None:
        return [Finding("redis", True, "redis.none", note=True)]
    try:
        await subject.redis.ping()  # type: ignore[misc]
    except Exception as error:
        return [Finding("redis", False, "redis.down", {"error": _short(error)})]
    return [Finding("redis", True, "redis.ok")]


def _short(error: BaseException) -> str:
    return (str(error) or type(error).__name__).splitlines()[0][:200]


async def _guarded(check: str, run: Awaitable[list[Finding]], seconds: float) -> list[Finding]:
    try:
        return await asyncio.wait_for(run, seconds)
    except TimeoutError:
        return [Finding(check, False, "timeout", {"seconds": round(seconds)})]


async def diagnose(subject: Subject, *, within: float = 10.0) -> list[Finding]:
    """Every check, in the order a person fixes things: Telegram, then the server's parts."""
    results = await asyncio.gather(
        _guarded("token", _telegram(subject), within),
        _guarded("database", _database(subject), within),
        _guarded("redis", _redis(subject), within),
    )
    return [finding for group in results for finding in group]


def report(findings: list[Finding], locale: str) -> str:
    """Plain text for the terminal: one line per check, the fix indented under a failure."""
    lines = []
    for finding in findings:
        mark = "OK " if finding.ok else "ERR"
        lines.append(f"[{mark}] {finding.title(locale)}: {finding.detail(locale)}")
        fix = finding.fix(locale)
        if fix and (not finding.ok or finding.note):
            lines.append(f"      -> {fix}")
    return "\n".join(lines)
