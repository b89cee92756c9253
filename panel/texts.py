"""The panel's messages (catalog ``panel``) and the choice of language for a request."""

from __future__ import annotations

from dataclasses import dataclass

from i18n import DEFAULT_LOCALE, LOCALES, Catalog, load_catalog


def catalog() -> Catalog:
    return load_catalog("panel")


@dataclass(frozen=True)
class Texts:
    locale: str

    def __call__(self, key: str, /, **values: object) -> str:
        return catalog().text(self.locale, key, **values)


def negotiate(accept_language: str | None, chosen: str | None = None) -> str:
    """A chosen language (cookie or user setting) wins; else the browser's; else pt_BR."""
    if chosen in LOCALES:
        return str(chosen)
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("pt"):
            return "pt_BR"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE
