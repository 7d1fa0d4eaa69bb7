"""Reminders of booked 1:1 sessions to families, by text and email through GOV.UK Notify
(:mod:`mhst.core.notify`), sent by the job worker's beat.

**Sending** (hourly): every booked session starting *tomorrow* (UK date) on an open case
whose referral's family agreed to reminders (``mhst.referrals.reminder_preferences``)
gets one reminder per agreed channel. The row (:class:`SessionReminder`, unique per
session and channel) is claimed and committed *before* Notify is called, so a job run
twice, or two workers at once, send once; a claim left ``pending`` by a worker that died
mid-send is not retried (the practitioner sees it as not sent on the session's page).

**Personalisation**: the date, the time, the place (the school or room, or "by video
call") and the service's name only when the family did not ask for discretion (then the
discreet template is used). Never the child's name: a place typed with the child's name
in it is replaced by "at school" or "at the place agreed" (:func:`personalisation`).

**Moved and cancelled sessions**: a cancelled session (or one entered in error) is no
longer booked, so it is never reminded again. A session moved after its reminder keeps
its row, which records the time it announced; when the new time is tomorrow the row is
claimed again (a conditional UPDATE on the old announced time, so still once) and a new
reminder is sent for the new time. The earlier send stays in the audit log.

**Status** (every 10 minutes): sent reminders of the last week are checked with Notify
(``get_notification_by_id``) and marked delivered or failed (permanent, temporary or
technical failure, with what it means).

Without a Notify key nothing is sent: each reminder is written to the log and kept as
``logged`` with its text, for the development outbox.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from celery.schedules import crontab
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core import notify
from mhst.core.formatting import WEEKDAYS, format_date, format_time, uk_time
from mhst.core.forms import commit_unit
from mhst.core.time import SERVICE_TIME_ZONE, utcnow
from mhst.extensions import db
from mhst.jobs.schedule import scheduled
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral
from mhst.referrals.reminder_preferences import ReminderPreference
from mhst.sessions.models import CareContact, ContactMode
from mhst.sessions.reminder_models import ReminderChannel, ReminderStatus, SessionReminder

log = logging.getLogger(__name__)

ACTOR = "session reminders"
STATUS_CHECK_DAYS = 7  # Notify keeps a notification's status for 7 days
STATUS_BATCH = 500


def tomorrow(now: datetime) -> tuple[datetime, datetime]:
    """The UTC moments bounding tomorrow's date in the UK (23 or 25 hours at the clock
    changes)."""
    day = now.astimezone(SERVICE_TIME_ZONE).date() + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, tzinfo=SERVICE_TIME_ZONE)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=SERVICE_TIME_ZONE)
    return start, end


# ---- what a reminder says -------------------------------------------------------------


def _names_child(text: str, contact: CareContact) -> bool:
    child = contact.referral.child
    parts = re.split(r"[\s\-']+", f"{child.given_name} {child.family_name}")
    return any(
        re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text, re.IGNORECASE) for part in parts if part
    )


def place(contact: CareContact) -> str:
    """Where the session is, as the reminder says it; never the child's name."""
    if contact.mode is ContactMode.VIDEO:
        return "by video call"
    if contact.mode is ContactMode.TELEPHONE:
        return "by telephone"
    in_school = contact.mode is ContactMode.FACE_TO_FACE_SCHOOL
    where = contact.location or (contact.referral.school.name if in_school else None)
    if not where or _names_child(where, contact):
        return "at school" if in_school else "at the place agreed"
    return f"at {where}"


def personalisation(contact: CareContact, *, discreet: bool) -> dict[str, str]:
    """The values the Notify template fills in: no child's name, and the service's name
    only when the family did not ask for discretion."""
    weekday = WEEKDAYS[uk_time(contact.starts_at).weekday()]
    values = {
        "date": f"{weekday} {format_date(contact.starts_at)}",
        "time": format_time(contact.starts_at),
        "place": place(contact),
    }
    if not discreet:
        values["service"] = current_app.config["REMINDER_SERVICE_NAME"]
    return values


def template_id(channel: ReminderChannel, *, discreet: bool) -> str | None:
    kind = "TEXT" if channel is ReminderChannel.TEXT else "EMAIL"
    return current_app.config.get(f"NOTIFY_{kind}{'_DISCREET' if discreet else ''}_TEMPLATE_ID")


# ---- sending --------------------------------------------------------------------------


