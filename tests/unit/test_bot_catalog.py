"""bot.po: every message in both languages, every message used, every used message defined."""

from __future__ import annotations

import re
from pathlib import Path

from i18n import LOCALES, load_catalog

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "dialogs").glob("*.py")),
    *(
        ROOT / "bot" / name
        for name in ("commands.py", "errors.py", "middlewares.py", "input_hygiene.py")
    ),
]
# Keys built at run time from a prefix: status.<status>, weekday.<day>, language.<locale>,
# book.period_<m|a|e>, command.<name>, changed.status.<status>.
DYNAMIC = ("status.", "weekday.", "language.", "book.period_", "command.", "changed.status.")
LITERAL = re.compile(r"""["']([a-z_]+\.[a-z_]+)["']""")


def _used_keys() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        found |= set(LITERAL.findall(path.read_text()))
    return found


def test_both_locales_define_the_same_messages() -> None:
    catalog = load_catalog("bot")
    keys = [catalog.keys(locale) for locale in LOCALES]
    assert keys[0] == keys[1], keys[0] ^ keys[1]


def test_every_message_is_used_and_every_used_message_exists() -> None:
    defined = load_catalog("bot").keys("pt_BR")
    used = {k for k in _used_keys() if k.split(".")[0] in {d.split(".")[0] for d in defined}}
    assert used - defined == set()
    unused = {k for k in defined - used if not k.startswith(DYNAMIC)}
    assert unused == set()
