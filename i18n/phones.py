"""Phone numbers as Agendei keeps them: E.164 ("+5511988887777"), one spelling per person.

The bot (typed or shared contact), the provider's chat and the panel all normalise through
:func:`normalize_phone`, so the same person met in chat and typed in the panel is one client.
It lives here rather than in ``domain/`` because domain imports only the standard library and
number plans are locale data from the ``phonenumbers`` library, like Babel's for money and
dates; ``i18n`` is the neutral package every entry point may import.
"""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "BR"


def normalize_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """A typed or shared phone as E.164, or None when it is not a valid number."""
    raw = text.strip()
    digits = sum(c.isdigit() for c in raw)
    if raw and raw[0].isdigit() and digits > 11:
        raw = "+" + raw  # contacts often come without the "+": 5511987654321
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
