"""Accounts unused for ``ACCOUNT_DORMANT_DAYS`` are dormant: sign-in refuses them at once,
and ``flask accounts disable-dormant`` (scheduled daily) deactivates them. Unused time
counts from the last sign-in, else from the account's creation, and starts again when an
administrator reactivates (or approves) the account."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from mhst.accounts.models import User
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.time import utcnow
from mhst.extensions import db


def dormant_before(now: datetime | None = None) -> datetime | None:
    """Accounts last used before this are dormant (None: the rule is switched off)."""
    days = current_app.config["ACCOUNT_DORMANT_DAYS"]
    if not days:
        return None
    return (now or utcnow()) - timedelta(days=days)


def is_dormant(user: User, now: datetime | None = None) -> bool:
    cutoff = dormant_before(now)
    if cutoff is None:
        return False
    last_used = user.last_signed_in_at or user.created_at
    if user.reactivated_at is not None and user.reactivated_at > last_used:
        last_used = user.reactivated_at
    return last_used < cutoff


def disable_dormant(now: datetime | None = None) -> list[User]:
    """Deactivate every active dormant account, each with an audit event; the caller
    commits."""
    cutoff = dormant_before(now)
    if cutoff is None:
        return []
    users = db.session.scalars(
        select(User)
        .where(
            User.active.is_(True),
            func.coalesce(User.last_signed_in_at, User.created_at) < cutoff,
            or_(User.reactivated_at.is_(None), User.reactivated_at < cutoff),
        )
        .order_by(User.id)
    ).all()
    days = current_app.config["ACCOUNT_DORMANT_DAYS"]
    for user in users:
        user.active = False
        user.session_version += 1
        audit.record(
            AuditAction.UPDATE,
            AuditRecordType.USER,
            user.id,
            actor="command line",
            detail=f"deactivated: dormant (not used for {days} days)",
        )
    return users
