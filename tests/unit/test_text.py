"""Text typed by people, cleaned once: what is kept is what anyone will see."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from domain.text import clean_name, clean_text


def test_invisible_and_control_characters_go_and_accents_are_composed() -> None:
    assert clean_text("Jose\u0301\x00\u200b\u202e") == "José"
    assert clean_text("a\r\nb\tc", multiline=True) == "a\nb\tc"
    assert clean_text("a\r\nb\tc") == "abc"
    assert clean_text("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"  # joiners build the emoji


def test_names_with_nothing_visible_are_unusable() -> None:
    assert clean_name("\u200b\u2060\u202e", max_len=120) is None
    assert clean_name("   ", max_len=120) is None
    assert clean_name("\u202eAna\x00  \u200bLima\u202c", max_len=120) == "Ana Lima"
    assert clean_name("x" * 121, max_len=120) is None
    assert clean_name("😀", max_len=120) == "😀"


@given(st.text())
def test_cleaning_is_idempotent_and_leaves_no_controls(value: str) -> None:
    cleaned = clean_text(value)
    assert clean_text(cleaned) == cleaned
    assert not any(
        unicodedata.category(c) in ("Cc", "Cs")
        or (unicodedata.category(c) == "Cf" and c not in "\u200c\u200d")
        for c in cleaned
    )
    name = clean_name(value, max_len=1000)
    assert name is None or (name == name.strip() and "  " not in name)


def test_an_accent_split_by_an_invisible_character_is_still_composed() -> None:
    assert clean_text("e\u200b\u0301") == "é"
