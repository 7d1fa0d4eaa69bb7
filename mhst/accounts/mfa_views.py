"""The second step of signing in (an authenticator code, or a recovery code), setting up
an authenticator app at the first sign-in, and a user's own two-step sign-in page.

After the password the user is *not* signed in: the session holds only a short-lived
marker (user id, session version, when), and every other page still sends them to sign
in. ``start_session`` is called only once the second step has passed.
"""

from __future__ import annotations

import time
from functools import wraps

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user

from mhst.accounts import lockout, mfa
from mhst.accounts.forms import AuthenticatorCodeForm, RecoveryCodeForm
from mhst.accounts.models import User
from mhst.accounts.signing_in import start_session
from mhst.core.forms import apply_rule_error, commit_operation, commit_unit, failed
from mhst.core.rules import RuleError
from mhst.extensions import db, limiter
from mhst.security.permissions import Permission, public, requires

bp = Blueprint("mfa", __name__)

PENDING = "mfa_pending"
WRONG_RECOVERY_CODE = "Enter a recovery code you have not used before"


def _limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _pending_key() -> str:
    marker = session.get(PENDING)
    return f"mfa-user:{marker.get('user_id') if isinstance(marker, dict) else None}"


def begin_second_step(user: User, next_path: str):
    """The password was right: remember who is half-way through signing in, and send them
    to the second step (or to set up an app, the first time)."""
    session[PENDING] = {
        "user_id": user.id,
        "version": user.session_version,
        "at": int(time.time()),
        "next": next_path,
    }
    return redirect(url_for("mfa.set_up" if mfa.needs_set_up(user) else "mfa.code"))


def _pending_user() -> User | None:
    """The user half-way through signing in, if the marker is recent and still theirs."""
    marker = session.get(PENDING)
    if not isinstance(marker, dict):
        return None
    age = time.time() - marker.get("at", 0)
    user = db.session.get(User, marker.get("user_id"))
    if (
        not 0 <= age <= current_app.config["MFA_PENDING_SECONDS"]
        or user is None
        or not user.active
        or user.session_version != marker.get("version")
    ):
        session.pop(PENDING, None)
        return None
    return user


def second_step(view):
    """Only for someone half-way through signing in (else back to the sign-in page)."""

    @wraps(view)
    def wrapped(**kwargs):
        if current_user.is_authenticated:
            return redirect(url_for("home.index"))
        user = _pending_user()
        if user is None:
            flash("Your sign-in timed out or had not started. Sign in again.", "info")
            return redirect(url_for("accounts.sign_in"))
        return view(user, **kwargs)

    return wrapped


def _signed_in(user: User) -> str:
    """Start the session; return where the user was going."""
    next_path = session[PENDING]["next"]
    start_session(user)
    return next_path


def _refused(form, message: str) -> None:
    form.code.data = ""
    apply_rule_error(form, RuleError("code", message))


def _status(form) -> int:
    return 400 if form.errors else 200


@bp.route("/sign-in/set-up-authenticator", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
@limiter.limit(_limit, methods=["POST"], key_func=_pending_key)
@second_step
def set_up(user: User):
    if not mfa.needs_set_up(user):
        return redirect(url_for(".code"))
    secret = commit_unit(mfa.prepare_set_up, user)
    form = AuthenticatorCodeForm()
    if form.validate_on_submit():
        codes = commit_unit(mfa.confirm_set_up, user, form.code.data)
        lockout.send_lock_notices()
        if codes is not None:
            next_path = _signed_in(user)
            return render_template(
                "accounts/mfa_recovery_codes.html", codes=codes, next_path=next_path, first=True
            )
        _refused(form, mfa.WRONG_CODE_MESSAGE)
    return render_template(
        "accounts/mfa_set_up.html",
        form=form,
        qr_code=mfa.qr_code_svg(mfa.provisioning_uri(user)),
        secret=mfa.grouped(secret),
    ), _status(form)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
@limiter.limit(_limit, methods=["POST"], key_func=_pending_key)
@second_step
def code(user: User):
    if mfa.needs_set_up(user):
        return redirect(url_for(".set_up"))
    form = AuthenticatorCodeForm()
    if form.validate_on_submit():
        signed_in = commit_unit(mfa.sign_in_with_code, user, form.code.data)
        lockout.send_lock_notices()
        if signed_in:
            return redirect(_signed_in(user))
        _refused(form, mfa.WRONG_CODE_MESSAGE)
    return render_template("accounts/mfa_code.html", form=form), _status(form)


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
@limiter.limit(_limit, methods=["POST"], key_func=_pending_key)
@second_step
def recovery_code(user: User):
    if mfa.needs_set_up(user):
        return redirect(url_for(".set_up"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        signed_in = commit_unit(mfa.sign_in_with_recovery_code, user, form.code.data)
        lockout.send_lock_notices()
        if signed_in:
            left = mfa.recovery_codes_left(user)
            next_path = _signed_in(user)
            flash(
                f"You signed in with a recovery code, which will not work again. You have "
                f"{left} left: make a new set from your two-step sign-in page.",
                "info",
            )
            return redirect(next_path)
        _refused(form, WRONG_RECOVERY_CODE)
    return render_template("accounts/mfa_recovery_code.html", form=form), _status(form)


@bp.route("/account/two-step-sign-in", methods=["GET", "POST"])
@requires(Permission.SIGNED_IN)
@limiter.limit(_limit, methods=["POST"])
def account():
    user = current_user._get_current_object()
    form = AuthenticatorCodeForm()
    if form.validate_on_submit():
        codes = commit_operation(form, mfa.replace_recovery_codes, user, form.code.data)
        if not failed(codes):
            return render_template(
                "accounts/mfa_recovery_codes.html",
                codes=codes,
                next_path=url_for(".account"),
                first=False,
            )
        form.code.data = ""
    return render_template(
        "accounts/mfa_account.html", form=form, left=mfa.recovery_codes_left(user)
    ), _status(form)
