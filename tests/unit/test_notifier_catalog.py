"""The notify catalog: every key in both locales, and every key used by the code."""

from __future__ import annotations

import re
from pathlib import Path

from i18n import LOCALES, load_catalog

CODE = Path(__file__).resolve().parents[2] / "bot" / "notifications"


def test_every_notification_key_exists_in_every_locale() -> None:
    catalog = load_catalog("notify")
    keys = [catalog.keys(locale) for locale in LOCALES]
    assert keys[0] == keys[1]
    assert keys[0]


def test_every_notification_key_is_used_in_code() -> None:
    source = "\n".join(p.read_text() for p in CODE.glob("*.py"))
    literals = set(re.findall(r"\"([a-z_]+(?:\.[a-z_]+)*)\"", source))
    unused = load_catalog("notify").keys("en") - literals
    assert unused == set()
