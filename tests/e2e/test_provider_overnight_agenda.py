"""A late night in the provider's chat agenda belongs to the evening it started (issue 11 item 3).

A bar open 18:00–02:00: the 01:00 visit on Saturday morning is part of Friday night. /agenda
of Friday lists it (as the panel's agenda and the slot search do), Saturday's does not, and
the week counts it on Friday; a walk-in (/book) lists such times under the evening too.
End to end through the webhook and the emulator; both backends.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from i18n import format_date
from tests.conftest import Backend
from tests.e2e.bot_harness import Chat, running_bot, seed_business
from tests.e2e.test_provider_chat import CLIENT, OTHER_CLIENT, OWNER, book_for, link, p, tick

# São Paulo (UTC-3): Friday 13 March 2026 23:00, Saturday 14 March 01:00 (still Friday night)
# and Saturday 20:00 (Saturday's own evening).
FRIDAY_23 = datetime(2026, 3, 14, 2, 0, tzinfo=UTC)
SATURDAY_01 = datetime(2026, 3, 14, 4, 0, tzinfo=UTC)
SATURDAY_20 = datetime(2026, 3, 14, 23, 0, tzinfo=UTC)


async def _agenda(owner: Chat, day: str) -> tuple[str, list[str]]:
    """/agenda of ``day``: its title line and the texts of all it sent."""
    before = len(owner.bot_texts())
    await owner.send(f"/agenda {day}")
    sent = owner.bot_texts()[before:]
    return sent[0].split("\n")[0], sent


def _title(day: str, count: int) -> str:
    return p("pt_BR", "agenda.title", day=day, count=count).split("\n")[0]


async def test_the_agenda_lists_a_night_under_the_evening_it_started(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, hours=(time(18), time(2)))
        owner = await link(bot, seed, OWNER)
        maria = bot.chat(CLIENT, first_name="Maria")
        joao = bot.chat(OTHER_CLIENT, first_name="João")
        await book_for(bot, seed, maria, FRIDAY_23)
        await book_for(bot, seed, joao, SATURDAY_01)
        await book_for(bot, seed, maria, SATURDAY_20)

        title, friday = await _agenda(owner, "13/03")
        assert title == _title("sexta-feira, 13 de março", 2)
        assert any("23:00–23:30" in s for s in friday)
        assert any("01:00–01:30" in s for s in friday)
        assert not any("20:00–20:30" in s for s in friday)

        title, saturday = await _agenda(owner, "14/03")
        assert title == _title("sábado, 14 de março", 1)
        assert any("20:00–20:30" in s for s in saturday)
        assert not any("01:00–01:30" in s for s in saturday)

        await owner.send("/agenda semana")  # Monday 9 March: the week of 9–15
        buttons = owner.buttons()
        assert f"{format_date(date(2026, 3, 13), 'pt_BR', 'EEE dd/MM')} · 2" in buttons
        assert f"{format_date(date(2026, 3, 14), 'pt_BR', 'EEE dd/MM')} · 1" in buttons
        assert (owner.last.text or "").startswith(
            p(
                "pt_BR",
                "agenda.week_title",
                first="segunda-feira, 9 de março",
                last="domingo, 15 de março",
                count=3,
            ).split("\n")[0]
        )


async def test_a_walk_in_offers_a_night_under_the_evening_it_started(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, hours=(time(18), time(2)))  # closed Sundays
        owner = await link(bot, seed, OWNER)
        await owner.send("/book")
        await owner.press("Corte · 30 min")
        days = owner.buttons()
        # Saturday night runs into Sunday morning, but Sunday has no hours of its own.
        assert format_date(date(2026, 3, 15), "pt_BR", "EEE dd/MM") not in days
        await owner.press(format_date(date(2026, 3, 14), "pt_BR", "EEE dd/MM"))
        times = owner.buttons()
        assert "18:00" in times and "01:00" in times  # Saturday's evening, past midnight


async def test_the_morning_after_list_includes_last_nights_visits(backend: Backend) -> None:
    async with running_bot(backend) as bot:
        seed = await seed_business(bot.container, hours=(time(18), time(2)))
        owner = await link(bot, seed, OWNER)
        monday_23 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
        tuesday_01 = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # still Monday night
        await book_for(bot, seed, bot.chat(CLIENT), monday_23)
        await book_for(bot, seed, bot.chat(OTHER_CLIENT), tuesday_01)
        await tick(bot)

        bot.clock.now = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # Tuesday 08:00
        await tick(bot)
        text = owner.last.text or ""
        assert text.startswith("🧾 Ontem") and "23:00" in text and "01:00" in text
        assert len(owner.buttons()) == 4  # both visits can be marked
