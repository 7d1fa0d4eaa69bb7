"""Forgotten your password? Ask for a link by email, then choose a new password with it.

The request page answers the same, with the same status and in at least
``PASSWORD_RESET_RESPONSE_SECONDS``, whether or not the address has an account. Resetting
does not sign in: the user then signs in with the new password, and any further steps.
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from mhst.accounts import emails, resets
from mhst.accounts.forms import ForgottenPasswordForm, ResetPasswordForm
from mhst.accounts.operations import find_user_by_email, normalise_email
from mhst.core.forms import commit_operation, commit_unit, failed
from mhst.extensions import limiter
from mhst.security.permissions import public

bp = Blueprint("password_reset", __name__)


def _ip_limit() -> str:
    return current_app.config["PASSWORD_RESET_IP_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["PASSWORD_RESET_ADDRESS_RATE_LIMIT"]


def _submitted_address() -> str:
    return "reset-email:" + normalise_email(request.form.get("email", "")[:254])


@bp.route("/forgotten-password", methods=["GET", "POST"])
@public
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_address_limit, methods=["POST"], key_func=_submitted_address)
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        started = time.monotonic()
        address = normalise_email(form.email.data)
        token = commit_unit(lambda: resets.request_reset(find_user_by_email(address)))
        if token is not None:
            link = url_for(".reset_password", token=token, _external=True)
            emails.send_reset_link(address, link)
        _wait_until(started + current_app.config["PASSWORD_RESET_RESPONSE_SECONDS"])
        return render_template("accounts/reset_sent.html", email=address)
    status = 400 if form.errors else 200
    return render_template("accounts/forgotten_password.html", form=form), status


def _wait_until(deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    if resets.find_reset(token) is None:
        return render_template("accounts/reset_link_expired.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = commit_operation(form, resets.reset_password, token, form.new_password.data)
        except resets.LinkNoLongerWorks:  # used in another tab meanwhile
            return render_template("accounts/reset_link_expired.html"), 404
        if not failed(user):
            emails.send_password_changed(user.email)
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("accounts.sign_in"))
    status = 400 if form.errors else 200
    return render_template("accounts/reset_password.html", form=form, token=token), status
