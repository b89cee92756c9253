"""The panel's catalog: every message used exists in pt_BR and en, and none is left unused."""

from __future__ import annotations

import re
from pathlib import Path

from i18n import load_catalog

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "panel").rglob("*.py")),
    *sorted((ROOT / "panel" / "templates").glob("*.html")),
    ROOT / "app" / "outage.py",  # the "try again in a moment" page speaks the panel's words
]
DOMAIN = [*sorted((ROOT / "domain").glob("*.py"))]
# Keys built at run time from a prefix and a value found elsewhere in the code.
DYNAMIC = ("error.", "flash.", "status.", "kind.", "weekday.")
KEY = re.compile(r"""["']((?:[a-z_]+)\.[a-z0-9_]+)["']""")


def _literals(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        found |= set(re.findall(r"""["']([A-Za-z0-9_\-]+)["']""", path.read_text("utf-8")))
    return found


def _used_keys() -> set[str]:
    used: set[str] = set()
    for path in SOURCES:
        used |= {k for k in KEY.findall(path.read_text("utf-8")) if not k.endswith((".html",))}
    return used


def test_both_locales_define_the_same_messages() -> None:
    catalog = load_catalog("panel")
    assert catalog.keys("pt_BR") == catalog.keys("en")


def test_every_key_used_exists_and_every_key_is_used() -> None:
    catalog = load_catalog("panel")
    defined = catalog.keys("pt_BR")
    used = _used_keys()
    prefixes = {k.split(".")[0] + "." for k in defined}
    candidates = {k for k in used if any(k.startswith(p) for p in prefixes)}
    missing = {k for k in candidates if k not in defined and not k.startswith(DYNAMIC)}
    assert not missing, f"used but not in the catalog: {sorted(missing)}"
    literals = _literals(SOURCES + DOMAIN)
    unused = set()
    for key in defined - used:
        prefix, _, suffix = key.partition(".")
        if prefix == "weekday" and suffix.isdigit() and int(suffix) < 7:
            continue
        if f"{prefix}." in DYNAMIC and suffix in literals:
            continue
        if prefix == "flash" and suffix.replace("_", "-") in literals:
            continue
        if key.startswith("changed.status.") and suffix.partition(".")[2] in literals:
            continue  # changed.status.<booking status>, built from the status at run time
        unused.add(key)
    assert not unused, f"in the catalog but never used: {sorted(unused)}"
