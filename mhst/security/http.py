"""Security headers, the request body limit and the audit of refused pages, applied to
every request and response. (The idle time-out is in ``mhst.accounts.signing_in``, which
ends the session on the server too.)"""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask, abort, current_app, request, session
from flask_login import current_user

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.forms import commit_unit
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.security.permissions import STATIC_ENDPOINTS

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        # No font from another host: nhsuk-frontend's CSS is served without its Frutiger
        # @font-face rules (mhst.core.frontend_css), so pages use Arial.
        "font-src 'self'",
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


def mark_activity() -> None:
    """Record that the session was used now (also called straight after signing in)."""
    session.permanent = True
    session[LAST_SEEN_KEY] = utcnow().isoformat()


def without_session(view):
    """Mark a view read by machines without a session (a calendar feed, whose address is
    its key): no session is started or renewed for it, so it sets no cookie."""
    view.without_session = True
    return view


def uses_session() -> bool:
    """Whether the request's view keeps the session (see :func:`without_session`)."""
    view = current_app.view_functions.get(request.endpoint)
    return not getattr(view, "without_session", False)


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


def allows_large_body(view):
    """Mark a view that takes an upload (a CSV import) as allowed a request body of up to
    ``MAX_UPLOAD_LENGTH``; every other request may send ``MAX_CONTENT_LENGTH``."""
    view.allows_large_body = True
    return view


def apply_body_limit():
    """Raise the body limit for the views that take uploads. Runs before CSRF protection,
    the first thing to read a form, so the limit is in place before the body is read."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "allows_large_body", False):
        request.max_content_length = current_app.config["MAX_UPLOAD_LENGTH"]
    return None


REFUSALS = (403, 404)


def audit_refusals(response):
    """Every page refused to a signed-in user (another tenant's record, a permission they
    lack, an address that is not there) is in the audit log: method, path and status.
    Never the query string, which may hold what someone searched for."""
    if response.status_code not in REFUSALS or not current_user.is_authenticated:
        return response
    user = current_user._get_current_object()
    user_id, email = user.id, user.email
    db.session.rollback()  # nothing the refused request half-did is committed with it
    commit_unit(
        audit.record,
        AuditAction.ACCESS_REFUSED,
        AuditRecordType.PAGE,
        # Read before the rollback, which expires the user: no query to load them again.
        user=SimpleNamespace(id=user_id, email=email),
        detail=f"{request.method} {request.path[:400]} {response.status_code}",
    )
    return response


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(set_security_headers)
    app.after_request(audit_refusals)
