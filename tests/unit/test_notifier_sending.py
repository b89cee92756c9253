"""The Notifier against the Bot API emulator: flood control, blocked users, outages."""

from __future__ import annotations

import asyncio

import pytest

from bot.notifier import TelegramNotifier
from domain.ports import DeliveryDeferred, OutgoingMessage
from tests.e2e.emulator_fixtures import emulator_bot, serve_emulator
from tests.integration.scheduler_kit import Sleeps

TOKEN = "515151:notifier-test"


async def test_429_is_waited_out_and_the_message_sent_once() -> None:
    sleeps = Sleeps()
    async with serve_emulator() as (base_url, state):
        state.add_bot(TOKEN)
        state.inject_failures(2, status=429, retry_after=3, method="sendMessage")
        async with emulator_bot(base_url, TOKEN) as bot:
            notifier = TelegramNotifier(bot, sleep=sleeps)
            assert await notifier.send(bot.id, OutgoingMessage(chat_id=7, text="olá"))
        assert [m.text for m in state.transcript(TOKEN, 7)] == ["olá"]
    assert sleeps.waits.count(3.0) == 2


async def test_a_flood_longer_than_the_budget_defers_instead_of_blocking() -> None:
    async with serve_emulator() as (base_url, state):
        state.add_bot(TOKEN)
        state.inject_failures(1, status=429, retry_after=60, method="sendMessage")
        async with emulator_bot(base_url, TOKEN) as bot:
            notifier = TelegramNotifier(bot, max_wait=10, sleep=Sleeps())
            with pytest.raises(DeliveryDeferred) as deferred:
                await notifier.send(bot.id, OutgoingMessage(chat_id=7, text="olá"))
    assert deferred.value.retry_after == 60


async def test_a_blocked_chat_is_unreachable_and_not_retried() -> None:
    async with serve_emulator() as (base_url, state):
        state.add_bot(TOKEN)
        state.set_blocked(TOKEN, 7, True)
        async with emulator_bot(base_url, TOKEN) as bot:
            notifier = TelegramNotifier(bot, sleep=Sleeps())
            assert not await notifier.send(bot.id, OutgoingMessage(chat_id=7, text="olá"))
        assert len(state.bot(TOKEN).stats.sent) == 0


async def test_server_errors_are_retried_with_backoff() -> None:
    sleeps = Sleeps()
    async with serve_emulator() as (base_url, state):
        state.add_bot(TOKEN)
        state.inject_failures(2, status=502, method="sendMessage")
        async with emulator_bot(base_url, TOKEN) as bot:
            notifier = TelegramNotifier(bot, sleep=sleeps)
            message = OutgoingMessage(chat_id=7, text="olá", buttons=((("Ok", "at:ok:1"),),))
            assert await notifier.send(bot.id, message)
        [sent] = state.transcript(TOKEN, 7)
        assert sent.reply_markup == {
            "inline_keyboard": [[{"text": "Ok", "callback_data": "at:ok:1"}]]
        }
    assert sleeps.waits == [0.5, 1.0]


async def test_a_backlog_for_one_chat_goes_out_as_one_digest() -> None:
    async with serve_emulator() as (base_url, state):
        state.add_bot(TOKEN)
        async with emulator_bot(base_url, TOKEN) as bot:
            notifier = TelegramNotifier(bot, sleep=Sleeps())
            texts = [f"Novo agendamento {n}" for n in range(6)]
            sends = [notifier.send(bot.id, OutgoingMessage(chat_id=7, text=x)) for x in texts]
            sends.append(notifier.send(bot.id, OutgoingMessage(chat_id=8, text="outro chat")))
            assert all(await asyncio.gather(*sends))
        received = [m.text or "" for m in state.transcript(TOKEN, 7)]
        assert len(received) < len(texts)  # fewer messages than notifications...
        joined = "\n\n".join(received)
        assert all(joined.count(x) == 1 for x in texts)  # ...each one told exactly once
        assert [m.text for m in state.transcript(TOKEN, 8)] == ["outro chat"]  # never mixed


async def test_a_message_with_buttons_is_never_folded_into_a_digest() -> None:
    async with serve_emulator() as (base_url, state):
        state.add_bot(TOKEN)
        async with emulator_bot(base_url, TOKEN) as bot:
            notifier = TelegramNotifier(bot, sleep=Sleeps())
            plain = [OutgoingMessage(chat_id=7, text=f"aviso {n}") for n in range(3)]
            ask = OutgoingMessage(chat_id=7, text="Confirmar?", buttons=((("Sim", "pv:cf:1"),),))
            assert all(await asyncio.gather(*(notifier.send(bot.id, m) for m in [*plain, ask])))
        received = [m for m in state.transcript(TOKEN, 7)]
        asks = [m for m in received if m.text == "Confirmar?"]
        assert len(asks) == 1 and asks[0].reply_markup
