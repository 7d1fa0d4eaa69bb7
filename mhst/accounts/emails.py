"""The account emails' words. Subjects carry no personal data; bodies name no child."""

from __future__ import annotations

from flask import current_app

from mhst.core.mail import send_email


def send_reset_link(to: str, link: str) -> bool:
    service = current_app.config["SERVICE_NAME"]
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    return send_email(
        to,
        f"Reset your {service} password",
        f"Someone (we hope you) asked to reset the password for your {service} account.\n\n"
        f"To choose a new password, open this link within {minutes} minutes:\n\n{link}\n\n"
        "The link works once. If you did not ask, ignore this email: your password has not "
        "changed. If you keep getting these emails, tell your service administrator.\n",
    )


def send_password_changed(to: str) -> bool:
    service = current_app.config["SERVICE_NAME"]
    return send_email(
        to,
        f"Your {service} password was changed",
        f"The password for your {service} account has just been changed, and any sessions "
        "that were open have been signed out.\n\n"
        "If you did not change it, contact your service administrator straight away.\n",
    )


LOCK_NOTICE_SUBJECT = "Your MHST Case Manager account has been locked"


def send_account_locked(to: str, *, minutes: int, failures: int, sign_in_url: str) -> bool:
    return send_email(
        to,
        LOCK_NOTICE_SUBJECT,
        "Your MHST Case Manager account was locked because a wrong password or code was "
        f"entered {failures} times.\n\n"
        f"You can try again in {minutes} minutes, or ask an administrator to unlock "
        "it sooner.\n\n"
        "If this was not you, someone may be trying to sign in as you: tell your "
        f"administrator, and change your password when you next sign in.\n\n{sign_in_url}\n",
    )
