"""Prometheus metrics and the log context of each Telegram update.

One :class:`Metrics` per container (its own registry: several apps in one test process never
share counters). ``/metrics`` is off the public internet by default: with
``AGENDEI_METRICS_TOKEN`` it wants ``Authorization: Bearer <token>``, without it only loopback
clients get an answer (uvicorn resolves the real client address behind a local proxy).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response as TelegramResponse
from aiogram.types import TelegramObject, Update
from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from storage.health import outbox_backlog

from .logs import business_id_var, update_id_var

if TYPE_CHECKING:
    from .wiring import Container

log = logging.getLogger("agendei")

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "agendei_updates", "Telegram updates handled", ["result"], registry=r
        )
        self.update_seconds = Histogram(
            "agendei_update_seconds", "Time to handle one Telegram update", registry=r
        )
        self.outcomes = Counter(
            "agendei_outcomes",
            "What clients got: booked, taken (slot gone), error",
            ["outcome"],
            registry=r,
        )
        self.telegram_requests = Counter(
            "agendei_telegram_requests", "Bot API calls made, by method", ["method"], registry=r
        )
        self.telegram_429 = Counter(
            "agendei_telegram_429", "Bot API calls refused with 429 (retry after)", registry=r
        )
        self.outbox_depth = Gauge(
            "agendei_outbox_depth", "Notifications waiting to be sent", registry=r
        )
        self.outbox_oldest_age = Gauge(
            "agendei_outbox_oldest_age_seconds",
            "How overdue the oldest due notification is",
            registry=r,
        )
        self.scheduler_lag = Gauge(
            "agendei_scheduler_lag_seconds", "How late the scheduler's last tick is", registry=r
        )
        for outcome in ("booked", "taken", "error"):
            self.outcomes.labels(outcome)

    def outcome(self, name: str) -> None:
        self.outcomes.labels(name).inc()


class UpdateMiddleware(BaseMiddleware):
    """Outer: times and counts each update and binds its id to the log context."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        token = update_id_var.set(event.update_id if isinstance(event, Update) else None)
        started = time.perf_counter()
        result = "handled"
        try:
            return await handler(event, data)
        except Exception:
            result = "failed"
            raise
        finally:
            self.metrics.update_seconds.observe(time.perf_counter() - started)
            self.metrics.updates.labels(result).inc()
            update_id_var.reset(token)


class BusinessLogContext(BaseMiddleware):
    """Inner: once the chat's business is resolved, every log line names it."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        ctx = data.get("ctx")
        business = getattr(ctx, "business", None)
        token = business_id_var.set(getattr(business, "id", None))
        try:
            return await handler(event, data)
        finally:
            business_id_var.reset(token)


class CountRequests(BaseRequestMiddleware):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> TelegramResponse[Any]:
        self.metrics.telegram_requests.labels(method.__api_method__).inc()
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter:
            self.metrics.telegram_429.inc()
            raise


def instrument_bot(metrics: Metrics, dp: Dispatcher, *bots: Bot) -> None:
    dp.update.outer_middleware(UpdateMiddleware(metrics))
    dp.update.middleware(BusinessLogContext())
    dp["record_outcome"] = metrics.outcome  # dialogs and the error router report outcomes
    for bot in bots:
        bot.session.middleware(CountRequests(metrics))


def metrics_router(container: Container) -> APIRouter:
    router = APIRouter()
    token = container.settings.metrics_token
    metrics = container.metrics

    def allowed(request: Request) -> bool:
        if token:
            given = request.headers.get("authorization", "")
            return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
        return request.client is not None and request.client.host in LOOPBACK

    @router.get("/metrics", include_in_schema=False)
    async def scrape(request: Request) -> Response:
        if not allowed(request):
            return Response(status_code=404)  # as if there were nothing here
        try:
            depth, age = await outbox_backlog(container.engine, container.clock())
            metrics.outbox_depth.set(depth)
            metrics.outbox_oldest_age.set(age)
        except Exception as error:  # the database may be down: the rest still reports
            log.warning("metrics: outbox unavailable (%s)", error)
        ticker = container.scheduler_parts.ticker if container.scheduler_parts else None
        lag = ticker.lag_seconds() if ticker is not None else None
        if lag is not None:
            metrics.scheduler_lag.set(lag)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
