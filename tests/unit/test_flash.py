"""The refused form carried across a redirect: read back as written, never as planted."""

from __future__ import annotations

from panel.flash import Flash, dump, load


def test_a_carried_form_comes_back_as_it_was() -> None:
    sent = Flash(
        path="/panel/services/new",
        values={"name": "Barba ção", "price": "-10"},
        errors={"price": "money_negative"},
        params={"duration_minutes": {"low": "5", "high": "720"}},
        extra={"alternatives": ["10:00", "10:30"]},
    )
    assert load("secret", dump("secret", sent)) == sent


def test_a_planted_or_altered_cookie_is_ignored() -> None:
    cookie = dump("secret", Flash(path="/panel/settings", errors={"name": "required"}))
    body, _, signature = cookie.rpartition(".")
    assert load("other secret", cookie) is None
    assert load("secret", body + "x." + signature) is None
    assert load("secret", "garbage") is None
