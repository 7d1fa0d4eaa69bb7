"""Password hashing with Argon2id (memory-hard), tuned through configuration."""

from __future__ import annotations

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
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_COST"]
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# Verified when the email matches no account, so a wrong email takes as long as a
# wrong password and response times do not reveal which accounts exist.
_DUMMY_HASH = _DEFAULT.hash("not a real password; used to equalise timing")


def spend_equal_time(password: str) -> None:
    verify_password(_DUMMY_HASH, password)
