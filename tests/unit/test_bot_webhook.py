"""The webhook route's contract: secret first, 400 for junk, de-dup, 503 only for outages."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from aiogram import Bot
from aiogram.types import Update
from fastapi import FastAPI

from webhooks.telegram import SECRET_HEADER, TelegramWebhook, telegram_webhook_router

BOT_ID = 123456
UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "X"},
        "text": "hi",
    },
}


class Outage(Exception):
    pass


class MemoryDedup:
    def __init__(self) -> None:
        self.marks: set[tuple[int, int]] = set()
        self.renewals = 0

    async def claim(self, bot_id: int, update_id: int) -> bool:
        if (bot_id, update_id) in self.marks:
            return False
        self.marks.add((bot_id, update_id))
        return True

    async def release(self, bot_id: int, update_id: int) -> None:
        self.marks.discard((bot_id, update_id))

    async def done(self, bot_id: int, update_id: int) -> None:
        return None

    async def in_progress(self, bot_id: int, update_id: int) -> bool:
        return False

    async def renew(self, bot_id: int, update_id: int) -> None:
        self.renewals += 1


def _client(process: Any, dedup: MemoryDedup, renew_every: float = 5.0) -> httpx.AsyncClient:
    app = FastAPI()
    hook = TelegramWebhook(
        secret="s3cret",
        bots={BOT_ID: Bot(f"{BOT_ID}:abc")},
        dedup=dedup,
        process=process,
        is_outage=lambda error: isinstance(error, Outage),
        renew_every=renew_every,
    )
    app.include_router(telegram_webhook_router(hook))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def _post(client: httpx.AsyncClient, body: Any, secret: str = "s3cret") -> int:
    response = await client.post(
        f"/webhooks/telegram/{BOT_ID}", json=body, headers={SECRET_HEADER: secret}
    )
    return response.status_code


async def test_wrong_secret_is_refused_before_the_body_is_read() -> None:
    seen: list[Update] = []

    async def process(_bot: Bot, update: Update) -> None:
        seen.append(update)

    async with _client(process, MemoryDedup()) as client:
        assert await _post(client, UPDATE, secret="wrong") == 401
        assert await _post(client, {"nope": 1}) == 400
        assert seen == []


async def test_duplicates_take_effect_once_even_concurrently() -> None:
    seen: list[int] = []

    async def process(_bot: Bot, update: Update) -> None:
        await asyncio.sleep(0)
        seen.append(update.update_id)

    async with _client(process, MemoryDedup()) as client:
        codes = await asyncio.gather(*(_post(client, UPDATE) for _ in range(5)))
    assert codes == [200] * 5
    assert seen == [7]


@pytest.mark.parametrize(("error", "status"), [(Outage(), 503), (ValueError("bug"), 200)])
async def test_failures_release_the_mark_and_only_outages_ask_for_a_retry(
    error: Exception, status: int
) -> None:
    dedup = MemoryDedup()
    calls: list[int] = []

    async def process(_bot: Bot, update: Update) -> None:
        calls.append(update.update_id)
        if len(calls) == 1:
            raise error

    async with _client(process, dedup) as client:
        assert await _post(client, UPDATE) == status
        assert dedup.marks == set()  # the redelivery is processed
        assert await _post(client, UPDATE) == 200
    assert calls == [7, 7]


async def test_the_claim_is_renewed_while_the_update_is_handled_and_no_longer_after() -> None:
    dedup = MemoryDedup()

    async def slow(_bot: Bot, _update: Update) -> None:
        for _ in range(500):  # bounded: until the route renewed the claim twice
            if dedup.renewals >= 2:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the claim was never renewed")

    async with _client(slow, dedup, renew_every=0.01) as client:
        assert await _post(client, UPDATE) == 200
    assert (BOT_ID, 7) in dedup.marks


async def test_a_redelivery_of_an_update_still_in_progress_is_asked_again_later() -> None:
    class Busy(MemoryDedup):
        async def in_progress(self, bot_id: int, update_id: int) -> bool:
            return (bot_id, update_id) in self.marks

    dedup = Busy()
    dedup.marks.add((BOT_ID, 7))  # claimed by a worker that is still on it (or died)

    async def process(_bot: Bot, _update: Update) -> None:
        raise AssertionError("an update in progress must not run twice at once")

    async with _client(process, dedup) as client:
        assert await _post(client, UPDATE) == 503  # not 200: that would drop the press
