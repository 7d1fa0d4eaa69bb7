"""Error pages in the NHS.UK style: each says what happened and what to do next."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from mhst.core.encryption import UnreadableSecret
from mhst.extensions import db

ERROR_PAGES = {
    400: ("There is a problem with your request", "errors/400.html"),
    403: ("You do not have permission to see this page", "errors/403.html"),
    404: ("Page not found", "errors/404.html"),
    405: ("Page not found", "errors/404.html"),
    413: ("What you sent is too large", "errors/413.html"),
    429: ("Too many attempts", "errors/429.html"),
    500: ("Sorry, there is a problem with the service", "errors/500.html"),
    503: ("Sorry, the service is unavailable", "errors/500.html"),
}


def _render(status: int, **context):
    title, template = ERROR_PAGES.get(status, ERROR_PAGES[500 if status >= 500 else 400])
    return render_template(template, title=title, status=status, **context), status


def _body_limits() -> dict[str, str]:
    config = current_app.config
    return {
        "form_limit": _megabytes(config["MAX_CONTENT_LENGTH"]),
        "upload_limit": _megabytes(config["MAX_UPLOAD_LENGTH"]),
    }


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _is_ours(error: HTTPException) -> bool:
    return error.description != type(error).description


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(
            400,
            message="The form you sent had expired or was not complete. "
            "Go back, refresh the page and try again.",
        )

    @app.errorhandler(UnreadableSecret)
    def unreadable_secret(error: UnreadableSecret):
        # Not the user's fault and nothing they can retry: an administrator resets their
        # two-step sign-in. Logged (which account, never the secret) for the operators.
        app.logger.error("authenticator secret unreadable: %s", error)
        db.session.rollback()
        title = "Your two-step sign-in needs to be reset"
        return render_template("errors/mfa_unreadable.html", title=title, status=400), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # Our own abort(400, description=...) messages are written for users; show them.
        message = error.description if error.code == 400 and _is_ours(error) else None
        if error.code == 413:
            return _render(413, **_body_limits())
        return _render(error.code, message=message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return _render(500)
