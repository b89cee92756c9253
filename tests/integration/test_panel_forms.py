"""Panel forms behave: one thing per creation form, prices and bounds said plainly, the last
professional asked about, phones kept like the bot keeps them, duplicates merged."""

from __future__ import annotations

from datetime import UTC, datetime
from types import ModuleType

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.booking import book
from domain.model import Actor, BookingSource, Client
from storage.migrate import alembic_config
from tests.conftest import Backend
from tests.integration.form_reader import form_fields
from tests.integration.panel_support import (
    PanelApp,
    PanelClient,
    client_booking,
    panel_app,
    provider,
    unique_email,
)

TUESDAY_10_LOCAL = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)


def _body(pairs: list[tuple[str, str]], **changes: str) -> dict[str, list[str]]:
    body: dict[str, list[str]] = {}
    for name, value in pairs:
        body.setdefault(name, []).append(changes.pop(name, value))
    for name, value in changes.items():
        body[name] = [value]
    return body


async def _service_names(app: PanelApp, business_id: int) -> list[str]:
    async with app.container.uow_factory(read_only=True) as uow:
        found = await uow.services.list_for_business(business_id, include_inactive=True)
    return [s.name for s in found]


async def test_the_same_creation_form_posted_twice_creates_one_service(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        page = await client.get("/panel/services/new")
        body = _body(
            form_fields(page.text, "/panel/services/new"),
            name="Barba",
            duration_minutes="20",
            price="30,00",
        )
        first = await client.http.post("/panel/services/new", data=body)
        second = await client.http.post("/panel/services/new", data=body)
        assert first.status_code == second.status_code == 303
        assert await _service_names(app, business_id) == ["Corte", "Barba"]


async def test_the_wizard_back_button_does_not_make_the_first_service_twice(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client = app.client()
        email = unique_email()
        await client.signup(email)
        await client.get("/panel/setup/business")
        await client.post(
            "/panel/setup/business",
            {"name": "Studio", "kind": "studio", "timezone": "America/Sao_Paulo"},
        )
        page = await client.get("/panel/setup/service")
        body = _body(
            form_fields(page.text, "/panel/setup/service"),
            name="Corte",
            duration_minutes="30",
            price="45,00",
            owner_name="Ana",
        )
        # Sent, then sent again (Back + resubmit, or a double tap).
        assert (await client.http.post("/panel/setup/service", data=body)).status_code == 303
        again = await client.http.post("/panel/setup/service", data=body)
        assert again.status_code == 303 and again.headers["location"] == "/panel/setup/hours"
        # Back to the step's page: it shows the service made, and sending it edits that one.
        back = await client.get("/panel/setup/service")
        assert 'value="Corte"' in back.text and 'value="45,00"' in back.text
        changed = _body(form_fields(back.text, "/panel/setup/service"), price="50,00")
        assert (await client.http.post("/panel/setup/service", data=changed)).status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            user = await uow.users.get_by_email(email)
            assert user is not None and user.id is not None
            [business] = await uow.businesses.list_for_owner(user.id)
            assert business.id is not None
            services = await uow.services.list_for_business(business.id, include_inactive=True)
        assert [(s.name, s.price_minor) for s in services] == [("Corte", 5000)]


async def _refused(client: PanelClient, url: str, **fields: str) -> str:
    page = await client.get(url)
    body = _body(form_fields(page.text, url), **fields)
    response = await client.http.post(url, data=body)
    assert response.status_code == 303 and response.headers["location"] == url
    shown = await client.get(url)
    assert shown.status_code == 400
    return shown.text


async def test_prices_durations_and_capacities_are_checked_with_clear_messages(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        new = "/panel/services/new"
        negative = await _refused(client, new, name="Barba", duration_minutes="20", price="-10")
        assert "O preço não pode ser negativo" in negative and 'value="-10"' in negative
        letters = await _refused(client, new, name="Barba", duration_minutes="20", price="abc")
        assert "Use um valor como 35,00." in letters
        too_long = await _refused(client, new, name="Barba", duration_minutes="0", price="30")
        assert "Use um número de 5 a 720." in too_long
        crowd = await _refused(
            client, new, name="Aula", duration_minutes="60", price="30", capacity="500"
        )
        assert "Use um número de 1 a 100." in crowd
        assert await _service_names(app, business_id) == ["Corte"]


async def test_deactivating_the_only_active_professional_asks_first(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        async with app.container.uow_factory(read_only=True) as uow:
            [member] = await uow.staff.list_for_business(business_id)
        url = f"/panel/team/{member.id}/deactivate"
        asked = await client.post(url, {})
        assert asked.status_code == 200
        assert "único profissional ativo" in asked.text and "não encontram horários" in asked.text
        async with app.container.uow_factory(read_only=True) as uow:
            assert (await uow.staff.get(member.id or 0)) is not None
            team = await uow.staff.list_for_business(business_id, include_inactive=True)
            assert [m.active for m in team] == [True]
        done = await client.post(url, {"confirm_last": "1"})
        assert done.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            assert await uow.staff.list_for_business(business_id) == []


async def test_phones_typed_in_the_panel_match_the_bots_client(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        # Maria booked from Telegram; the bot stored her phone as +5511988887777.
        await client_booking(app, business_id, TUESDAY_10_LOCAL, name="Maria")
        await client.get("/panel/agenda/new")
        walk_in = await client.post(
            "/panel/agenda/new",
            {
                "service_id": "",
                "date": "2026-03-03",
                "time": "14:00",
                "client_name": "Maria",
                "client_phone": "(11) 98888-7777",
            }
            | {"service_id": str(await _first_service(app, business_id))},
        )
        assert walk_in.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            found = await uow.panel.search_clients(business_id, "")
        found = [c for c in found if not c.is_test]
        assert [(c.name, c.phone) for c in found] == [("Maria", "+5511988887777")]
        # Editing a client keeps the bot's spelling too; a wrong number is refused plainly.
        [maria] = found
        url = f"/panel/clients/{maria.id}"
        await client.get(url)
        saved = await client.post(url, {"name": "Maria", "phone": "11 98888 7777", "notes": ""})
        assert saved.status_code == 303
        wrong = await client.post(url, {"name": "Maria", "phone": "123", "notes": ""})
        assert wrong.status_code == 400 and "Telefone inválido" in wrong.text
        async with app.container.uow_factory(read_only=True) as uow:
            kept = await uow.clients.get(maria.id or 0)
        assert kept is not None and kept.phone == "+5511988887777"


async def _first_service(app: PanelApp, business_id: int) -> int:
    async with app.container.uow_factory(read_only=True) as uow:
        [service] = await uow.services.list_for_business(business_id)
    assert service.id is not None
    return service.id


def _merge_migration() -> ModuleType:
    """The migration that merges duplicate clients, wherever the chain puts it."""
    scripts = ScriptDirectory.from_config(alembic_config())
    for revision in scripts.walk_revisions():
        if revision.module and hasattr(revision.module, "merge_duplicate_clients"):
            return revision.module
    raise AssertionError("no migration merges duplicate clients")


async def test_the_migration_merges_clients_with_the_same_phone(
    backend: Backend, engine: AsyncEngine
) -> None:
    async with panel_app(backend) as app:
        _client, business_id = await provider(app)
        first = await client_booking(app, business_id, TUESDAY_10_LOCAL, name="Maria", tg=77)
        # Before the fix the panel stored the phone as typed: a second Maria.
        async with app.container.uow_factory() as uow:
            typed = await uow.clients.add(
                Client(
                    business_id=business_id,
                    name="Maria S.",
                    phone="(11) 98888-7777",
                    notes="alérgica",
                )
            )
            other = await uow.clients.add(
                Client(business_id=business_id, name="João", phone="(11) 97777-6666")
            )
            await uow.commit()
        assert typed.id is not None and other.id is not None
        second = await book(
            app.container.uow_factory(),
            now=app.clock(),
            business_id=business_id,
            client_id=typed.id,
            service_ids=[await _first_service(app, business_id)],
            staff_id=None,
            start=datetime(2026, 3, 3, 17, 0, tzinfo=UTC),
            source=BookingSource.PANEL,
            idempotency_key=None,
            actor=Actor.provider(None),
            on_behalf_of_provider=True,
        )
        migration = _merge_migration()
        async with engine.begin() as conn:
            merged = await conn.run_sync(migration.merge_duplicate_clients)
        assert merged == 1
        async with app.container.uow_factory(read_only=True) as uow:
            clients = sorted(
                (c.name, c.phone, c.telegram_user_id, c.notes)
                for c in await uow.panel.search_clients(business_id, "")
                if not c.is_test
            )
            kept = await uow.clients.get_by_telegram(business_id, 77)
            assert kept is not None and kept.id is not None
            history = {b.id for b in await uow.bookings.for_client(kept.id, limit=10)}
        assert clients == [
            ("João", "+5511977776666", None, ""),
            ("Maria", "+5511988887777", 77, "alérgica"),
        ]
        assert history == {first, second.id}
        async with engine.connect() as conn:
            count = (
                await conn.execute(text("SELECT count(*) FROM clients WHERE NOT is_test"))
            ).scalar_one()
        assert count == 2


async def test_a_walk_in_form_sent_twice_books_once(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        page = await client.get("/panel/agenda/new")
        body = _body(
            form_fields(page.text, "/panel/agenda/new"),
            date="2026-03-03",
            time="15:00",
            client_name="João",
            client_phone="(11) 91234-5678",
        )
        first = await client.http.post("/panel/agenda/new", data=body)
        second = await client.http.post("/panel/agenda/new", data=body)
        assert first.status_code == second.status_code == 303
        assert "done=booked" in second.headers["location"]
        async with app.container.uow_factory(read_only=True) as uow:
            [joao] = [
                c for c in await uow.panel.search_clients(business_id, "João") if not c.is_test
            ]
            assert joao.id is not None
            bookings = await uow.bookings.for_client(joao.id, limit=10)
        assert len(bookings) == 1
