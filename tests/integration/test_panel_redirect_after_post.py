"""Every panel form answers its POST with a redirect, refused ones too (issue 11 item 5).

A refused form used to come back as the page itself, so the browser's refresh (or Back then
Forward) posted it again: a log-in tried the password once more and counted another failure,
a reschedule tried again. Now the answer is a 303 to the form's page, which shows what was
typed and the messages once; a password never travels back. Both backends.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import httpx

from domain.model import BookingStatus
from tests.conftest import Backend
from tests.integration.panel_support import (
    PanelApp,
    PanelClient,
    client_booking,
    panel_app,
    provider,
    unique_email,
)

TUESDAY_10_LOCAL = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)  # São Paulo, open 09-18


async def _raw_post(client: PanelClient, url: str, data: dict[str, str]) -> httpx.Response:
    """The POST alone, as the browser receives it (PanelClient.post would follow it)."""
    return await client.http.post(url, data={"csrf_token": client.csrf, **data})


def _carried(response: httpx.Response) -> str:
    """What the flash cookie of a redirect carries, decoded (it is signed, not encrypted)."""
    cookie = response.cookies.get("agendei_form") or ""
    body = cookie.rpartition(".")[0]
    return json.dumps(json.loads(base64.urlsafe_b64decode(body.encode())))


async def _status(app: PanelApp, booking_id: int) -> tuple[BookingStatus, datetime]:
    async with app.container.uow_factory(read_only=True) as uow:
        booking = await uow.bookings.get(booking_id)
    assert booking is not None
    return booking.status, booking.start


async def test_a_refused_reschedule_redirects_and_shows_the_message_once(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        booking_id = await client_booking(app, business_id, TUESDAY_10_LOCAL)
        page = f"/panel/bookings/{booking_id}"
        await client.get(page)

        # 03:00 is outside the hours: refused, with the nearest free times.
        response = await _raw_post(
            client, f"{page}/reschedule", {"date": "2026-03-03", "time": "03:00"}
        )
        assert response.status_code == 303 and response.headers["location"] == page
        assert await _status(app, booking_id) == (BookingStatus.CONFIRMED, TUESDAY_10_LOCAL)

        shown = await client.get(page)
        assert shown.status_code == 400
        assert 'value="03:00"' in shown.text  # what was typed
        assert "09:00" in shown.text  # an alternative, carried through the redirect
        # Refreshing it is a GET: the booking page as it is, no message, nothing re-posted.
        again = await client.get(page)
        assert again.status_code == 200 and 'value="03:00"' not in again.text

        # A date that is no date: the same way back.
        bad = await _raw_post(client, f"{page}/reschedule", {"date": "31/02", "time": "10:00"})
        assert bad.status_code == 303 and bad.headers["location"] == page
        assert (await client.get(page)).status_code == 400


async def test_a_refused_cancel_redirects_and_cancels_nothing(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        booking_id = await client_booking(app, business_id, TUESDAY_10_LOCAL)
        page = f"/panel/bookings/{booking_id}"
        await client.get(page)

        response = await _raw_post(client, f"{page}/cancel", {"reason": "x" * 600})
        assert response.status_code == 303 and response.headers["location"] == page
        assert (await _status(app, booking_id))[0] is BookingStatus.CONFIRMED
        shown = await client.get(page)
        assert shown.status_code == 400
        assert (await client.get(page)).status_code == 200


async def test_a_failed_log_in_redirects_without_carrying_the_password(backend: Backend) -> None:
    async with panel_app(backend) as app:
        email = unique_email()
        await app.client().signup(email)
        client = app.client(address="10.0.9.1")
        await client.get("/panel/login")
        response = await _raw_post(
            client, "/panel/login", {"email": email, "password": "wrong secret 123"}
        )
        assert response.status_code == 303 and response.headers["location"] == "/panel/login"
        assert "wrong secret 123" not in _carried(response)
        assert email in _carried(response)

        shown = await client.get("/panel/login")
        assert shown.status_code == 400 and "E-mail ou senha incorretos." in shown.text
        assert f'value="{email}"' in shown.text and "wrong secret 123" not in shown.text
        assert (await client.get("/panel/login")).status_code == 200  # refresh: nothing again

        # Throttled: also a redirect, to a page that says to wait (and keeps its 429).
        for _ in range(4):
            await client.login(email, "wrong password")
        throttled = await _raw_post(client, "/panel/login", {"email": email, "password": "x"})
        assert throttled.status_code == 303
        wait = await client.get("/panel/login")
        assert wait.status_code == 429 and "Aguarde" in wait.text


async def test_a_refused_sign_up_redirects_without_carrying_the_password(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client = app.client(address="10.0.9.2")
        await client.get("/panel/signup")
        response = await _raw_post(
            client,
            "/panel/signup",
            {"email": "not-an-email", "password": "hunter2", "business_name": "Studio"},
        )
        assert response.status_code == 303 and response.headers["location"] == "/panel/signup"
        assert "hunter2" not in _carried(response)
        shown = await client.get("/panel/signup")
        assert shown.status_code == 400 and 'value="Studio"' in shown.text
        assert "hunter2" not in shown.text
        async with app.container.uow_factory(read_only=True) as uow:
            assert await uow.users.get_by_email("not-an-email") is None


async def test_a_refused_book_again_redirects(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        booking_id = await client_booking(app, business_id, TUESDAY_10_LOCAL)
        app.clock.now = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # the visit has started
        offer = f"/panel/bookings/{booking_id}/again"
        await client.get(offer)
        response = await _raw_post(client, offer, {"at": "12"})  # a forged time
        assert response.status_code == 303 and response.headers["location"] == offer
        shown = await client.get(offer)
        assert shown.status_code == 409


async def test_a_removal_question_is_a_page_of_its_own(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        await client_booking(app, business_id, TUESDAY_10_LOCAL)
        async with app.container.uow_factory(read_only=True) as uow:
            [member] = await uow.staff.list_for_business(business_id)
            [service] = await uow.services.list_for_business(business_id)
        await client.get("/panel/team")
        for url, question in (
            (f"/panel/team/{member.id}/deactivate", "único profissional ativo"),
            (f"/panel/services/{service.id}/deactivate", "Manter os agendamentos"),
        ):
            asked = await _raw_post(client, url, {})
            # The question comes through a redirect: refreshing it asks again, posts nothing.
            assert asked.status_code == 303 and asked.headers["location"] == url
            shown = await client.get(url)
            assert shown.status_code == 200 and question in shown.text
            assert f'action="{url}"' in shown.text
        async with app.container.uow_factory(read_only=True) as uow:
            assert [m.id for m in await uow.staff.list_for_business(business_id)] == [member.id]
            assert [s.id for s in await uow.services.list_for_business(business_id)] == [service.id]
