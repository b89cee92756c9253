"""Pages list bookings with their clients, professionals and history, read for all at once.

Real SQLite and PostgreSQL. Three bookings of two clients with two professionals: every page
that lists them (agenda, export, feed, provider chat, daily summary) shows the right names, and
the client page and the agenda see who cancelled, exactly as a one-by-one read would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import booking as use_cases
from domain.booking_lists import (
    bookings_window,
    cancelled_by_clients,
    client_history,
    parties_of,
)
from domain.model import Actor, Booking, BookingSource
from storage.uow import UnitOfWorkFactory
from tests.integration.seed import Seeded, seed_business

DAY = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # a Monday, 09:00 in São Paulo
NOW = DAY - timedelta(days=7)


async def _book(
    uow_factory: UnitOfWorkFactory, seeded: Seeded, client: int, staff: int, hour: int
) -> Booking:
    return await use_cases.book(
        uow_factory(),
        now=NOW,
        business_id=seeded.business_id,
        client_id=seeded.client_ids[client],
        service_ids=[seeded.service_ids["corte"]],
        staff_id=seeded.staff_ids[staff],
        start=DAY + timedelta(hours=hour),
        source=BookingSource.TELEGRAM,
        idempotency_key=None,
        actor=Actor.client(seeded.client_ids[client]),
    )


async def test_names_and_history_of_a_list_match_one_by_one_reads(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seeded = await seed_business(uow_factory(), staff=2, clients=2)
    first = await _book(uow_factory, seeded, client=0, staff=0, hour=0)
    second = await _book(uow_factory, seeded, client=1, staff=1, hour=1)
    third = await _book(uow_factory, seeded, client=0, staff=1, hour=2)
    await use_cases.cancel_by_client(
        uow_factory(), now=NOW, booking_id=second.id or 0, client_id=seeded.client_ids[1]
    )

    async with uow_factory(read_only=True) as uow:
        window = await bookings_window(
            uow, seeded.business_id, DAY.date(), DAY.date(), DAY, DAY + timedelta(days=1)
        )
        one_by_one = {}
        for b in window.bookings:
            client = await uow.clients.get(b.client_id)
            member = await uow.staff.get(b.staff_id)
            assert client is not None and member is not None
            one_by_one[b.id] = (client.name, member.name)
        parties = window.parties
        listed = {
            b.id: (c.name if (c := parties.client_of(b)) else "", parties.staff_name_of(b))
            for b in window.bookings
        }
        assert listed == one_by_one and set(listed) == {first.id, second.id, third.id}
        assert len({name for name, _ in listed.values()}) == 2  # two clients, told apart
        assert (await parties_of(uow, [])).clients == {}

        # The agenda keeps the visit its client cancelled ("can't come"), and only that one.
        assert [b.id for b in await cancelled_by_clients(uow, window.bookings)] == [second.id]

        history = await client_history(uow, seeded.business_id, seeded.client_ids[0], 50)
        assert {b.id for b in history.bookings} == {first.id, third.id}
        for b in history.bookings:
            alone = await uow.bookings.get(b.id or 0)
            assert alone is not None and b.events == alone.events and b.events
