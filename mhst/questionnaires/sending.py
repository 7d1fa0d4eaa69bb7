"""Sending a questionnaire link by text or email through GOV.UK Notify, the reminders'
channel (:mod:`mhst.core.notify`).

The message says only that it is "a short questionnaire from your school's mental health
support team", the link and when it expires: never the child's name, the measure or
anything else of the case. The Notify templates (``NOTIFY_QUESTIONNAIRE_TEXT_TEMPLATE_ID``
and ``NOTIFY_QUESTIONNAIRE_EMAIL_TEMPLATE_ID``) are expected to be ``((subject))``
followed by ``((link))`` and ``((expires))``; an email template's subject is
``((subject))``.

Without a Notify key nothing is sent: the message is written to the log (the number or
address redacted) and, in development only (``DEV_OUTBOX``), kept on the link with its
address for the development outbox. The link is committed before Notify is called, so a
failure leaves a link the practitioner can withdraw, with the reason shown.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

from mhst.core import notify
from mhst.core.formatting import WEEKDAYS, format_date, uk_time
from mhst.questionnaires.models import LinkChannel, QuestionnaireLink

SUBJECT = "A short questionnaire from your school's mental health support team"


def link_url(token: str) -> str:
    """The link's full address: this request's host, or ``SERVICE_URL`` outside one."""
    if has_request_context():
        return url_for("questionnaires.answer", token=token, _external=True)
    return f"{current_app.config['SERVICE_URL'].rstrip('/')}/q/{token}"


def expiry_words(link: QuestionnaireLink) -> str:
    """ "Friday 18 December 2026" (the last day it works, in the UK)."""
    return f"{WEEKDAYS[uk_time(link.expires_at).weekday()]} {format_date(link.expires_at)}"


def personalisation(link: QuestionnaireLink, token: str) -> dict[str, str]:
    """The values the Notify template fills in: no child's name, no measure, no case."""
    return {"subject": SUBJECT, "link": link_url(token), "expires": expiry_words(link)}


def message_text(values: dict[str, str]) -> str:
    """The message as a person reads it: what the development outbox shows."""
    return (
        f"{values['subject']}. Answer it here: {values['link']} "
        f"(the link works once, until {values['expires']})."
    )


def _template(channel: LinkChannel) -> str | None:
    kind = "TEXT" if channel is LinkChannel.TEXT else "EMAIL"
    return current_app.config.get(f"NOTIFY_QUESTIONNAIRE_{kind}_TEMPLATE_ID")


def deliver(link: QuestionnaireLink, token: str, recipient: str) -> None:
    """Send the link's message to ``recipient`` and note what became of it on the link
    (the caller commits)."""
    values = personalisation(link, token)
    template = _template(link.channel)
    if template is None and notify.configured():
        link.send_error = f"No Notify {link.channel.label.lower()} template is set up"
        return
    reference = f"questionnaire-link-{link.id}"
    send = notify.send_text if link.channel is LinkChannel.TEXT else notify.send_notify_email
    try:
        sent = send(recipient, template or "none", values, reference)
    except notify.NotifyError as error:
        link.send_error = error.message
        return
    if sent.logged:
        if current_app.config.get("DEV_OUTBOX"):
            link.logged_text = message_text(values)[:1000]
        return
    link.notify_id = sent.notification_id
