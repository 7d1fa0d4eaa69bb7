"""Password hashing with Argon2id (memory-hard), tuned through configuration."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

_DEFAULT = PasswordHasher()


def _hasher() -> PasswordHasher:
    if not has_app_context():
        return _DEFAULT
    config = current_app.config
    if "ARGON2_TIME_COST" not in config:
        return _DEFAULT
    return _configured_hasher(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"])


@cache
def _configured_hasher(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash at ``hasher``'s strength, made on first use: verifying costs what the hash's
    own parameters say, so it must be as strong as the real accounts' hashes."""
    return hasher.hash("not a real password; used to equalise timing")


def spend_equal_time(password: str) -> None:
    """Verified when the email matches no account, so a wrong email takes as long as a
    wrong password and response times do not reveal which accounts exist."""
    verify_password(_dummy_hash(_hasher()), password)
