"""Forgotten passwords: a single-use link, emailed, that expires.

The token is 256 random bits in the link; the database keeps only its SHA-256 hash, so a
copy of the table opens no account. A link works once, for ``PASSWORD_RESET_MINUTES``;
asking again (or any change of password) spends the older links. Whether the address has
an account is never shown: the request page answers the same either way. These functions
do not commit; the views send the emails after the commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from mhst.accounts.dormancy import is_dormant
from mhst.accounts.models import PasswordReset, User
from mhst.accounts.password_rules import check_password_rules
from mhst.accounts.passwords import hash_password
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.locking import lock_row
from mhst.core.time import utcnow
from mhst.extensions import db


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def may_reset(user: User) -> bool:
    """Only an account that could sign in gets a link (not one deactivated, dormant or
    waiting for its role's approval)."""
    return user.active and not user.awaiting_first_approval and not is_dormant(user)


def spend_links(user: User) -> None:
    """Every unused link of ``user`` stops working."""
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.spent_at.is_(None))
        .values(spent_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def request_reset(user: User | None) -> str | None:
    """A new link's token for ``user`` (None for no account, or one that may not reset)."""
    if user is None or not may_reset(user):
        return None
    spend_links(user)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    db.session.add(
        PasswordReset(
            user=user,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        actor="password reset request",
        detail="password reset link emailed",
    )
    return token


def find_reset(token: str, *, lock: bool = False) -> PasswordReset | None:
    """The link's reset if it still works (unspent, unexpired, for an account that may
    reset); with ``lock``, locked until the transaction ends (two tabs: one wins)."""
    if not token or len(token) > 100:
        return None
    reset = db.session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    ).one_or_none()
    if reset is not None and lock:
        reset = lock_row(PasswordReset, reset.id)
    if reset is None or reset.spent_at is not None or reset.expires_at <= utcnow():
        return None
    return reset if may_reset(reset.user) else None


class LinkNoLongerWorks(Exception):
    """Spent or expired between showing the form and sending it."""


def reset_password(token: str, new_password: str) -> User:
    """Set the new password by the link ``token``: it applies the password rules, spends
    the link, clears a must-change flag and ends every session. It does not sign in."""
    reset = find_reset(token, lock=True)
    if reset is None:
        raise LinkNoLongerWorks
    user = reset.user
    check_password_rules(new_password, field="new_password", email=user.email)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.session_version += 1
    spend_links(user)
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        actor="password reset link",
        detail="password reset by emailed link",
    )
    return user
