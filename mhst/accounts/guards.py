"""A user with a temporary password (set by an administrator) must choose their own before
anything else: every page but the change password page, sign-out and static files sends
them there. Runs on every request, after the idle time-out."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_login import current_user

from mhst.security.permissions import STATIC_ENDPOINTS

ALLOWED_ENDPOINTS = frozenset(
    {"accounts.change_password", "accounts.sign_out", "home.healthz", *STATIC_ENDPOINTS}
)


def require_password_change():
    if request.endpoint in ALLOWED_ENDPOINTS or not current_user.is_authenticated:
        return None
    if current_user.must_change_password:
        return redirect(url_for("accounts.change_password"))
    return None


def init_app(app: Flask) -> None:
    app.before_request(require_password_change)
