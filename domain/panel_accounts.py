"""Panel sessions and password changes.

The cookie carries a random token; storage keeps only its SHA-256, so reading the sessions table
does not let anyone log in. Tokens are made by the caller (the panel) and passed in.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from .errors import NotFound
from .model import Business, PanelSession, User
from .ports import PanelUnitOfWork

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
