"""Sending text messages and emails through GOV.UK Notify, with its official client
(``notifications-python-client``): one place for every feature that tells a family or a
user something (reminders now; letters and notifications may use it too).

``NOTIFY_API_KEY`` switches sending on; ``NOTIFY_BASE_URL`` is Notify's API (the tests
point it at a local server that speaks the same API). Without a key nothing is sent: the
message is written to the log, the number or address redacted, and reported as
``logged`` so the caller can keep it for the development outbox.

The personalisation is the caller's: it must never carry a child's name. A failure is
raised as :class:`NotifyError` with a message safe to show staff (Notify's own words
about the request, never the response body as a whole).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from notifications_python_client.errors import APIError, TokenError
from notifications_python_client.notifications import NotificationsAPIClient

log = logging.getLogger(__name__)

# Notify's final states of a notification, and what each means for the people it was
# meant for (https://docs.notifications.service.gov.uk/python.html#status-text-and-email).
DELIVERED = "delivered"
FAILURES = {
    "permanent-failure": "The number or address does not exist or cannot receive messages",
    "temporary-failure": "The phone or inbox was not reachable (off, full or out of signal)",
    "technical-failure": "Notify had a technical problem and did not send it",
}
ERROR_MAX = 500


class NotifyError(Exception):
    """A message Notify refused or could not be reached for; ``message`` is for staff."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message[:ERROR_MAX]


@dataclass(frozen=True)
class Sent:
    """What became of one message: Notify's id, or ``None`` when it was only logged."""

    notification_id: str | None

    @property
    def logged(self) -> bool:
        return self.notification_id is None


def configured() -> bool:
    """Whether messages are sent (a Notify API key is set)."""
    return bool(current_app.config.get("NOTIFY_API_KEY"))


def _client() -> NotificationsAPIClient:
    config = current_app.config
    return NotificationsAPIClient(
        config["NOTIFY_API_KEY"],
        base_url=config["NOTIFY_BASE_URL"],
        timeout=config.get("NOTIFY_TIMEOUT_SECONDS", 10),
    )


def redacted_number(number: str) -> str:
    """A mobile number as the log may show it: its last three digits."""
    digits = "".join(c for c in number if c.isdigit())
    return "…" + digits[-3:] if len(digits) > 3 else "…"


def redacted_address(address: str) -> str:
    """An email address as the log may show it: its domain."""
    return "…@" + address.rpartition("@")[2]


def _error(error: Exception) -> NotifyError:
    if isinstance(error, APIError) and error.response is None:  # no answer at all
        return NotifyError("Notify could not be reached")
    if isinstance(error, APIError):
        message = error.message
        if isinstance(message, list):  # Notify's errors: [{"error": ..., "message": ...}]
            message = "; ".join(str(item.get("message", item)) for item in message)
        return NotifyError(f"Notify refused it ({error.status_code}): {message}")
    if isinstance(error, TokenError):
        return NotifyError("The Notify API key is not valid")
    return NotifyError("Notify could not be reached")


def _call(method, *args, **kwargs) -> dict:
    try:
        return method(*args, **kwargs)
    except (APIError, TokenError, OSError, ValueError) as error:
        log.warning("Notify request failed: %s", type(error).__name__)
        raise _error(error) from error


def send_text(number: str, template_id: str, personalisation: dict, reference: str) -> Sent:
    """Send a text message to ``number`` (or log it when no key is set)."""
    recipient = {"phone_number": number}
    return _send(
        "Text message",
        "send_sms_notification",
        recipient,
        redacted_number(number),
        template_id,
        personalisation,
        reference,
    )


def send_notify_email(
    address: str, template_id: str, personalisation: dict, reference: str
) -> Sent:
    """Send an email to ``address`` through Notify (or log it when no key is set)."""
    recipient = {"email_address": address}
    return _send(
        "Email",
        "send_email_notification",
        recipient,
        redacted_address(address),
        template_id,
        personalisation,
        reference,
    )


def _send(
    what: str,
    method: str,
    recipient: dict,
    shown_as: str,
    template_id: str,
    personalisation: dict,
    reference: str,
) -> Sent:
    """One message through the client's ``method``; without a key, a log line naming the
    recipient only as ``shown_as`` (redacted)."""
    if not configured():
        log.info(
            "%s not sent (NOTIFY_API_KEY is not set): to %s, template %s, reference %s, "
            "personalisation %s",
            what,
            shown_as,
            template_id,
            reference,
            personalisation,
        )
        return Sent(None)
    response = _call(
        getattr(_client(), method),
        **recipient,
        template_id=template_id,
        personalisation=personalisation,
        reference=reference,
    )
    return Sent(str(response["id"]))


def notification_status(notification_id: str) -> str:
    """Notify's status of a notification it accepted ("sending", "delivered", ...)."""
    return str(_call(_client().get_notification_by_id, notification_id)["status"])
