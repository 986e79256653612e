"""Staff passwords, hashed with Argon2id (argon2-cffi's defaults follow RFC 9106)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_hasher = PasswordHasher()


class WeakPassword(ValueError):
    """Why a password is refused: a key of the console's words, with its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword("acc_err_short_password", minimum=MIN_LENGTH)
    if password.strip() != password:
        raise WeakPassword("acc_err_password_spaces")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


@cache
def _decoy() -> str:
    return _hasher.hash("not anyone's password")


def spend_as_if_verifying(password: str) -> None:
    """For an unknown account: take as long as a real check, so timing does not tell which
    account names exist."""
    verify_password(_decoy(), password)
