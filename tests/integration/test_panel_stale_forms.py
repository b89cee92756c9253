"""A panel form acts only on the booking as the page showed it (issue 11 item 4).

Each booking form carries the booking's version in a hidden field. Posted from a page drawn
before someone else changed the booking, it changes nothing and lands on the booking's page,
which says what the booking is now. Both backends.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from domain import booking as use_cases
from domain.model import Actor, BookingStatus
from tests.conftest import Backend
from tests.integration.panel_support import PanelApp, client_booking, panel_app, provider

TUESDAY_10_LOCAL = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
TUESDAY_14_LOCAL = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
_VERSION = re.compile(r'name="version" value="(\d+)"')


async def _client_moves_it(app: PanelApp, booking_id: int) -> None:
    async with app.container.uow_factory(read_only=True) as uow:
        booking = await uow.bookings.get(booking_id)
    assert booking is not None
    await use_cases.reschedule(
        app.container.uow_factory(),
        now=app.clock(),
        business_id=booking.business_id,
        booking_id=booking_id,
        new_start=TUESDAY_14_LOCAL,
        actor=Actor.client(booking.client_id),
        by_client=True,
        client_id=booking.client_id,
    )


async def test_a_cancel_posted_from_a_stale_page_changes_nothing_and_says_what_changed(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        booking_id = await client_booking(app, business_id, TUESDAY_10_LOCAL)
        page = await client.get(f"/panel/bookings/{booking_id}")
        [drawn, *_] = _VERSION.findall(page.text)  # the version every form on the page carries

        await _client_moves_it(app, booking_id)  # to 14:00, while the page stays open
        response = await client.post(
            f"/panel/bookings/{booking_id}/cancel", {"reason": "imprevisto", "version": drawn}
        )

        assert response.status_code == 303
        assert response.headers["location"] == f"/panel/bookings/{booking_id}?done=changed"
        async with app.container.uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(booking_id)
        assert booking is not None
        assert booking.status is BookingStatus.CONFIRMED and booking.start == TUESDAY_14_LOCAL
        shown = await client.get(response.headers["location"])
        assert "Esta reserva mudou: agora é terça-feira, 3 mar. 14:00, confirmada." in shown.text
        # The page drawn now carries the new version: posting from it works.
        [fresh, *_] = _VERSION.findall(shown.text)
        assert fresh != drawn
        done = await client.post(
            f"/panel/bookings/{booking_id}/cancel", {"reason": "imprevisto", "version": fresh}
        )
        assert done.headers["location"].endswith("done=cancelled")


async def test_a_reschedule_posted_from_a_stale_page_changes_nothing(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        booking_id = await client_booking(app, business_id, TUESDAY_10_LOCAL)
        page = await client.get(f"/panel/bookings/{booking_id}")
        [drawn, *_] = _VERSION.findall(page.text)

        await _client_moves_it(app, booking_id)
        response = await client.post(
            f"/panel/bookings/{booking_id}/reschedule",
            {"date": "2026-03-03", "time": "11:00", "version": drawn},
        )

        assert response.headers["location"] == f"/panel/bookings/{booking_id}?done=changed"
        async with app.container.uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(booking_id)
        assert booking is not None and booking.start == TUESDAY_14_LOCAL


async def test_the_agenda_buttons_carry_the_version_too(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app, manual=True)
        booking_id = await client_booking(app, business_id, TUESDAY_10_LOCAL)
        page = await client.get("/panel/requests")
        [drawn, *_] = _VERSION.findall(page.text)
        await _client_moves_it(app, booking_id)

        response = await client.post(
            f"/panel/bookings/{booking_id}/confirm",
            {"next": "/panel/requests", "version": drawn},
        )

        assert response.headers["location"] == f"/panel/bookings/{booking_id}?done=changed"
        async with app.container.uow_factory(read_only=True) as uow:
            booking = await uow.bookings.get(booking_id)
        assert booking is not None and booking.status is BookingStatus.PENDING
