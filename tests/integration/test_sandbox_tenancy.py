"""In production the sandbox page only ever talks to the logged-in provider's own business:
``/start <another business's slug>`` typed there opens nothing and books nothing there."""

from __future__ import annotations

from sqlalchemy import text

from domain.sandbox import sandbox_users
from i18n import load_catalog
from tests.conftest import Backend
from tests.integration.panel_support import provider as make_provider
from tests.integration.test_sandbox_preview import Pane, real_token_app


async def test_the_sandbox_cannot_reach_another_business(backend: Backend) -> None:
    async with real_token_app(backend) as preview:
        app = preview.app
        alice, alice_business = await make_provider(app)
        _bob, bob_business = await make_provider(app)
        async with app.container.uow_factory(read_only=True) as uow:
            bob = await uow.businesses.get(bob_business)
        assert bob is not None
        await alice.get("/panel/sandbox")
        pane = Pane(alice, "client")
        await pane.post("text", text=f"/start {bob.slug}")
        unknown = load_catalog("bot").text("pt_BR", "start.unknown_link")
        assert unknown in pane.texts()
        async with app.container.engine.connect() as conn:
            at_bob = await conn.execute(
                text(
                    "SELECT count(*) FROM clients WHERE business_id = :b AND telegram_user_id = :u"
                ),
                {"b": bob_business, "u": sandbox_users(alice_business).client},
            )
            assert at_bob.scalar_one() == 0
        # Its own business still works, and its client there is a test client.
        await pane.post("start")
        async with app.container.uow_factory(read_only=True) as uow:
            mine = await uow.clients.get_by_telegram(
                alice_business, sandbox_users(alice_business).client
            )
        assert mine is not None and mine.is_test
