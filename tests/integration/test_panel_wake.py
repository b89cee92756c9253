"""A change made in the panel wakes the outbox poller, so the client hears of it at once
instead of at the next scheduler tick (the README's "at once")."""

from __future__ import annotations

from tests.conftest import Backend
from tests.integration.panel_support import client_booking, outbox_kinds, panel_app, provider
from tests.integration.test_panel_agenda import TUESDAY_11_LOCAL


async def test_a_cancellation_in_the_panel_wakes_the_poller(backend: Backend) -> None:
    async with panel_app(backend) as app:
        calls: list[int] = []
        app.container.wake.target = lambda: calls.append(1)
        client, business_id = await provider(app)
        booking_id = await client_booking(app, business_id, TUESDAY_11_LOCAL)
        calls.clear()
        await client.get(f"/panel/bookings/{booking_id}")
        assert calls == []  # reading changes nothing
        response = await client.post(
            f"/panel/bookings/{booking_id}/cancel", {"reason": "imprevisto"}
        )
        assert response.status_code == 303
        assert calls == [1]
        assert len(await outbox_kinds(app, booking_id)) > 0  # what the wake sends now
