"""Panel accounts and security over HTTP: sign-up, log-in, sessions, CSRF, throttling."""

from __future__ import annotations

import re

from domain.accounts import token_hash
from tests.conftest import Backend
from tests.integration.panel_support import PanelApp, panel_app, unique_email


async def test_landing_greets_and_leads_to_signup_and_login(backend: Backend) -> None:
    async with panel_app(backend) as app:
        page = await app.client().get("/")
        assert page.status_code == 200
        assert 'href="/panel/signup"' in page.text and 'href="/panel/login"' in page.text
        assert "Criar conta" in page.text  # pt-BR by default
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        english = await app.client().http.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
        assert "Create a free account" in english.text


async def test_signup_logs_in_with_a_safe_session_cookie(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client()
        response = await client.signup(unique_email())
        assert response.status_code == 303
        assert response.headers["location"] == "/panel/setup"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("agendei_session=")
        assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        assert "Secure" not in cookie
        token = cookie.split(";")[0].split("=", 1)[1]
        async with app.container.uow_factory(read_only=True) as uow:
            stored = await uow.sessions.get(token_hash(token))
        assert stored is not None  # only the hash is stored; the token itself is not
        assert (await client.get("/panel/setup/business")).status_code == 200


async def test_over_https_the_cookie_is_secure_with_the_host_prefix(backend: Backend) -> None:
    async with panel_app(backend, public_url="https://agendei.example.com") as app:
        client = app.client(https=True)
        response = await client.signup(unique_email())
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-agendei_session=")
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


async def test_signup_validation_keeps_what_was_typed(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client()
        await client.get("/panel/signup")
        response = await client.post(
            "/panel/signup", {"email": "not-an-email", "password": "short", "business_name": ""}
        )
        assert response.status_code == 400
        assert 'value="not-an-email"' in response.text
        assert "Preencha este campo." in response.text  # business name, beside the field
        assert "pelo menos 8 caracteres" in response.text
        assert "short" not in re.findall(r'value="([^"]*)"', response.text)  # no password echo
        taken = unique_email()
        await app.client().signup(taken)
        again = app.client()
        await again.get("/panel/signup")
        response = await again.post(
            "/panel/signup", {"email": taken, "password": "long enough", "business_name": "X"}
        )
        # Neutral: the form must not tell who already has an account.
        assert response.status_code == 400 and "Já existe" not in response.text
        assert "Não foi possível criar uma conta com estes dados" in response.text


async def test_login_makes_a_new_session_and_logout_ends_it(backend: Backend) -> None:
    async with panel_app(backend) as app:
        email = unique_email()
        first = app.client()
        signed = await first.signup(email)
        old_token = signed.cookies.get("agendei_session") or first.http.cookies["agendei_session"]
        second = app.client()
        response = await second.login(email)
        assert response.status_code == 303
        new_token = second.http.cookies["agendei_session"]
        assert new_token != old_token
        assert (await second.get("/panel/account")).status_code == 200
        response = await second.post("/panel/logout")
        assert response.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            assert await uow.sessions.get(token_hash(new_token)) is None
        # The old cookie no longer opens anything, even if a browser kept it.
        replay = app.client()
        replay.http.cookies.set("agendei_session", new_token)
        response = await replay.get("/panel/account")
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/panel/login"
        )


async def test_wrong_password_then_throttled_with_a_clear_message(backend: Backend) -> None:
    async with panel_app(backend) as app:
        email = unique_email()
        await app.client().signup(email)
        client = app.client(address="10.0.0.7")
        for _ in range(5):
            response = await client.login(email, "wrong password")
            assert response.status_code == 400
            assert "E-mail ou senha incorretos." in response.text
        response = await client.login(email)  # even the right password must wait now
        assert response.status_code == 429
        assert "Aguarde" in response.text and "<form" in response.text
        # The owner, from an address that has not been failing, is not locked out.
        other = await app.client(address="10.0.0.8").login(email)
        assert other.status_code == 303


async def test_throttling_per_address_across_accounts(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client(address="10.0.1.1")
        for n in range(20):
            await client.login(f"nobody{n}@example.com", "wrong password")
        response = await client.login(unique_email(), "whatever1")
        assert response.status_code == 429 and "Aguarde" in response.text


async def test_forms_without_the_csrf_token_are_refused(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client()
        email = unique_email()
        await client.get("/panel/signup")
        response = await client.post(
            "/panel/signup",
            {"email": email, "password": "long enough", "business_name": "X"},
            csrf=False,
        )
        assert response.status_code == 403
        response = await client.post(
            "/panel/signup",
            {"email": email, "password": "long enough", "business_name": "X", "csrf_token": "x"},
        )
        assert response.status_code == 403
        await client.signup(email)
        for url in ("/panel/logout", "/panel/setup/business", "/panel/account/password"):
            response = await client.post(url, {"csrf_token": "forged"})
            assert response.status_code == 403, url
        # Still logged in: the forged log-out did nothing.
        assert (await client.get("/panel/account")).status_code == 200


async def test_change_password_logs_out_other_sessions(backend: Backend) -> None:
    async with panel_app(backend) as app:
        email = unique_email()
        phone, laptop = app.client(), app.client()
        await phone.signup(email)
        await laptop.login(email)
        await phone.get("/panel/account")
        bad = await phone.post(
            "/panel/account/password", {"current_password": "nope", "new_password": "new secret!"}
        )
        assert bad.status_code == 400 and "Senha atual incorreta." in bad.text
        ok = await phone.post(
            "/panel/account/password",
            {"current_password": "correct horse", "new_password": "new secret!"},
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/panel/account?saved=1"
        assert (await phone.get("/panel/account")).status_code == 200
        assert (await laptop.get("/panel/account")).status_code == 303
        assert (await app.client().login(email)).status_code == 400
        assert (await app.client().login(email, "new secret!")).status_code == 303


async def test_pages_need_a_session(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client()
        for url in (
            "/panel",
            "/panel/agenda",
            "/panel/requests",
            "/panel/services",
            "/panel/team",
            "/panel/hours",
            "/panel/clients",
            "/panel/settings",
            "/panel/export",
            "/panel/share",
            "/panel/share/qr.png",
        ):
            response = await client.get(url)
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/panel/login")


async def test_an_attacked_account_still_opens_for_its_owner(backend: Backend) -> None:
    async with panel_app(backend) as app:
        email = unique_email()
        await app.client().signup(email)
        # Failures from many addresses: the account is over its limit...
        for n in range(6):
            await app.client(address=f"10.0.2.{n}").login(email, "wrong password")
        # ...each failing address must now wait, even with the right password...
        assert (await app.client(address="10.0.2.1").login(email)).status_code == 429
        # ...a fresh address gets one try per window (a guess costs an address)...
        fresh = app.client(address="10.0.2.50")
        assert (await fresh.login(email, "wrong again")).status_code == 400
        assert (await fresh.login(email, "wrong again")).status_code == 429
        # ...and the owner on their own phone logs in as usual.
        owner = app.client(address="10.0.2.99")
        response = await owner.login(email)
        assert response.status_code == 303
        assert (await owner.get("/panel/account")).status_code == 200


async def test_signups_are_throttled_per_address(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client = app.client(address="10.0.3.1")
        for _ in range(10):
            await client.signup(unique_email())
        users = await _users(app)
        response = await client.signup(unique_email())
        assert response.status_code == 429 and "Aguarde" in response.text
        assert await _users(app) == users
        other = await app.client(address="10.0.3.2").signup(unique_email())
        assert other.status_code == 303


async def _users(app: PanelApp) -> int:
    from sqlalchemy import text

    async with app.container.engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM users"))).scalar_one())
