"""Provider accounts: sign-up creates the user and their business in one transaction."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput
from .model import Business, User
from .ports import UnitOfWork
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
