"""The notifications' scheduled tasks (run by the job worker's beat): the emails users
chose, the overdue same-day risk reviews, and deleting old notifications.

An email says only that there is a notification, of what kind, with a link to it: the
subject is always :data:`SUBJECT`, and neither names a child (nor the record: the link
opens it once the user has signed in, scope-checked like any other page).

An email the relay does not take (:class:`~mhst.core.mail.MailError`) is tried again
after NOTIFICATION_EMAIL_RETRY_MINUTES, the wait doubling each time, up to
NOTIFICATION_EMAIL_ATTEMPTS tries; then it is marked failed. Each email is *claimed*
before it is sent: one conditional ``UPDATE`` (still pending and due) counts the try and
moves its next try :data:`CLAIM_MINUTES` ahead, and is committed before the relay is
called, so another worker's claim of the same row updates nothing (on PostgreSQL it
skips the row while it is locked). A worker that stops between its claim and the
outcome leaves the email to be tried again when the claim runs out: it may then arrive
twice, never not at all. One claimed on its last allowed try by a worker that stopped
is marked failed once its claim runs out (:func:`fail_abandoned`), not left pending.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from celery.schedules import crontab
from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select, update

from mhst.accounts.models import User
from mhst.core.forms import commit_unit
from mhst.core.mail import MailError, deliver
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.jobs.schedule import scheduled
from mhst.notifications.models import EmailState, Notification, NotificationKind
from mhst.notifications.operations import notify
from mhst.notifications.receivers import in_scope, senior_clinicians_of
from mhst.referrals.models import Referral
from mhst.referrals.risk_reviews import awaiting_review_clause

log = logging.getLogger(__name__)

SUBJECT = "You have a new notification from MHST Case Manager"
BATCH = 100
# A claimed email not sent and recorded by then (its worker stopped) is tried again.
CLAIM_MINUTES = 15


def link_to(notification: Notification) -> str:
    """The notification's address in the service (SERVICE_URL), outside any request."""
    base = urlsplit(current_app.config["SERVICE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build("notifications.follow", {"id": notification.id}, force_external=True)


def email_body(notification: Notification) -> str:
    service = current_app.config["SERVICE_NAME"]
    return (
        f"You have a new notification in {service}: {notification.kind.label.lower()}.\n\n"
        f"Sign in to see it:\n\n{link_to(notification)}\n\n"
        "You get this email because you chose to be emailed about this kind of "
        f"notification. You can change that in {service}: Notifications, "
        "Email settings.\n"
    )


def retry_wait(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: RETRY_MINUTES, doubling."""
    minutes = current_app.config["NOTIFICATION_EMAIL_RETRY_MINUTES"]
    return timedelta(minutes=minutes * 2 ** (attempts - 1))


def _due(now: datetime):
    return and_(
        Notification.email_state == EmailState.PENDING,
        Notification.email_attempts < current_app.config["NOTIFICATION_EMAIL_ATTEMPTS"],
        or_(
            Notification.email_next_attempt_at.is_(None),
            Notification.email_next_attempt_at <= now,
        ),
    )


def claim_next(now: datetime) -> int | None:
    """Claim the oldest email due (the caller commits before sending it); its id, or
    None when none is due."""
    oldest = (
        select(Notification.id)
        .where(_due(now))
        .order_by(Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == oldest, _due(now))
        .values(
            email_attempts=Notification.email_attempts + 1,
            email_next_attempt_at=now + timedelta(minutes=CLAIM_MINUTES),
        )
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    return claimed.scalar()


def send_claimed(notification_id: int, now: datetime) -> bool:
    """Send the claimed email and record what happened; whether the relay took it."""
    found = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id == notification_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if found is None:  # deleted since it was claimed
        return False
    notification, user = found
    if not user.active:
        return _give_up(notification, "the account is not active")
    try:
        deliver(user.email, SUBJECT, email_body(notification))
    except MailError as error:
        if notification.email_attempts >= current_app.config["NOTIFICATION_EMAIL_ATTEMPTS"]:
            return _give_up(notification, str(error))
        notification.email_next_attempt_at = now + retry_wait(notification.email_attempts)
        log.warning(
            "notification %s: email not sent (try %s), tried again from %s: %s",
            notification.id,
            notification.email_attempts,
            notification.email_next_attempt_at.isoformat(timespec="minutes"),
            error,
        )
        return False
    notification.email_state = EmailState.SENT
    notification.emailed_at = utcnow()
    notification.email_next_attempt_at = None
    return True


def _give_up(notification: Notification, why: str) -> bool:
    notification.email_state = EmailState.FAILED
    notification.emailed_at = utcnow()
    notification.email_next_attempt_at = None
    log.warning("notification %s: email not sent, given up: %s", notification.id, why)
    return False


def fail_abandoned(now: datetime) -> int:
    """Mark failed the emails whose last allowed try was claimed by a worker that stopped
    before recording it, once that claim has run out; how many."""
    return db.session.execute(
        update(Notification)
        .where(
            Notification.email_state == EmailState.PENDING,
            Notification.email_attempts >= current_app.config["NOTIFICATION_EMAIL_ATTEMPTS"],
            Notification.email_next_attempt_at <= now,
        )
        .values(email_state=EmailState.FAILED, email_next_attempt_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount


@scheduled("send-notification-emails", timedelta(minutes=1))
def send_notification_emails(limit: int = BATCH, now: datetime | None = None) -> int:
    """Send the emails due (oldest first, up to ``limit``), each claimed and committed
    before it is sent and its outcome committed after; how many were sent."""
    commit_unit(fail_abandoned, now or utcnow())
    sent = 0
    for _ in range(limit):
        moment = now or utcnow()
        notification_id = commit_unit(claim_next, moment)
        if notification_id is None:
            break
        sent += commit_unit(send_claimed, notification_id, moment)
    return sent


@scheduled("notify-overdue-risk-reviews", crontab(minute="*/15"))
def notify_overdue_risk_reviews(now: datetime | None = None) -> int:
    """Tell the senior clinicians of the team about each referral whose same-day risk
    review is overdue, once per referral; how many referrals they were told about."""
    told = exists().where(
        Notification.kind == NotificationKind.RISK_REVIEW_OVERDUE,
        Notification.record_id == Referral.id,
    )
    referrals = db.session.scalars(
        select(Referral).where(
            and_(awaiting_review_clause(), Referral.received_on < service_today(now)), ~told
        )
    ).all()
    count = 0
    for referral in referrals:
        seniors = in_scope(senior_clinicians_of(referral.school.team_id), referral)
        if notify(
            seniors,
            NotificationKind.RISK_REVIEW_OVERDUE,
            f"The same-day risk review of referral {referral.reference} "
            f"({referral.school.name}) is overdue",
            endpoint="referrals.show",
            record_id=referral.id,
        ):
            count += 1
    return count


@scheduled("delete-old-notifications", crontab(minute=50, hour=2))
def delete_old_notifications(now: datetime | None = None) -> int:
    """Delete notifications older than NOTIFICATION_RETENTION_DAYS, read or not."""
    days = current_app.config["NOTIFICATION_RETENTION_DAYS"]
    cutoff = (now or utcnow()) - timedelta(days=days)
    return db.session.execute(delete(Notification).where(Notification.created_at < cutoff)).rowcount
