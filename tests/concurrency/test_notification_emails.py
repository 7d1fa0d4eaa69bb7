"""Two workers sending notifications' emails at the same moment (PostgreSQL): each email
is claimed by one of them only, so each reaches the relay (a real SMTP server) once."""

from __future__ import annotations

import re

from sqlalchemy import select

from mhst.accounts.models import Role, User
from mhst.extensions import db
from mhst.notifications import emails
from mhst.notifications.models import EmailState, Notification
from mhst.notifications.models import NotificationKind as K
from mhst.notifications.operations import notify
from tests.concurrency.client import simultaneously
from tests.mailbox import Mailbox, body_of

COUNT = 40


def _pending_risks() -> list[int]:
    emhp = db.session.scalars(select(User).where(User.role == Role.EMHP)).first()
    added = [
        notify([emhp], K.CASE_RISK_RAISED, f"Risk {n}", endpoint="referrals.show", record_id=1)[0]
        for n in range(COUNT)
    ]
    db.session.commit()
    return [notification.id for notification in added]


def _states(ids: list[int]) -> list[EmailState]:
    return list(
        db.session.scalars(select(Notification.email_state).where(Notification.id.in_(ids)))
    )


def test_two_workers_at_once_send_each_email_once(live):
    relay = Mailbox().start()
    saved = {key: live.app.config[key] for key in relay.settings()}
    live.app.config.update(relay.settings())
    try:
        ours = live.run(_pending_risks)
        sent = simultaneously(
            lambda: live.run(emails.send_notification_emails),
            lambda: live.run(emails.send_notification_emails),
        )
    finally:
        live.app.config.update(saved)
        relay.stop()
    linked = [
        int(match)
        for message in relay.messages
        for match in re.findall(r"/notifications/follow\?id=(\d+)", body_of(message))
    ]
    assert sum(sent) == len(relay.messages) == len(linked)
    assert len(linked) == len(set(linked))  # none twice
    assert set(ours) <= set(linked)
    assert live.run(_states, ours) == [EmailState.SENT] * COUNT
