"""Who may sign in to the console, and the record of who changed the helpdesk's set-up."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web import sessions
from bot.web.passwords import (
    WeakPassword,
    hash_password,
    needs_rehash,
    spend_as_if_verifying,
    verify_password,
)
from bot.web.sessions import Account
from bot.web.strings import translate
from db.models import AdminChange, StaffAccount
from flows.directory import NAME_LONGEST, STAFF_ROLES, Directory, Staff

T = TypeVar("T")
KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,59}$")
LANGUAGES = ("en", "or")


async def in_thread(work: Callable[..., T], *arguments: str) -> T:
    """Argon2 takes tens of milliseconds of CPU on purpose: off the event loop, so webhooks
    and other pages are not held up while someone signs in (it releases the GIL)."""
    return await asyncio.to_thread(work, *arguments)


class AccountError(ValueError):
    """A change to an account that cannot be made. `reason` and `values` say why in the
    console's words (the admin page shows them in the admin's language); the message is the
    English text (for the command line and the logs)."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(translate("en", reason, **values))
        self.reason = reason
        self.values = values

    def text(self, language: str) -> str:
        return translate(language, self.reason, **self.values)


def record_change(
    session: AsyncSession, now: datetime, actor: str, subject: str, action: str, **detail: object
) -> None:
    session.add(
        AdminChange(
            at=now,
            actor=actor,
            subject=subject,
            action=action,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
        )
    )


def staff_of(account: Account, directory: Directory) -> Staff:
    """The account as the ticket service knows staff: with their chat addresses when the
    configuration lists them under the same key."""
    configured = next((member for member in directory.staff if member.key == account.key), None)
    addresses = configured.addresses if configured is not None else ()
    return Staff(account.key, account.name, account.role, account.team, addresses)


class Accounts:
    def __init__(self, directory: Callable[[], Directory]) -> None:
        # A function, not a value: an admin may reload the configuration while we run.
        self.directory = directory

    def _check(self, role: str, team: str, language: str) -> None:
        if role not in STAFF_ROLES:
            raise AccountError("acc_err_role", choices=", ".join(STAFF_ROLES))
        teams = [item.key for item in self.directory().teams]
        if team not in teams:
            raise AccountError("acc_err_team", choices=", ".join(teams))
        if language not in LANGUAGES:
            raise AccountError("acc_err_language", choices=", ".join(LANGUAGES))

    async def create(
        self,
        session: AsyncSession,
        now: datetime,
        actor: str,
        key: str,
        name: str,
        role: str,
        team: str,
        password: str,
        language: str = "en",
    ) -> StaffAccount:
        key, name = key.strip().lower(), name.strip()
        if not KEY.match(key):
            raise AccountError("acc_err_key")
        if not name or len(name) > NAME_LONGEST:
            raise AccountError("acc_err_name")
        self._check(role, team, language)
        if await session.get(StaffAccount, key) is not None:
            raise AccountError("acc_err_exists", account=key)
        try:
            hashed = await in_thread(hash_password, password)
        except WeakPassword as error:
            raise AccountError(error.key, **error.values) from error
        account = StaffAccount(
            key=key,
            name=name,
            role=role,
            team=team,
            password_hash=hashed,
            language=language,
            active=True,
            created_at=now,
            password_changed_at=now,
        )
        session.add(account)
        record_change(
            session, now, actor, f"account:{key}", "create", name=name, role=role, team=team
        )
        return account

    async def authenticate(
        self, session: AsyncSession, key: str, password: str
    ) -> StaffAccount | None:
        account = await session.get(StaffAccount, key.strip().lower())
        if account is None or not account.active:
            await in_thread(spend_as_if_verifying, password)
            return None
        if not await in_thread(verify_password, account.password_hash, password):
            return None
        if needs_rehash(account.password_hash):  # the KDF's parameters were raised
            account.password_hash = await in_thread(hash_password, password)
        return account

    async def update(
        self,
        session: AsyncSession,
        now: datetime,
        actor: str,
        key: str,
        *,
        name: str,
        role: str,
        team: str,
        language: str,
        active: bool,
    ) -> StaffAccount:
        account = await self.get(session, key)
        if len(name.strip()) > NAME_LONGEST:
            raise AccountError("acc_err_name")
        self._check(role, team, language)
        if actor == key and (not active or role != account.role):
            raise AccountError("acc_err_own")
        before: dict[str, object] = {"name": account.name, "role": account.role}
        before |= {"team": account.team, "language": account.language, "active": account.active}
        account.name, account.role, account.team = name.strip() or account.name, role, team
        account.language, account.active = language, active
        after: dict[str, object] = {"name": account.name, "role": role, "team": team}
        after |= {"language": language, "active": active}
        changed = {field: [before[field], after[field]] for field in after}
        changed = {field: pair for field, pair in changed.items() if pair[0] != pair[1]}
        if changed:
            record_change(session, now, actor, f"account:{key}", "update", **changed)
        return account

    async def set_password(
        self, session: AsyncSession, now: datetime, actor: str, key: str, password: str
    ) -> None:
        account = await self.get(session, key)
        try:
            account.password_hash = await in_thread(hash_password, password)
        except WeakPassword as error:
            raise AccountError(error.key, **error.values) from error
        account.password_changed_at = now
        record_change(session, now, actor, f"account:{key}", "password")
        # Whoever set it (the admin page, the command line), the old password's sessions end.
        await sessions.end_all_for(session, key)

    async def get(self, session: AsyncSession, key: str) -> StaffAccount:
        account = await session.get(StaffAccount, key)
        if account is None:
            raise AccountError("acc_err_missing", account=key)
        return account

    async def all(self, session: AsyncSession) -> Sequence[StaffAccount]:
        result = await session.execute(select(StaffAccount).order_by(StaffAccount.key))
        return result.scalars().all()

    async def count(self, session: AsyncSession) -> int:
        return len(await self.all(session))


async def recent_changes(session: AsyncSession, limit: int = 200) -> Sequence[AdminChange]:
    result = await session.execute(select(AdminChange).order_by(AdminChange.id.desc()).limit(limit))
    return result.scalars().all()
