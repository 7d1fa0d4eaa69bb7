"""Sign in, sign out and change your own password."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from mhst.accounts import lockout, operations
from mhst.accounts.emails import send_password_changed
from mhst.accounts.forms import ChangePasswordForm, SignInForm
from mhst.accounts.mfa_views import begin_second_step
from mhst.accounts.password_checks import check_current_password
from mhst.accounts.signing_in import end_session, start_session
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.forms import apply_rule_error, commit_operation, commit_unit, failed
from mhst.core.rules import RuleError
from mhst.extensions import limiter
from mhst.security.permissions import Permission, public, requires

bp = Blueprint("accounts", __name__)

SIGN_IN_FAILED = "Enter a correct email address and password"


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _submitted_email() -> str:
    """The limit's key for the address typed: hashed, so the limiter's store (Redis)
    never holds what someone typed."""
    typed = request.form.get("email", "")[:254].strip().lower()
    return "sign-in-email:" + hashlib.sha256(typed.encode()).hexdigest()


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site, never to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("home.index")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
@limiter.limit(_sign_in_limit, methods=["POST"], key_func=_submitted_email)
@lockout.count_failures_per_ip
@lockout.count_failures_everywhere
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        second_step = current_app.config["MFA_REQUIRED"]
        user = commit_unit(
            operations.authenticate, form.email.data, form.password.data, second_step=second_step
        )
        lockout.send_lock_notices()
        if user is not None:
            if second_step:  # not signed in yet: the code, or setting up an app, comes next
                return begin_second_step(user, _safe_next(request.args.get("next")))
            start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        failed = True
        form.password.data = ""
    status = 200
    if failed:
        status = 401
    elif form.errors:
        status = 400
    return render_template(
        "accounts/sign_in.html", form=form, failed=failed, failed_message=SIGN_IN_FAILED
    ), status


@bp.post("/sign-out")
@requires(Permission.SIGNED_IN)
def sign_out():
    commit_unit(audit.record, AuditAction.SIGN_OUT, AuditRecordType.USER, current_user.id)
    end_session()
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.sign_in"))


def _password_change_limit() -> str:
    return current_app.config["PASSWORD_CHANGE_RATE_LIMIT"]


def _signed_in_user_key() -> str:
    # Limiter runs before the permission guard: a signed-out POST has no id (and is sent on).
    return f"password-change:{getattr(current_user, 'id', 'signed-out')}"


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Permission.SIGNED_IN)
@limiter.limit(_password_change_limit, methods=["POST"], key_func=_signed_in_user_key)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        problem = commit_unit(check_current_password, user, form.current_password.data)
        if problem:
            apply_rule_error(form, RuleError("current_password", problem))
        elif not failed(
            commit_operation(
                form, operations.set_own_password, user, new_password=form.new_password.data
            )
        ):
            # The session version changed: this browser gets a new session; every other ends.
            start_session(user)
            send_password_changed(user.email)
            flash(
                "Your password has been changed. Any other sessions have been signed out.",
                "success",
            )
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form), 400 if form.errors else 200
