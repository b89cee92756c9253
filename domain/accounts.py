"""Provider accounts: sign-up, log-in, sessions and passwords.

Sign-up creates the user and their business in one transaction. A panel session's cookie carries
a random token; storage keeps only its SHA-256, so reading the sessions table does not let anyone
log in. Tokens are made by the caller (the panel) and passed in.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput, NotFound
from .model import Business, PanelSession, User
from .ports import PanelUnitOfWork, UnitOfWork
from .text import clean_name

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidInput("email", "invalid")
    return email


def slugify(text: str) -> str:
    """ "Barbearia do Zé" -> "barbearia-do-ze": safe in a t.me deep link (A-Z, 0-9, _ and -)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:48] or "negocio"


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("timezone", "unknown time zone") from None
    return name


async def unique_slug(uow: UnitOfWork, name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while await uow.businesses.get_by_slug(slug) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


@dataclass(frozen=True)
class NewProvider:
    user: User
    business: Business


async def create_provider(
    uow: UnitOfWork,
    *,
    email: str,
    password_hash: str,
    business_name: str,
    timezone: str = "America/Sao_Paulo",
    locale: str = "pt_BR",
) -> NewProvider:
    """Create a panel account and its business. Raises InvalidInput on a taken e-mail."""
    email = normalize_email(email)
    cleaned = clean_name(business_name, max_len=120)
    if cleaned is None:  # nothing visible once NUL/zero-width/bidi characters are gone
        raise InvalidInput("business_name", "required")
    business_name = cleaned
    check_timezone(timezone)
    async with uow:
        if await uow.users.get_by_email(email) is not None:
            raise InvalidInput("email", "taken")
        user = await uow.users.add(User(email=email, password_hash=password_hash, locale=locale))
        business = await uow.businesses.add(
            Business(
                name=business_name,
                slug=await unique_slug(uow, business_name),
                timezone=timezone,
                locale=locale,
                owner_user_id=user.id,
            )
        )
        await uow.commit()
    return NewProvider(user=user, business=business)


# --- log-in: panel sessions, password changes, who is signed in ---

SESSION_TTL = timedelta(days=14)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(
    uow: PanelUnitOfWork, *, now: datetime, user_id: int, token: str, csrf_token: str
) -> PanelSession:
    """A new session for a user who just proved who they are (never reuse an old one)."""
    session = PanelSession(
        id=token_hash(token),
        user_id=user_id,
        csrf_token=csrf_token,
        created_at=now,
        expires_at=now + SESSION_TTL,
    )
    async with uow:
        await uow.sessions.add(session)
        await uow.commit()
    return session


async def load_session(uow: PanelUnitOfWork, *, now: datetime, token: str) -> PanelSession | None:
    """The live session behind a cookie token, or None (unknown or expired)."""
    if not token:
        return None
    async with uow:
        session = await uow.sessions.get(token_hash(token))
    if session is None or session.expires_at <= now:
        return None
    return session


async def end_session(uow: PanelUnitOfWork, *, token: str) -> None:
    async with uow:
        await uow.sessions.delete(token_hash(token))
        await uow.commit()


async def change_password(
    uow: PanelUnitOfWork, *, user_id: int, password_hash: str, keep_session_id: str
) -> None:
    """Store the new hash and log out every other browser of this user."""
    async with uow:
        user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("user", user_id)
        user.password_hash = password_hash
        await uow.users.update(user)
        await uow.sessions.delete_for_user(user_id, keep=keep_session_id)
        await uow.commit()


async def user_with_email(uow: PanelUnitOfWork, email: str) -> User | None:
    """The account signing in with ``email`` (None for an empty or unknown one)."""
    return await uow.users.get_by_email(email) if email else None


async def signed_in(uow: PanelUnitOfWork, user_id: int) -> tuple[User, Business] | None:
    """A session's account and the business it runs; None if either is gone."""
    user = await uow.users.get(user_id)
    businesses = await uow.businesses.list_for_owner(user_id) if user else []
    if user is None or not businesses:
        return None
    return user, businesses[0]
