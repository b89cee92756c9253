"""The provider catalog: every key in both locales, and every key used by bot/provider."""

from __future__ import annotations

import re
from pathlib import Path

from i18n import LOCALES, load_catalog

CODE = Path(__file__).resolve().parents[2] / "bot" / "provider"
# Keys built at run time from a prefix and a value.
DYNAMIC = ("status.", "command.", "changed.status.")


def test_every_provider_key_exists_in_every_locale() -> None:
    catalog = load_catalog("provider")
    keys = [catalog.keys(locale) for locale in LOCALES]
    assert keys[0] == keys[1]
    assert keys[0]


def test_every_provider_key_is_used_in_code() -> None:
    source = "\n".join(p.read_text() for p in CODE.glob("*.py"))
    literals = set(re.findall(r"[\"']([a-z_]+(?:\.[a-z_]+)*)[\"']", source))
    unused = {
        key for key in load_catalog("provider").keys("en") - literals if not key.startswith(DYNAMIC)
    }
    assert unused == set()
