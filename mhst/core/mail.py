"""Sending email: one plain-text message at a time, over SMTP.

``MAIL_SERVER`` names the SMTP relay (NHSmail's, GOV.UK Notify's is not SMTP: see the
README). Without it, as in development, each message is written to the log instead, so
nothing is sent by accident from a laptop. Messages must carry no personal data in their
subject: mail servers and phones show subjects widely.

:func:`deliver` raises :class:`MailError` when the relay does not take a message, for a
caller that tries again later (the notifications' emails). :func:`send_email` logs it and
reports ``False`` instead: the action that sent it (a sign-in, a reset request) has
already happened and must not fail because mail did.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


class MailError(Exception):
    """The mail relay did not take a message: unreachable, refused or timed out. The
    message names the recipient's domain only."""


def deliver(to: str, subject: str, body: str) -> None:
    """Send one plain-text email (or log it, without MAIL_SERVER); raise
    :class:`MailError` if the relay does not take it."""
    config = current_app.config
    message = _message(Email(to=to, subject=subject, body=body), config)
    if not config.get("MAIL_SERVER"):
        logger.info("Email not sent (MAIL_SERVER is not set):\n%s", message)
        return
    try:
        with _connect(config) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(
            f"Email to {_redacted(to)} could not be sent: {type(error).__name__}: {error}"
        ) from error


def send_email(to: str, subject: str, body: str) -> bool:
    """Send one plain-text email; True when the relay accepted it (or it was logged)."""
    try:
        deliver(to, subject, body)
    except MailError:
        logger.exception("Email to %s could not be sent", _redacted(to))
        return False
    return True


def _message(email: Email, config) -> EmailMessage:
    if "\n" in email.subject or "\r" in email.subject:
        raise ValueError("An email subject is one line")
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content(email.body)
    return message


def _connect(config) -> smtplib.SMTP:
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


def _redacted(address: str) -> str:
    """Logs name the domain, not the person."""
    return "…@" + address.rpartition("@")[2]
