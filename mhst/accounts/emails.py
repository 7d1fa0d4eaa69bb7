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