def due(now: datetime) -> list[tuple[CareContact, ReminderPreference]]:
    """The booked sessions starting tomorrow on open cases whose family agreed to
    reminders, with their agreement."""
    start, end = tomorrow(now)
    rows = db.session.execute(
        select(CareContact, ReminderPreference)
        .join(Referral, Referral.id == CareContact.referral_id)
        .join(ReminderPreference, ReminderPreference.referral_id == Referral.id)
        .where(
            CareContact.starts_at >= start,
            CareContact.starts_at < end,
            CareContact.attendance.is_(None),
            CareContact.entered_in_error_at.is_(None),
            Referral.status.in_(OPEN_CASE_STATUSES),
            ReminderPreference.by_text | ReminderPreference.by_email,
        )
        .options(joinedload(CareContact.referral).joinedload(Referral.child))
        .options(joinedload(CareContact.referral).joinedload(Referral.school))
        .order_by(CareContact.starts_at, CareContact.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _insert_claim(contact: CareContact, channel: ReminderChannel) -> SessionReminder:
    reminder = SessionReminder(
        care_contact_id=contact.id,
        channel=channel,
        status=ReminderStatus.PENDING,
        announced_starts_at=contact.starts_at,
    )
    db.session.add(reminder)
    db.session.flush()
    return reminder


def _reclaim(reminder: SessionReminder, contact: CareContact) -> bool:
    """A moved session's row, claimed again for its new time; False if another run did."""
    claimed = db.session.execute(
        update(SessionReminder)
        .where(
            SessionReminder.id == reminder.id,
            SessionReminder.announced_starts_at == reminder.announced_starts_at,
        )
        .values(
            status=ReminderStatus.PENDING,
            announced_starts_at=contact.starts_at,
            notify_id=None,
            error=None,
            logged_text=None,
            sent_at=None,
            status_checked_at=None,
        )
    )
    return claimed.rowcount == 1


def claim(contact: CareContact, channel: ReminderChannel) -> SessionReminder | None:
    """The row to send this reminder on, committed as pending; None if it was sent (for
    this time) already, or another run has just claimed it."""
    existing = db.session.scalars(
        select(SessionReminder).where(
            SessionReminder.care_contact_id == contact.id, SessionReminder.channel == channel
        )
    ).one_or_none()
    if existing is not None and existing.announced_starts_at == contact.starts_at:
        return None
    try:
        if existing is None:
            return commit_unit(_insert_claim, contact, channel)
        if not commit_unit(_reclaim, existing, contact):
            return None
    except IntegrityError:  # another run inserted it first: theirs to send
        return None
    db.session.refresh(existing)
    return existing


def _deliver(
    reminder: SessionReminder, preference: ReminderPreference, values: dict, template: str
) -> notify.Sent:
    reference = f"session-reminder-{reminder.id}"
    if reminder.channel is ReminderChannel.TEXT:
        return notify.send_text(preference.mobile_number, template, values, reference)
    return notify.send_notify_email(preference.email, template, values, reference)


def _outcome(
    reminder: SessionReminder, contact: CareContact, preference: ReminderPreference
) -> dict:
    """Send one claimed reminder; the values to record on its row."""
    values = personalisation(contact, discreet=preference.discreet)
    template = template_id(reminder.channel, discreet=preference.discreet)
    if template is None and notify.configured():
        kind = "discreet " if preference.discreet else ""
        return {
            "status": ReminderStatus.NOT_SENT,
            "error": f"No Notify {kind}{reminder.channel.value} template is set up",
        }
    try:
        sent = _deliver(reminder, preference, values, template or "none")
    except notify.NotifyError as error:
        return {"status": ReminderStatus.FAILED, "error": error.message, "sent_at": utcnow()}
    if sent.logged:
        text = "; ".join(f"{key}: {value}" for key, value in values.items())
        return {"status": ReminderStatus.LOGGED, "logged_text": text[:1000], "sent_at": utcnow()}
    return {"status": ReminderStatus.SENT, "notify_id": sent.notification_id, "sent_at": utcnow()}


def _record(
    reminder: SessionReminder, values: dict, action: AuditAction = AuditAction.CREATE
) -> None:
    for name, value in values.items():
        setattr(reminder, name, value)
    record(
        action,
        AuditRecordType.CARE_CONTACT,
        reminder.care_contact_id,
        detail=reminder.describe(),
        actor=ACTOR,
    )


def send_reminder(contact: CareContact, preference: ReminderPreference, channel) -> bool:
    """Claim, send and record one reminder; True if this run sent (or logged) it."""
    reminder = claim(contact, channel)
    if reminder is None:
        return False
    commit_unit(_record, reminder, _outcome(reminder, contact, preference))
    return True


@scheduled("send-session-reminders", crontab(minute=5))
def send_session_reminders(now: datetime | None = None) -> int:
    """Hourly: remind families of tomorrow's booked sessions, in the ways they agreed."""
    count = 0
    for contact, preference in due(now or utcnow()):
        for channel, agreed in (
            (ReminderChannel.TEXT, preference.by_text),
            (ReminderChannel.EMAIL, preference.by_email),
        ):
            if agreed and send_reminder(contact, preference, channel):
                count += 1
    return count


# ---- what became of them ---------------------------------------------------------------


def _checked_values(notification_id: str, now: datetime) -> dict | None:
    try:
        status = notify.notification_status(notification_id)
    except notify.NotifyError as error:
        log.warning("reminder status not read: %s", error.message)
        return None
    values: dict = {"status_checked_at": now}
    if status == notify.DELIVERED:
        values["status"] = ReminderStatus.DELIVERED
    elif status in notify.FAILURES:
        values.update(status=ReminderStatus.FAILED, error=notify.FAILURES[status])
    return values


@scheduled("check-session-reminders", timedelta(minutes=10))
def check_session_reminders(now: datetime | None = None) -> int:
    """Every 10 minutes: ask Notify what became of the reminders it accepted in the last
    week; returns how many were found delivered or failed."""
    now = now or utcnow()
    if not notify.configured():
        return 0
    waiting = db.session.scalars(
        select(SessionReminder)
        .where(
            SessionReminder.status == ReminderStatus.SENT,
            SessionReminder.notify_id.is_not(None),
            SessionReminder.sent_at >= now - timedelta(days=STATUS_CHECK_DAYS),
        )
        .order_by(SessionReminder.status_checked_at.is_not(None), SessionReminder.id)
        .limit(STATUS_BATCH)
    ).all()
    settled = 0
    for reminder in waiting:
        values = _checked_values(reminder.notify_id, now)
        if values is None:
            continue
        if "status" in values:
            settled += 1
            commit_unit(_record, reminder, values, AuditAction.UPDATE)
        else:
            commit_unit(setattr, reminder, "status_checked_at", now)
    return settled
