"""The current-password check on the change password page: each wrong answer is in the
audit log, and after ``PASSWORD_CHECK_MAX_FAILURES`` of them within
``PASSWORD_CHECK_WINDOW_MINUTES`` the page refuses to check again until the window has
passed, so a session left open cannot be used to guess the password. (The page is also
rate-limited per user by Flask-Limiter.)"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from mhst.accounts.models import User
from mhst.accounts.passwords import verify_password
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.time import utcnow
from mhst.extensions import db

WRONG = "current password wrong on the change password page"
REFUSED = "current password not checked: too many wrong answers"
WRONG_MESSAGE = "Your current password is not right"


def too_many_message() -> str:
    minutes = current_app.config["PASSWORD_CHECK_WINDOW_MINUTES"]
    return (
        "You have entered your current password wrongly too many times. "
        f"Try again in {minutes} minutes"
    )


def recent_failures(user: User) -> int:
    since = utcnow() - timedelta(minutes=current_app.config["PASSWORD_CHECK_WINDOW_MINUTES"])
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.user_id == user.id,
            AuditEvent.action == AuditAction.SIGN_IN_FAILED,
            AuditEvent.detail == WRONG,
            AuditEvent.occurred_at >= since,
        )
    )


def check_current_password(user: User, password: str) -> str | None:
    """None when ``password`` is the user's; else the message to show. A wrong answer,
    or a refusal to check, is audited: commit it whatever the outcome."""
    if recent_failures(user) >= current_app.config["PASSWORD_CHECK_MAX_FAILURES"]:
        audit.record(
            AuditAction.SIGN_IN_FAILED, AuditRecordType.USER, user.id, user=user, detail=REFUSED
        )
        return too_many_message()
    if verify_password(user.password_hash, password):
        return None
    audit.record(AuditAction.SIGN_IN_FAILED, AuditRecordType.USER, user.id, user=user, detail=WRONG)
    return WRONG_MESSAGE
