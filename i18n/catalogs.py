"""Loading ``.po`` catalogs with Babel and looking messages up."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = ("pt_BR", "en")
DEFAULT_LOCALE = "pt_BR"
LOCALE_DIR = Path(__file__).parent / "locales"


def normalize_locale(code: str | None) -> str:
    """Telegram's ``language_code`` ("pt-br", "en-US", "es") -> a locale we have."""
    if not code:
        return DEFAULT_LOCALE
    code = code.replace("-", "_").lower()
    if code.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


@dataclass(frozen=True)
class Catalog:
    """One domain's messages in every locale."""

    domain: str
    messages: dict[str, dict[str, str]]  # locale -> id -> text

    def text(self, locale: str, key: str, /, **values: object) -> str:
        """The message in ``locale`` (falling back to the default), formatted with ``values``."""
        table = self.messages.get(locale) or self.messages[DEFAULT_LOCALE]
        template = table.get(key) or self.messages[DEFAULT_LOCALE].get(key)
        if template is None:
            raise KeyError(f"missing message {key!r} in {self.domain}")
        return template.format(**values) if values else template

    def keys(self, locale: str) -> set[str]:
        return set(self.messages.get(locale, {}))


@functools.cache
def load_catalog(domain: str) -> Catalog:
    """Read ``<locale>/<domain>.po`` for every locale (once per process)."""
    messages: dict[str, dict[str, str]] = {}
    for locale in LOCALES:
        path = LOCALE_DIR / locale / f"{domain}.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        messages[locale] = {
            str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.id, str) and m.string
        }
    return Catalog(domain=domain, messages=messages)
