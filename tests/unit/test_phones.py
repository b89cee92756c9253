"""One spelling per phone, wherever it was typed: the bot, the provider's chat, the panel."""

from __future__ import annotations

import pytest

from i18n.phones import normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "(11) 98765-4321",
        "11 98765 4321",
        "11987654321",
        "+55 11 98765-4321",
        "5511987654321",  # a shared contact without the "+"
        "55 11 98765 4321",
    ],
)
def test_the_same_number_typed_many_ways_is_one_phone(typed: str) -> None:
    assert normalize_phone(typed) == "+5511987654321"


@pytest.mark.parametrize("typed", ["123", "abc", "", "(11) 1234"])
def test_what_is_not_a_phone_is_refused(typed: str) -> None:
    assert normalize_phone(typed) is None
