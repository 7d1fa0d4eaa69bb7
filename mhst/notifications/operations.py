"""Telling users things, and what they do with what they are told.

:func:`notify` adds one notification per recipient in the caller's unit of work (no
commit; one INSERT for all of them, however many): the receivers call it from inside the
sender's operation. Each notification is
marked for email when its user wants that kind by email (their choice, or the kind's
default); the scheduled task in :mod:`.emails` sends it. Everything a user reads or
changes here is their own: another user's notification is as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from flask import url_for
from sqlalchemy import func, insert, select, update
from werkzeug.routing import BuildError

from mhst.accounts.models import Role, User
from mhst.core import keyset
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.notifications.models import (
    TEXT_MAX,
    EmailPreference,
    EmailState,
    Notification,
    NotificationKind,
)

K = NotificationKind

# The kinds each role can be told about: the settings page offers only these.
KINDS_FOR_ROLE: dict[Role, tuple[NotificationKind, ...]] = {
    Role.EMHP: (K.CASE_ALLOCATED, K.CASE_RISK_RAISED),
    Role.SENIOR_CLINICIAN: (
        K.CASE_ALLOCATED,
        K.CASE_RISK_RAISED,
        K.REFERRAL_RECEIVED,
        K.RISK_REVIEW_OVERDUE,
    ),
    Role.SCHOOL_MENTAL_HEALTH_LEAD: (K.REFERRAL_STATUS_CHANGED, K.VISIT_BOOKED),
    Role.ADMINISTRATOR: (K.INTEREST_REGISTERED,),
    Role.CLINICAL_LEAD: (),
    Role.COMMISSIONER: (),
}

# The URL argument each link's endpoint takes its record id as.
LINK_ARGUMENTS = {
    "referrals.show": "referral_id",
    "schools.show": "school_id",
    "diary.school_visits": "school_id",
    "interest.review": "registration_id",
}
COUNT_BOUND = 99  # the header says "99+" beyond this


def email_choices(user_ids: Iterable[int]) -> dict[tuple[int, NotificationKind], bool]:
    """The explicit choices of these users, by (user id, kind) (one query)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(EmailPreference.user_id, EmailPreference.kind, EmailPreference.email).where(
            EmailPreference.user_id.in_(ids)
        )
    )
    return {(row.user_id, row.kind): row.email for row in rows}


def notify(
    recipients: Iterable[User],
    kind: NotificationKind,
    text: str,
    *,
    endpoint: str,
    record_id: int | None,
    link_date: date | None = None,
    actor: User | None = None,
) -> list[Notification]:
    """Tell each active recipient (once, and never ``actor`` about their own action).
    ``link_date``: the day a page of a week opens at (a school's visits)."""
    if endpoint not in LINK_ARGUMENTS:
        raise ValueError(f"no link for endpoint {endpoint!r}")
    people = {
        user.id: user
        for user in recipients
        if user is not None and user.active and (actor is None or user.id != actor.id)
    }
    if not people:
        return []
    choices = email_choices(people)
    rows = [
        {
            "user_id": user_id,
            "kind": kind,
            "text": text[:TEXT_MAX],
            "endpoint": endpoint,
            "record_id": record_id,
            "link_date": link_date,
            "created_at": utcnow(),
            "email_state": (
                EmailState.PENDING if choices.get((user_id, kind), kind.email_by_default) else None
            ),
        }
        for user_id in sorted(people)
    ]
    # One INSERT for every recipient (their number does not change the work).
    added = db.session.scalars(insert(Notification).returning(Notification), rows)
    return sorted(added, key=lambda notification: notification.user_id)


def link_of(notification: Notification) -> str | None:
    """Where the notification's link goes (in a request or an app context with
    SERVER_NAME), or None if it names no page."""
    argument = LINK_ARGUMENTS.get(notification.endpoint)
    if argument is None or notification.record_id is None:
        return None
    arguments = {argument: notification.record_id}
    if notification.link_date is not None:
        arguments["date"] = notification.link_date.isoformat()
    try:
        return url_for(notification.endpoint, **arguments)
    except BuildError:
        return None


# ---- reading --------------------------------------------------------------------------

NEWEST_FIRST = [
    keyset.Key(Notification.created_at, descending=True),
    keyset.Key(Notification.id, descending=True),
]


def _own(user: User):
    return select(Notification).where(Notification.user_id == user.id)


def page_of(user: User, args: Mapping[str, str]) -> keyset.KeysetPage:
    """A keyset page of the user's notifications, newest first."""
    return keyset.paginate(_own(user), NEWEST_FIRST, args)


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread, counted up to ``COUNT_BOUND``
    + 1 (one query, by the partial index)."""
    limited = (
        select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(COUNT_BOUND + 1)
    )
    return db.session.scalar(select(func.count()).select_from(limited.subquery()))


def own_notification(user: User, notification_id) -> Notification | None:
    """The user's notification ``notification_id`` (any text: a bad id is None)."""
    try:
        number = int(str(notification_id).strip())
    except (TypeError, ValueError):
        return None
    if not 0 < number <= keyset.MAX_ID:
        return None
    return db.session.scalar(
        select(Notification).where(Notification.id == number, Notification.user_id == user.id)
    )


# ---- changing -------------------------------------------------------------------------


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; how many were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount


def email_settings(user: User) -> dict[NotificationKind, bool]:
    """Whether the user wants each kind their role can be told about by email."""
    choices = email_choices([user.id])
    return {
        kind: choices.get((user.id, kind), kind.email_by_default)
        for kind in KINDS_FOR_ROLE.get(user.role, ())
    }


def save_email_settings(user: User, wanted: Iterable[str]) -> None:
    """Keep the user's choice for every kind of their role: email for those in ``wanted``
    (kinds by value; anything else is ignored), none for the others."""
    wanted = set(wanted)
    current = {
        row.kind: row
        for row in db.session.scalars(
            select(EmailPreference).where(EmailPreference.user_id == user.id)
        )
    }
    for kind in KINDS_FOR_ROLE.get(user.role, ()):
        email = kind.value in wanted
        if kind in current:
            current[kind].email = email
        else:
            db.session.add(EmailPreference(user_id=user.id, kind=kind, email=email))
    db.session.flush()
