"""Where a session starts and ends: every sign-in, sign-out and time-out goes through here.

The sign-in page checks a password; further steps (a second factor, a password that must
be changed) may come between that and ``start_session``. Keeping the start and end of a
session in one place means one place decides what a session is and how it is revoked.
"""

from __future__ import annotations

from flask import session
from flask_login import login_user, logout_user

from mhst.accounts.models import User
from mhst.security.http import mark_activity


def start_session(user: User) -> None:
    """Begin a fully signed-in session for ``user`` (a fresh one: no fixation)."""
    session.clear()
    login_user(user)
    mark_activity()


def end_session() -> None:
    """End the current session (sign-out or time-out)."""
    logout_user()
    session.clear()
