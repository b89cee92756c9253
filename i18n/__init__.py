"""Message catalogs and locale-aware formatting shared by the entry points (bot, dialogs, panel).

Catalogs are gettext ``.po`` files with symbolic message ids (``menu.book``), one per entry
point: ``i18n/locales/<locale>/<domain>.po``. Both locales must define every id (a test checks).
Imports nothing of ours, so any entry point may use it.
"""

from .catalogs import DEFAULT_LOCALE, LOCALES, Catalog, load_catalog, normalize_locale
from .formatting import (
    format_date,
    format_datetime,
    format_day,
    format_day_time,
    format_money,
    format_time,
)

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "Catalog",
    "format_date",
    "format_datetime",
    "format_day",
    "format_day_time",
    "format_money",
    "format_time",
    "load_catalog",
    "normalize_locale",
]
