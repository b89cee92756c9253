"""First run: seed the demo business into an empty database and say how to log in.

The demo password is derived from ``SECRET_KEY``, so it is the same on every start of this
installation: the log-in line is printed again on later starts (while the demo account still
has that password), and a newcomer who missed it the first time is not locked out.
Never in production.
"""

from __future__ import annotations

import hashlib
import hmac

from domain.demo import DEMO_EMAIL, seed_demo
from panel.passwords import hash_password, verify_password

from .wiring import Container


def demo_password(secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), b"agendei-demo-password", hashlib.sha256)
    return "demo-" + digest.hexdigest()[:10]


def login_line(url: str, password: str) -> str:
    return f"Demo: {url}/panel/login — {DEMO_EMAIL} / {password}"


async def ensure_demo(container: Container, url: str) -> str | None:
    """Seed if the database is empty; the one-line log-in to print, or None (production, or
    the demo account is gone or has another password now)."""
    settings = container.settings
    if settings.env == "production":
        return None
    password = demo_password(settings.secret_key)
    async with container.uow_factory(read_only=True) as uow:
        empty = not await uow.businesses.list_all(limit=1)
    if empty:  # hashing is slow on purpose: only when there is something to seed
        await seed_demo(
            container.uow_factory,
            now=container.clock(),
            password_hash=await hash_password(password),
        )
    async with container.uow_factory(read_only=True) as uow:
        user = await uow.users.get_by_email(DEMO_EMAIL)
    if user is None or not await verify_password(user.password_hash, password):
        return None
    return login_line(url, password)
