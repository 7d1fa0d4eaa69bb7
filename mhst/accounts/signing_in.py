"""Where a session starts and ends: every sign-in, sign-out and time-out goes through here.

The sign-in page checks a password; further steps (a second factor, a password that must
be changed) may come between that and ``start_session``. Keeping the start and end of a
session in one place means one place decides what a session is and how it is revoked.

Each session is a row on the server (:mod:`mhst.accounts.sign_in_sessions`); the cookie
holds only its random token. The user loader refuses a session that has ended, whose
user's ``session_version`` has moved on, or that is older than
``SESSION_ABSOLUTE_LIFETIME``; before each request :func:`end_sessions_that_are_over`
ends one idle for ``IDLE_TIMEOUT`` and records the end of any the loader refused.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from mhst.accounts import sign_in_sessions
from mhst.accounts.models import User
from mhst.accounts.sign_in_sessions import SessionEnd
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.forms import commit_unit
from mhst.core.time import utcnow
from mhst.security.http import LAST_SEEN_KEY, mark_activity, uses_session
from mhst.security.permissions import STATIC_ENDPOINTS


def start_session(user: User) -> None:
    """Begin a fully signed-in session for ``user`` (a fresh one: no fixation). A session
    this browser already had ends (after a password change the new one replaces it)."""
    previous = g.get("sign_in_session")
    if previous is not None:
        sign_in_sessions.close(previous, SessionEnd.RENEWED)
    _row, token = commit_unit(sign_in_sessions.open_session, user)
    session.clear()
    user.sign_in_token = token
    login_user(user)
    mark_activity()


def end_session(reason: SessionEnd = SessionEnd.SIGNED_OUT) -> None:
    """End the current session (sign-out or time-out), on the server and in the cookie."""
    row = g.pop("sign_in_session", None)
    if row is not None:
        commit_unit(sign_in_sessions.close, row, reason)
    logout_user()
    session.clear()


def load_user_from_session(token: str) -> User | None:
    """Flask-Login's user loader: the user of a live session with this token, else None.

    A refused session is kept in ``g`` for :func:`end_sessions_that_are_over` to end."""
    found = sign_in_sessions.find(token)
    if found is None:
        return None
    user, row = found
    reason = sign_in_sessions.refusal(user, row)
    if reason is not None:
        g.refused_sign_in = (row, reason)
        return None
    user.sign_in_token = token
    g.sign_in_session = row
    return user


def end_sessions_that_are_over():
    """Before each request: sign out a session idle for ``IDLE_TIMEOUT``, and end on the
    server any session the loader refused (past its lifetime, or revoked)."""
    if request.endpoint in (*STATIC_ENDPOINTS, "home.healthz") or not uses_session():
        return None
    if current_user.is_authenticated:
        last_seen = session.get(LAST_SEEN_KEY)
        timeout = current_app.config["IDLE_TIMEOUT"]
        if last_seen is None or utcnow() - datetime.fromisoformat(last_seen) > timeout:
            commit_unit(
                audit.record,
                AuditAction.TIMED_OUT,
                AuditRecordType.USER,
                current_user.id,
                user=current_user,
            )
            end_session(SessionEnd.TIMED_OUT)
            minutes = int(timeout.total_seconds() // 60)
            return _back_to_sign_in(
                f"You were signed out because you were inactive for {minutes} minutes. "
                "Sign in again to carry on."
            )
    elif "refused_sign_in" in g:
        response = _end_refused_session(*g.refused_sign_in)
        if response is not None:
            return response
    mark_activity()
    return None


def _end_refused_session(row, reason: SessionEnd):
    """Record the end of a session the loader refused and forget its cookie."""
    session.clear()
    if row.ended_at is not None:
        return None  # ended before: a copied or kept cookie, already refused
    detail = "signed in for longer than the session lifetime"
    if reason is SessionEnd.EXPIRED:
        commit_unit(_close_and_audit, row, reason, detail)
        hours = int(current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds() // 3600)
        return _back_to_sign_in(
            f"You were signed out because you had been signed in for {hours} hours. "
            "Sign in again to carry on."
        )
    commit_unit(sign_in_sessions.close, row, reason)
    return None


def _close_and_audit(row, reason: SessionEnd, detail: str) -> None:
    sign_in_sessions.close(row, reason)
    audit.record(
        AuditAction.TIMED_OUT, AuditRecordType.USER, row.user_id, user=row.user, detail=detail
    )


def _back_to_sign_in(message: str):
    flash(message, "info")
    return redirect(url_for("accounts.sign_in", next=request.full_path))
