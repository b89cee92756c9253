"""Text typed by people, made safe to keep and show: one place for every entry point.

Telegram and browsers hand us whatever a client can type or paste: NUL bytes (PostgreSQL
refuses them in text columns), zero-width spaces that make an "empty" name look filled in,
bidirectional overrides that make a name render backwards in the provider's agenda, and the
same accented letter in two Unicode forms (so "José" would not equal "José").

:func:`clean_text` keeps the meaning and drops the invisible: NFC form, no control or format
characters (Unicode categories Cc and Cf, which covers NUL, zero-width characters and the RTL/LTR
overrides). Line breaks and tabs survive only where a multi-line text is expected.
:func:`clean_name` also folds every run of whitespace to one space and says ``None`` when
nothing usable is left, so callers answer "that name can't be used" instead of storing it.
"""

from __future__ import annotations

import unicodedata

# Joiners shape emoji sequences (family, flags) and some scripts: dropping them would change
# what the person wrote, and they cannot hide text on their own.
_KEPT_FORMAT = {"\u200c", "\u200d"}
_LINE_BREAKS = {"\n", "\t"}


def _unwanted(char: str, *, multiline: bool) -> bool:
    if multiline and char in _LINE_BREAKS:
        return False
    category = unicodedata.category(char)
    if category == "Cf":
        return char not in _KEPT_FORMAT
    # Cc: C0/C1 controls (NUL, ESC, CR, DEL...); Cs: lone surrogates (not valid UTF-8).
    return category in ("Cc", "Cs")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """NFC, without control/format characters; ``\\r\\n`` becomes ``\\n`` when multi-line."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(c for c in value if not _unwanted(c, multiline=multiline))
    # Composed after the filtering: "e" + ZWSP + combining accent must still become "é".
    return unicodedata.normalize("NFC", kept)


def has_visible(value: str) -> bool:
    """True when something would be seen: a letter, digit, symbol or punctuation mark."""
    return any(unicodedata.category(c)[0] in "LNSP" for c in value)


def clean_name(value: str, *, max_len: int) -> str | None:
    """A person's or a thing's name as it should be kept, or None when it is unusable:
    nothing visible once cleaned, or longer than ``max_len``."""
    name = " ".join(clean_text(value).split())
    name = name.strip("\u200c\u200d ")
    if not name or not has_visible(name) or len(name) > max_len:
        return None
    return name
