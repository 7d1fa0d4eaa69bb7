"""A notification's email the relay does not take is tried again: a real SMTP server
(tests/mailbox.py) stopped, then started again. The waits double from
NOTIFICATION_EMAIL_RETRY_MINUTES, the email is given up after NOTIFICATION_EMAIL_ATTEMPTS
tries, and an email claimed by one run is not claimed by another until the claim runs out
(two workers at once on PostgreSQL: tests/concurrency/test_notification_emails.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from mhst.accounts.models import Role
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.notifications import emails
from mhst.notifications.models import EmailState, Notification
from mhst.notifications.models import NotificationKind as K
from mhst.notifications.operations import notify
from tests.mailbox import Mailbox


@pytest.fixture
def relay(app) -> Iterator[Mailbox]:
    """A mail relay of this test's own (so stopping it stops nobody else's), running."""
    server = Mailbox().start()
    saved = {key: app.config[key] for key in server.settings()}
    app.config.update(server.settings())
    yield server
    server.stop()
    app.config.update(saved)


@pytest.fixture
def risk(world) -> Notification:
    """A notification emailed by default (a risk raised on the EMHP's case), committed."""
    [notification] = notify(
        [world.users[Role.EMHP]],
        K.CASE_RISK_RAISED,
        "A risk was raised on your case R000001",
        endpoint="referrals.show",
        record_id=world.case_a1.id,
    )
    db.session.commit()
    assert notification.email_state is EmailState.PENDING
    return notification


def reloaded(notification: Notification) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, notification.id)


def test_an_email_the_relay_refused_is_sent_when_it_is_back(relay, risk):
    relay.stop()
    start = utcnow()
    assert emails.send_notification_emails(now=start) == 0
    tried = reloaded(risk)
    assert (tried.email_state, tried.email_attempts) == (EmailState.PENDING, 1)
    assert tried.email_next_attempt_at == start + timedelta(minutes=2)
    # Not due a minute later: not tried (nor counted).
    assert emails.send_notification_emails(now=start + timedelta(minutes=1)) == 0
    assert reloaded(risk).email_attempts == 1
    relay.start()
    assert emails.send_notification_emails(now=start + timedelta(minutes=2)) == 1
    [message] = relay.messages
    assert message["Subject"] == emails.SUBJECT
    sent = reloaded(risk)
    assert (sent.email_state, sent.email_attempts) == (EmailState.SENT, 2)
    assert sent.email_next_attempt_at is None
    assert sent.emailed_at is not None
    assert emails.send_notification_emails(now=start + timedelta(days=1)) == 0
    assert len(relay.messages) == 1  # once


def _waits_until_given_up(risk: Notification, start) -> list[int]:
    """Run the task each time the email is due; the waits between tries, in minutes."""
    waits, moment = [], start
    while reloaded(risk).email_state is EmailState.PENDING:
        assert emails.send_notification_emails(now=moment) == 0
        after = reloaded(risk).email_next_attempt_at
        if after is not None:
            waits.append(round((after - moment).total_seconds() / 60))
            moment = after
        assert len(waits) < 20
    return waits


def test_the_waits_double_and_the_email_is_given_up_after_the_last_try(relay, risk):
    relay.stop()
    start = utcnow()
    assert _waits_until_given_up(risk, start) == [2, 4, 8, 16]
    failed = reloaded(risk)
    assert (failed.email_state, failed.email_attempts) == (EmailState.FAILED, 5)
    assert failed.email_next_attempt_at is None
    relay.start()  # back again: a failed email is not tried any more
    assert emails.send_notification_emails(now=start + timedelta(days=1)) == 0
    assert relay.messages == []


def test_the_settings_set_the_first_wait_and_the_tries(app, relay, risk):
    saved = (
        app.config["NOTIFICATION_EMAIL_RETRY_MINUTES"],
        app.config["NOTIFICATION_EMAIL_ATTEMPTS"],
    )
    app.config.update(NOTIFICATION_EMAIL_RETRY_MINUTES=3, NOTIFICATION_EMAIL_ATTEMPTS=3)
    try:
        relay.stop()
        assert _waits_until_given_up(risk, utcnow()) == [3, 6]
    finally:
        app.config["NOTIFICATION_EMAIL_RETRY_MINUTES"] = saved[0]
        app.config["NOTIFICATION_EMAIL_ATTEMPTS"] = saved[1]
    assert reloaded(risk).email_attempts == 3


def test_the_settings_default_to_two_minutes_and_five_tries(app):
    assert app.config["NOTIFICATION_EMAIL_RETRY_MINUTES"] == 2
    assert app.config["NOTIFICATION_EMAIL_ATTEMPTS"] == 5


def test_an_email_claimed_is_not_claimed_again_until_the_claim_runs_out(world, risk):
    [other] = notify(
        [world.users[Role.SENIOR_CLINICIAN]],
        K.RISK_REVIEW_OVERDUE,
        "Overdue",
        endpoint="referrals.show",
        record_id=world.referral_a1.id,
    )
    db.session.commit()
    now = utcnow()
    first = emails.claim_next(now)
    second = emails.claim_next(now)
    assert {first, second} == {risk.id, other.id}
    assert emails.claim_next(now) is None  # both claimed: a second worker gets nothing
    # A worker that claimed it and stopped: tried again once the claim runs out.
    later = now + timedelta(minutes=emails.CLAIM_MINUTES)
    assert emails.claim_next(later) == min(risk.id, other.id)
    oldest = risk if risk.id < other.id else other
    assert reloaded(oldest).email_attempts == 2


def test_an_email_claimed_on_its_last_try_by_a_worker_that_stopped_is_failed(app, relay, risk):
    """Its worker claimed the last allowed try and stopped before sending: once the claim
    runs out it is failed (it can no longer be claimed), not left pending for ever."""
    attempts = app.config["NOTIFICATION_EMAIL_ATTEMPTS"]
    now = utcnow()
    db.session.get(Notification, risk.id).email_attempts = attempts - 1
    db.session.commit()
    assert emails.claim_next(now) == risk.id  # the last try, then the worker stops
    db.session.commit()
    assert emails.send_notification_emails(now=now) == 0  # still claimed: left alone
    assert reloaded(risk).email_state is EmailState.PENDING
    later = now + timedelta(minutes=emails.CLAIM_MINUTES)
    assert emails.send_notification_emails(now=later) == 0
    failed = reloaded(risk)
    assert (failed.email_state, failed.email_attempts) == (EmailState.FAILED, attempts)
    assert failed.email_next_attempt_at is None
    assert relay.messages == []


def test_an_inactive_users_email_is_given_up_at_once(world, relay, risk):
    world.users[Role.EMHP].active = False
    db.session.commit()
    assert emails.send_notification_emails() == 0
    assert reloaded(risk).email_state is EmailState.FAILED
    assert relay.messages == []
