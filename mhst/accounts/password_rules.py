"""What makes a password acceptable, by the NCSC's password guidance: long enough, not one
of the passwords attackers try first, and not built from the user's own email address.

No rules about mixing character types: they make passwords harder to remember without
making them harder to guess. A few random words make a strong, memorable password.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

from flask import current_app

from mhst.core.rules import RuleError

MAX_PASSWORD_LENGTH = 128
# A local part shorter than this ("jo") turns up inside too many good passwords to refuse.
MIN_LOCAL_PART = 4

# An error message, not a password (ruff S105, bandit B105).
COMMON_PASSWORD = "Choose a password that is not commonly used"  # noqa: S105  # nosec B105
CONTAINS_EMAIL = "Choose a password that does not contain your email address"


class AccountRuleError(RuleError):
    """A rule about accounts was broken."""


class PasswordRuleError(AccountRuleError):
    """A new password was refused."""


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (mhst/accounts/data/common_passwords.txt), lower-cased."""
    text = files("mhst.accounts").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def is_common(password: str) -> bool:
    """On the list, compared lower-cased, and with spaces taken out ("pass word 123")."""
    lowered = password.lower()
    return lowered in common_passwords() or re.sub(r"\s+", "", lowered) in common_passwords()


def contains_email(password: str, email: str | None) -> bool:
    """Whether the password holds the email's local part ("sam.jones", or "samjones")."""
    if not email:
        return False
    local = email.strip().lower().rpartition("@")[0] or email.strip().lower()
    lowered = password.lower()
    variants = {local, re.sub(r"[._+\-]", "", local)}
    return any(len(v) >= MIN_LOCAL_PART and v in lowered for v in variants)


def check_password_rules(
    password: str, *, field: str = "password", email: str | None = None
) -> None:
    """Raise ``PasswordRuleError`` on ``field`` unless ``password`` may be used."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise PasswordRuleError(field, f"Password must be {minimum} characters or more")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRuleError(
            field, f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
        )
    if len(set(password)) < 4:
        raise PasswordRuleError(field, "Password must not repeat the same few characters")
    if is_common(password):
        raise PasswordRuleError(field, COMMON_PASSWORD)
    if contains_email(password, email):
        raise PasswordRuleError(field, CONTAINS_EMAIL)
