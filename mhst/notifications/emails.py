"""The notifications' scheduled tasks (run by the job worker's beat): the emails users
chose, the overdue same-day risk reviews, and deleting old notifications.

An email says only that there is a notification, of what kind, with a link to it: the
subject is always :data:`SUBJECT`, and neither names a child (nor the record: the link
opens it once the user has signed in, scope-checked like any other page).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from celery.schedules import crontab
from flask import current_app
from sqlalchemy import and_, delete, exists, select

from mhst.accounts.models import User
from mhst.core.mail import send_email
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


@scheduled("send-notification-emails", timedelta(minutes=1))
def send_notification_emails(limit: int = BATCH) -> int:
    """Send the emails waiting (oldest first, ``limit`` at a time); how many were sent.
    The rows are locked while they are sent (PostgreSQL; another worker skips them)."""
    rows = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.email_state == EmailState.PENDING)
        .order_by(Notification.id)
        .limit(limit)
        .with_for_update(of=Notification, skip_locked=True)
    ).all()
    sent = 0
    for notification, user in rows:
        ok = user.active and send_email(user.email, SUBJECT, email_body(notification))
        notification.email_state = EmailState.SENT if ok else EmailState.FAILED
        notification.emailed_at = utcnow()
        sent += bool(ok)
        if not ok:
            log.warning("notification %s: email not sent", notification.id)
    db.session.flush()
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
