"""Security headers and the idle-session timeout, applied to every response/request."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.forms import commit_unit
from mhst.core.time import utcnow
from mhst.security.permissions import STATIC_ENDPOINTS

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        # nhsuk-frontend's CSS loads the licensed Frutiger font from the NHS asset host.
        "font-src 'self' https://assets.nhs.uk",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

LAST_SEEN_KEY = "last_seen"


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint not in STATIC_ENDPOINTS:
        # Pages may hold children's health data: never keep them in any cache.
        headers["Cache-Control"] = "no-store"
    return response


def sign_out_when_idle():
    """Sign the user out after ``IDLE_TIMEOUT`` without a request."""
    if request.endpoint in (*STATIC_ENDPOINTS, "home.healthz"):
        return None
    now = utcnow()
    if current_user.is_authenticated:
        last_seen = session.get(LAST_SEEN_KEY)
        timeout = current_app.config["IDLE_TIMEOUT"]
        if last_seen is None or now - datetime.fromisoformat(last_seen) > timeout:
            commit_unit(
                audit.record,
                AuditAction.TIMED_OUT,
                AuditRecordType.USER,
                current_user.id,
                user=current_user,
            )
            logout_user()
            session.clear()
            minutes = int(timeout.total_seconds() // 60)
            flash(
                f"You were signed out because you were inactive for {minutes} minutes. "
                "Sign in again to carry on.",
                "info",
            )
            return redirect(url_for("accounts.sign_in", next=request.full_path))
    mark_activity()
    return None


def mark_activity() -> None:
    """Record that the session was used now (also called straight after signing in)."""
    session.permanent = True
    session[LAST_SEEN_KEY] = utcnow().isoformat()


def refuse_nul_characters():
    """No one types a NUL character; PostgreSQL cannot store one. Refuse it up front."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, description=NUL_MESSAGE)
    return None


NUL_MESSAGE = (
    "What you sent contained a hidden character (a NUL byte) that this service cannot accept. "
    "Go back, retype the answer and try again."
)


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.before_request(sign_out_when_idle)
    app.after_request(set_security_headers)
