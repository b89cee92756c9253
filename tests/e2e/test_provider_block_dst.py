"""/block with local times that the clock skips or repeats (America/New_York), end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import Backend
from tests.e2e.bot_harness import Clock, RunningBot, Seed, running_bot, seed_business
from tests.e2e.test_provider_chat import OWNER, link, p


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


async def _in_new_york(bot: RunningBot) -> Seed:
    seed = await seed_business(bot.container)
    async with bot.container.uow_factory() as uow:
        business = await uow.businesses.get(seed.business.id or 0)
        assert business is not None
        business.timezone = "America/New_York"
        await uow.businesses.update(business)
        await uow.commit()
    return seed


async def _time_off(bot: RunningBot, seed: Seed, around: datetime) -> list[tuple[datetime, ...]]:
    async with bot.container.uow_factory(read_only=True) as uow:
        found = await uow.schedule.time_off_between(
            seed.business.id or 0, around - timedelta(days=2), around + timedelta(days=2)
        )
    return [(t.start, t.end) for t in found]


async def test_a_repeated_time_is_offered_with_its_offsets(backend: Backend) -> None:
    async with running_bot(backend, clock=Clock(utc("2026-10-26 12:00"))) as bot:
        seed = await _in_new_york(bot)
        owner = await link(bot, seed, OWNER)
        await owner.send("/block 01/11 01:30-03:00 médico")
        assert owner.last.text == p("pt_BR", "block.time_twice")
        assert owner.buttons() == ["01:30 (EDT)–03:00", "01:30 (EST)–03:00"]
        assert await _time_off(bot, seed, utc("2026-11-01 06:00")) == []

        await owner.press("01:30 (EST)–03:00")
        assert "Bloqueado" in (owner.last.text or "")
        assert await _time_off(bot, seed, utc("2026-11-01 06:00")) == [
            (utc("2026-11-01 06:30"), utc("2026-11-01 08:00"))
        ]
        async with bot.container.uow_factory(read_only=True) as uow:
            [off] = await uow.schedule.time_off_between(
                seed.business.id or 0, utc("2026-11-01 00:00"), utc("2026-11-02 00:00")
            )
        assert off.reason == "médico"


async def test_a_time_the_clock_skips_is_refused(backend: Backend) -> None:
    async with running_bot(backend, clock=Clock(utc("2026-03-01 12:00"))) as bot:
        seed = await _in_new_york(bot)
        owner = await link(bot, seed, OWNER)
        await owner.send("/block 08/03 02:30-04:00")
        assert owner.last.text == p("pt_BR", "block.time_nonexistent", time="02:30")
        assert await _time_off(bot, seed, utc("2026-03-08 07:00")) == []
        # An ordinary span that day is one instant each: no question asked.
        await owner.send("/block 08/03 03:00-04:00")
        assert await _time_off(bot, seed, utc("2026-03-08 07:00")) == [
            (utc("2026-03-08 07:00"), utc("2026-03-08 08:00"))
        ]
