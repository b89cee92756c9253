"""The sandbox page over HTTP: log-in required, CSRF checked, each provider only ever drives
their own emulated chats; reset forgets the test client; one click clears test bookings."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.booking import book
from domain.model import Actor, BookingSource, BookingStatus
from domain.sandbox import sandbox_users
from emulator import EmulatorState
from tests.conftest import Backend
from tests.integration.panel_support import PanelApp, PanelClient, client_booking, panel_app
from tests.integration.panel_support import provider as make_provider

JSON = {"accept": "application/json"}


def emulator(app: PanelApp) -> tuple[EmulatorState, int]:
    state = app.container.telegram.emulator
    assert isinstance(state, EmulatorState)
    return state, app.container.telegram.bot_id


async def open_page(client: PanelClient) -> None:
    response = await client.get("/panel/sandbox")
    assert response.status_code == 200
    assert "data-sandbox" in response.text


async def test_anonymous_visitors_are_sent_to_log_in(backend: Backend) -> None:
    async with panel_app(backend) as app:
        anonymous = app.client()
        for method, url in [
            ("GET", "/panel/sandbox"),
            ("GET", "/panel/sandbox/state"),
            ("POST", "/panel/sandbox/client/start"),
            ("POST", "/panel/sandbox/reset"),
            ("POST", "/panel/sandbox/clear"),
        ]:
            response = await anonymous.http.request(method, url)
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/panel/login")


async def test_opening_the_page_makes_a_test_client_and_links_the_provider_pane(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await make_provider(app)
        await open_page(client)
        await open_page(client)  # idempotent
        users = sandbox_users(business_id)
        async with app.container.uow_factory(read_only=True) as uow:
            test_client = await uow.clients.get_by_telegram(business_id, users.client)
            links = await uow.links.links_for_business(business_id)
        assert test_client is not None and test_client.is_test
        assert [(link.telegram_user_id, link.staff_id) for link in links] == [
            (users.provider, None)
        ]
        state = (await client.get("/panel/sandbox/state")).json()
        assert state["client"]["messages"] == [] and state["provider"]["messages"] == []


async def test_actions_without_the_csrf_token_are_refused_and_send_nothing(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await make_provider(app)
        await open_page(client)
        for url in ("/panel/sandbox/client/start", "/panel/sandbox/reset", "/panel/sandbox/clear"):
            response = await client.post(url, {"text": "oi"}, csrf=False)
            assert response.status_code == 403, url
            forged = await client.post(url, {"csrf_token": "forged"}, csrf=False)
            assert forged.status_code == 403, url
        state, bot_id = emulator(app)
        assert sandbox_users(business_id).client not in state.bot(bot_id).chats


async def test_a_provider_sees_and_drives_only_their_own_chats(backend: Backend) -> None:
    async with panel_app(backend) as app:
        alice, alice_business = await make_provider(app)
        bob, _ = await make_provider(app)
        await open_page(alice)
        await open_page(bob)
        response = await alice.http.post(
            "/panel/sandbox/client/text",
            data={"csrf_token": alice.csrf, "text": "segredo da Alice"},
            headers=JSON,
        )
        assert response.status_code == 200
        [sent] = response.json()["client"]["messages"]
        assert sent["text"] == "segredo da Alice"
        assert sandbox_users(alice_business).client in emulator(app)[0].bot(emulator(app)[1]).chats

        bob_state = (await bob.get("/panel/sandbox/state")).json()
        assert bob_state["client"]["messages"] == []
        pressed = await bob.http.post(
            "/panel/sandbox/client/press",
            data={"csrf_token": bob.csrf, "message_id": str(sent["id"]), "data": "x"},
            headers=JSON,
        )
        assert pressed.status_code == 409  # nothing of Alice's is reachable from Bob's session
        unknown = await bob.http.post(
            "/panel/sandbox/someone/text", data={"csrf_token": bob.csrf, "text": "x"}
        )
        assert unknown.status_code == 404
        empty = await bob.http.post(
            "/panel/sandbox/client/text", data={"csrf_token": bob.csrf, "text": "  "}
        )
        assert empty.status_code == 422 and empty.json()["error"]


async def test_reset_forgets_the_test_client_and_clear_cancels_only_test_bookings(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await make_provider(app)
        await open_page(client)
        users = sandbox_users(business_id)
        real_id = await client_booking(app, business_id, datetime(2026, 3, 3, 14, tzinfo=UTC))
        async with app.container.uow_factory(read_only=True) as uow:
            test_client = await uow.clients.get_by_telegram(business_id, users.client)
            [service] = await uow.services.list_for_business(business_id)
        assert test_client is not None and test_client.id is not None and service.id
        test_booking = await book(
            app.container.uow_factory(),
            now=app.clock(),
            business_id=business_id,
            client_id=test_client.id,
            service_ids=[service.id],
            staff_id=None,
            start=datetime(2026, 3, 3, 15, tzinfo=UTC),
            source=BookingSource.TELEGRAM,
            idempotency_key=None,
            actor=Actor.client(test_client.id),
        )
        assert test_booking.is_test and test_booking.id is not None

        agenda = await client.get("/panel/agenda?day=2026-03-03")
        item = agenda.text.split(f'id="booking-{test_booking.id}"')[1].split("</li>")[0]
        assert 'class="badge test"' in item
        real_item = agenda.text.split(f'id="booking-{real_id}"')[1].split("</li>")[0]
        assert 'class="badge test"' not in real_item

        await client.post("/panel/sandbox/client/text", {"text": "oi"})
        assert users.client in emulator(app)[0].bot(emulator(app)[1]).chats
        response = await client.post("/panel/sandbox/reset")
        assert response.status_code == 303
        assert users.client not in emulator(app)[0].bot(emulator(app)[1]).chats
        async with app.container.uow_factory(read_only=True) as uow:
            old = await uow.clients.get(test_client.id)
            fresh = await uow.clients.get_by_telegram(business_id, users.client)
        assert old is not None and old.telegram_user_id is None
        assert fresh is not None and fresh.is_test and fresh.id != test_client.id

        response = await client.post("/panel/sandbox/clear")
        assert response.status_code == 303
        page = await client.get(response.headers["location"])
        assert "1" in page.text.split('role="status"')[1].split("</p>")[0]
        async with app.container.uow_factory(read_only=True) as uow:
            cleared = await uow.bookings.get(test_booking.id)
            real = await uow.bookings.get(real_id)
        assert cleared is not None and cleared.status is BookingStatus.CANCELLED
        assert real is not None and real.status.is_active


async def test_see_the_agenda_opens_the_day_of_the_booking_just_made(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await make_provider(app)
        await open_page(client)
        assert 'href="/panel/sandbox/agenda"' in (await client.get("/panel/sandbox")).text
        empty = await client.get("/panel/sandbox/agenda")
        assert empty.status_code == 303 and empty.headers["location"] == "/panel/agenda"

        users = sandbox_users(business_id)
        async with app.container.uow_factory(read_only=True) as uow:
            test_client = await uow.clients.get_by_telegram(business_id, users.client)
            [service] = await uow.services.list_for_business(business_id)
        assert test_client is not None and test_client.id is not None and service.id
        booking = await book(
            app.container.uow_factory(),
            now=app.clock(),
            business_id=business_id,
            client_id=test_client.id,
            service_ids=[service.id],
            staff_id=None,
            start=datetime(2026, 3, 5, 14, tzinfo=UTC),  # Thursday, not today (Monday 2nd)
            source=BookingSource.TELEGRAM,
            idempotency_key=None,
            actor=Actor.client(test_client.id),
        )
        response = await client.get("/panel/sandbox/agenda")
        assert response.status_code == 303
        location = response.headers["location"]
        assert location == f"/panel/agenda?day=2026-03-05#booking-{booking.id}"
        day = await client.get(location.split("#")[0])
        assert f'id="booking-{booking.id}"' in day.text
