"""The daily agenda digest time in the panel's Settings: saved, shown, cleared, validated."""

from __future__ import annotations

from datetime import time

from tests.conftest import Backend
from tests.integration.panel_support import panel_app, provider

FORM = {
    "confirmation_mode": "automatic",
    "min_notice_minutes": "60",
    "horizon_days": "60",
    "slot_step_minutes": "15",
    "cancellation_window_minutes": "120",
    "request_expiry_minutes": "720",
    "reminder_offsets": "120",
    "attendance_request_minutes": "1440",
    "locale": "pt_BR",
    "currency": "BRL",
}


async def test_the_digest_time_is_optional_and_validated(backend: Backend) -> None:
    async with panel_app(backend) as app:
        client, business_id = await provider(app)
        page = await client.get("/panel/settings")
        assert 'name="digest_time"' in page.text and "Agenda do dia no chat" in page.text

        bad = await client.post("/panel/settings", {**FORM, "digest_time": "25:99"})
        assert bad.status_code == 400 and "Use um horário como 09:00" in bad.text

        ok = await client.post("/panel/settings", {**FORM, "digest_time": "07:30"})
        assert ok.status_code == 303
        async with app.container.uow_factory(read_only=True) as uow:
            business = await uow.businesses.get(business_id)
        assert business is not None and business.policies.daily_digest_at == time(7, 30)
        assert 'value="07:30"' in (await client.get("/panel/settings")).text

        await client.post("/panel/settings", {**FORM, "digest_time": ""})
        async with app.container.uow_factory(read_only=True) as uow:
            business = await uow.businesses.get(business_id)
        assert business is not None and business.policies.daily_digest_at is None
