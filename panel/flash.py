"""A refused form carried across one redirect (Post/Redirect/Get even when the input is wrong).

After a POST the panel always redirects, so Back and refresh never send a form twice. When the
input was wrong, what the person typed and the messages travel to the next GET in a short-lived
cookie, signed with the secret key so nobody can plant messages or values in someone's page.
The cookie is read once by the page it names and then deleted. Values are kept only for one
page view, in the provider's own browser (httponly, same-site).
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

FLASH_COOKIE = "agendei_form"
# Browsers drop cookies over ~4 KB; a bigger form is shown again directly (see ``fits``).
MAX_COOKIE = 3800


@dataclass
class Flash:
    path: str
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # JSON values only
    status: int = 0  # the page's status when not the usual (e.g. 429 "wait"); 0: usual


def _sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), b"flash:" + body, sha256).hexdigest()[:32]


def dump(secret: str, flash: Flash) -> str:
    body = base64.urlsafe_b64encode(
        json.dumps(flash.__dict__, separators=(",", ":"), ensure_ascii=False).encode()
    )
    return f"{body.decode()}.{_sign(secret, body)}"


def load(secret: str, cookie: str) -> Flash | None:
    body, _, signature = cookie.rpartition(".")
    if not body or not hmac.compare_digest(signature, _sign(secret, body.encode())):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
        return Flash(**data)
    except (ValueError, TypeError):
        return None


def fits(cookie: str) -> bool:
    return len(cookie) <= MAX_COOKIE
