"""The limits every value from the browser must fit, checked once at the panel's boundary.

What a form or a link of ours can send is much narrower than what a URL can carry; past these
limits the database or the standard library fail (PostgreSQL's ``integer`` ends at 2**31 - 1
and refuses NUL in text; ``date(9999, 12, 31) + 1 day`` overflows). Rather than let each route
find out, :func:`check_request` runs before every panel route and refuses such a request with a
400 page; :func:`parse_day` and :data:`MIN_DAY`/:data:`MAX_DAY` are the one date range the
forms and query strings accept.
"""

from __future__ import annotations

from datetime import date

from fastapi import Request

from .errors import BadRequest

MAX_ID = 2**31 - 1
# Far wider than any booking, export or agenda page needs, and safe to add a year to.
MIN_DAY = date(2000, 1, 1)
MAX_DAY = date(2099, 12, 31)


def day_in_range(day: date) -> bool:
    return MIN_DAY <= day <= MAX_DAY


def parse_day(raw: str | None) -> date | None:
    """An ISO date within the panel's range, or None (missing, malformed or out of range)."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return day if day_in_range(day) else None


def parse_id(raw: str | None) -> int | None:
    """A database id typed in a query string, or None when it cannot be one."""
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def _bad_text(value: str) -> bool:
    return "\x00" in value


def _too_big(text: str) -> bool:
    # Read as leniently as the route's int parameter would ("+7", " 7", "1_000"...).
    if len(text) > 64:
        return any(c.isdigit() for c in text)
    try:
        return abs(int(text)) > MAX_ID
    except ValueError:
        return False


async def check_request(request: Request) -> None:
    """Router dependency: ids in the path fit the database, no NUL anywhere in the URL."""
    for value in request.path_params.values():
        text = str(value)
        if _bad_text(text):
            raise BadRequest()
        if _too_big(text):
            raise BadRequest()
    for key, value in request.query_params.multi_items():
        if _bad_text(key) or _bad_text(value):
            raise BadRequest()
