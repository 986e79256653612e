"""Signed-in browsers. The cookie carries a random token; the database keeps its SHA-256, the
account, an expiry and the session's CSRF token (sent back in every form)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StaffAccount, WebSession

COOKIE = "mukta_session"
LIFETIME = timedelta(hours=12)  # one working day; then sign in again


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Account:
    """The signed-in account as it was when the request came (not bound to a session)."""

    key: str
    name: str
    role: str
    team: str
    language: str

    @classmethod
    def of(cls, row: StaffAccount) -> Account:
        return cls(row.key, row.name, row.role, row.team, row.language)


@dataclass(frozen=True)
class SignedIn:
    account: Account
    csrf_token: str

    def csrf_ok(self, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf_token.encode())


async def start(session: AsyncSession, account: StaffAccount, now: datetime) -> str:
    """A new session for `account`; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_digest(token),
            account_key=account.key,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    # Old sessions of anyone are swept now and then, here, where a write happens anyway.
    await session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return token


async def resolve(session: AsyncSession, token: str, now: datetime) -> SignedIn | None:
    if not token or len(token) > 100:
        return None
    row = await session.get(WebSession, _digest(token))
    if row is None or row.expires_at <= now:
        return None
    account = await session.get(StaffAccount, row.account_key)
    if account is None or not account.active:
        return None
    return SignedIn(Account.of(account), row.csrf_token)


async def end(session: AsyncSession, token: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


async def end_all_for(session: AsyncSession, account_key: str) -> None:
    """After a password change or when an account is switched off."""
    await session.execute(delete(WebSession).where(WebSession.account_key == account_key))
