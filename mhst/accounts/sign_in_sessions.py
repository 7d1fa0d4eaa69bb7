"""Signed-in sessions kept on the server: made at sign-in, found on every request, ended
at sign-out, time-out or the end of their lifetime. These do not commit.

The cookie (signed by Flask, readable by whoever holds it) carries only a random token;
the table holds the token's SHA-256. So a copied cookie stops working the moment its
session ends here, and a copy of the database is no way in. Every app server shares the
database, so no other store (Redis) is needed for sessions to end everywhere at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import select

from mhst.accounts.models import SignInSession, User
from mhst.core.time import utcnow
from mhst.extensions import db


class SessionEnd(StrEnum):
    """Why a session ended (``sign_in_session.end_reason``)."""

    SIGNED_OUT = "signed_out"
    TIMED_OUT = "timed_out"  # no request for IDLE_TIMEOUT
    EXPIRED = "expired"  # SESSION_ABSOLUTE_LIFETIME after it started
    REVOKED = "revoked"  # its user's session_version moved on, or they were deactivated
    RENEWED = "renewed"  # replaced by a new session in the same browser


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User) -> tuple[SignInSession, str]:
    """A new session for ``user`` and the token the cookie will carry."""
    token = secrets.token_urlsafe(32)
    row = SignInSession(
        token_hash=hash_token(token),
        user_id=user.id,
        session_version=user.session_version,
        started_at=utcnow(),
    )
    db.session.add(row)
    return row, token


def find(token: str) -> tuple[User, SignInSession] | None:
    """The session with this token and its user, in one query (this runs on every
    request: the per-page query counts stay as they were with the user alone)."""
    if not token or len(token) > 100:
        return None
    found = db.session.execute(
        select(User, SignInSession)
        .join(SignInSession, SignInSession.user_id == User.id)
        .where(SignInSession.token_hash == hash_token(token))
    ).one_or_none()
    return None if found is None else (found[0], found[1])


def refusal(user: User, row: SignInSession, now: datetime | None = None) -> SessionEnd | None:
    """Why this session may no longer be used, or None while it may."""
    now = now or utcnow()
    if row.ended_at is not None:
        return SessionEnd(row.end_reason) if row.end_reason else SessionEnd.SIGNED_OUT
    if not user.active or user.session_version != row.session_version:
        return SessionEnd.REVOKED
    if now - row.started_at >= current_app.config["SESSION_ABSOLUTE_LIFETIME"]:
        return SessionEnd.EXPIRED
    return None


def close(row: SignInSession, reason: SessionEnd) -> None:
    """End the session (once: a session already ended keeps its first reason)."""
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason.value
