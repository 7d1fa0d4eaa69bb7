"""Email goes out over real SMTP (a local aiosmtpd server), or to the log without a server."""

from __future__ import annotations

import logging
import socket

import pytest

from mhst.core.mail import MailError, deliver, send_email
from tests.mailbox import body_of


def test_a_message_reaches_the_smtp_server(app, mailbox):
    with app.app_context():
        assert send_email("lead@school.example", "Your account", "Hello\nSecond line")
    [message] = mailbox.messages
    assert message["To"] == "lead@school.example"
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Subject"] == "Your account"
    assert message["Message-ID"]
    assert body_of(message).splitlines() == ["Hello", "Second line"]


def test_without_a_server_the_message_is_logged_not_sent(app, smtp_server, caplog):
    smtp_server.clear()
    caplog.set_level(logging.INFO, logger="mhst.core.mail")
    with app.app_context():
        assert app.config["MAIL_SERVER"] is None
        assert send_email("lead@school.example", "Your account", "Body text")
    assert smtp_server.messages == []
    assert "Body text" in caplog.text


def test_an_unreachable_server_is_logged_and_reported(app, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    saved = dict(app.config)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, MAIL_USE_TLS=False)
    try:
        with app.app_context():
            assert send_email("someone@nhs.example", "Subject", "Body") is False
    finally:
        app.config.update(saved)
    assert "…@nhs.example" in caplog.text
    assert "someone@" not in caplog.text


def test_delivery_to_an_unreachable_server_raises_a_mail_error_naming_the_domain(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    saved = dict(app.config)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, MAIL_USE_TLS=False)
    try:
        with app.app_context(), pytest.raises(MailError) as error:
            deliver("someone@nhs.example", "Subject", "Body")
    finally:
        app.config.update(saved)
    assert str(error.value).startswith("Email to …@nhs.example could not be sent: ")
    assert "someone@" not in str(error.value)
    assert isinstance(error.value.__cause__, OSError)


def test_a_subject_is_one_line(app, mailbox):
    with app.app_context(), pytest.raises(ValueError, match="one line"):
        send_email("a@b.example", "Subject\nBcc: other@b.example", "Body")
    assert mailbox.messages == []
