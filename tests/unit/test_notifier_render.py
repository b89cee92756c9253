"""What each notification says, in each language and in the business's local time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.notifications.render import Facts, to_client, to_provider, when
from domain import actions
from domain.model import Booking, BookingItem, BookingStatus, Business

VISIT = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # 10:00 in São Paulo


def _facts(status: BookingStatus = BookingStatus.PENDING, reason: str = "") -> Facts:
    booking = Booking(
        business_id=3,
        staff_id=1,
        client_id=2,
        items=[BookingItem(5, "Corte", 30, 4500)],
        start=VISIT,
        status=status,
        reason=reason,
        id=11,
    )
    business = Business(name="Barbearia", slug="b", address="Rua A, 1", id=3)
    return Facts(business, booking, client_name="Ana", staff_name="Zé")


def test_times_are_the_business_wall_clock_in_the_recipient_language() -> None:
    assert when(VISIT, "America/Sao_Paulo", "pt_BR") == "seg., 7 de dez. às 10:00"
    assert when(VISIT, "America/Sao_Paulo", "en") == "Mon, Dec 7 at 10:00"
    assert when(VISIT, "Europe/Lisbon", "en") == "Mon, Dec 7 at 13:00"


def test_a_request_offers_confirm_and_decline_while_it_waits() -> None:
    rendered = to_provider(actions.NOTIFY_PROVIDER_NEW, "pending", _facts(), "en")
    assert rendered is not None
    text, buttons = rendered
    assert text.startswith("📅 New booking request") and "Ana — Corte" in text
    assert [[label for label, _ in row] for row in buttons] == [["✅ Confirm", "❌ Decline"]]


def test_an_automatic_booking_is_only_news_for_the_provider() -> None:
    rendered = to_provider(
        actions.NOTIFY_PROVIDER_NEW, "confirmed", _facts(BookingStatus.CONFIRMED), "pt_BR"
    )
    assert rendered is not None
    assert rendered[0].startswith("📅 Novo agendamento") and rendered[1] == ()


@pytest.mark.parametrize(
    ("payload", "start"),
    [
        ("cancelled", "❌ Ana cancelou"),
        ("rescheduled", "🔁 Ana remarcou para seg., 7 de dez. às 10:00"),
        ("attendance_confirmed", "✅ Ana confirmou presença"),
    ],
)
def test_client_changes_reach_the_provider(payload: str, start: str) -> None:
    rendered = to_provider(actions.NOTIFY_PROVIDER_CHANGE, payload, _facts(), "pt_BR")
    assert rendered is not None and rendered[0].startswith(start)


def test_a_decline_tells_the_reason_and_offers_to_book_again() -> None:
    facts = _facts(BookingStatus.DECLINED, reason="Fechado para reforma")
    rendered = to_client(actions.NOTIFY_CLIENT_STATUS, "declined", facts, "pt_BR")
    assert rendered is not None
    text, buttons = rendered
    assert text.endswith("Motivo: Fechado para reforma")
    assert buttons == ((("📅 Agendar de novo", "bk:3"),),)


def test_the_attendance_request_offers_three_answers_and_the_address() -> None:
    rendered = to_client(actions.ATTENDANCE_REQUEST, "", _facts(BookingStatus.CONFIRMED), "en")
    assert rendered is not None
    text, buttons = rendered
    assert "Will you come?" in text and text.endswith("📍 Rua A, 1")
    # Each answer carries the booking version it was drawn for (:1).
    assert [data for row in buttons for _, data in row] == [
        "at:ok:11:1",
        "at:rs:11:1",
        "at:cx:11:1",
    ]


def test_unknown_payloads_say_nothing() -> None:
    assert to_client(actions.NOTIFY_CLIENT_STATUS, "teleported", _facts(), "en") is None
    assert to_provider(actions.NOTIFY_PROVIDER_CHANGE, "teleported", _facts(), "en") is None
