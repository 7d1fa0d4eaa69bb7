"""The practitioner's reminders that could not be sent, and the development outbox.

Both list only sessions on cases in the user's case scope (``scoping``), and each
session listed is an audited read. The outbox shows the reminders written to the log
because no Notify key is set; it does not exist in production (``DEV_OUTBOX``)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record_many, render_audited
from mhst.core.notify import redacted_address, redacted_number
from mhst.extensions import db
from mhst.referrals.models import Referral
from mhst.referrals.reminder_preferences import ReminderPreference
from mhst.security import scoping
from mhst.security.permissions import Permission, requires
from mhst.sessions.models import CareContact
from mhst.sessions.reminder_models import (
    ReminderChannel,
    ReminderStatus,
    SessionReminder,
    problems,
    start_of_today,
)

bp = Blueprint("reminders", __name__, url_prefix="/reminders")

OUTBOX_LIMIT = 100


def _in_case_scope():
    return CareContact.referral_id.in_(
        select(Referral.id).where(scoping.scope(current_user, Referral, scoping.Kind.CASE))
    )


def _audit(reminders: list[SessionReminder]) -> None:
    contact_ids = dict.fromkeys(r.care_contact_id for r in reminders)
    record_many(
        AuditRecordType.CARE_CONTACT,
        [(AuditAction.READ, contact_id) for contact_id in contact_ids],
        user=current_user,
    )


@bp.get("/not-sent")
@requires(Permission.LOG_SESSIONS)
def not_sent():
    """Reminders of the user's booked sessions (today on) that could not be sent."""
    found = problems(current_user.id, start_of_today(), extra=(_in_case_scope(),))
    _audit(found)
    return render_audited("sessions/reminders_not_sent.html", reminders=found)


def _recipient(reminder: SessionReminder, preference: ReminderPreference | None) -> str:
    if preference is None:
        return "Unknown"
    if reminder.channel is ReminderChannel.TEXT:
        return redacted_number(preference.mobile_number or "")
    return redacted_address(preference.email or "")


@bp.get("/outbox")
@requires(Permission.LOG_SESSIONS)
def outbox():
    """Development only: the reminders written to the log (no Notify key set)."""
    if not current_app.config.get("DEV_OUTBOX"):
        abort(404)
    rows = db.session.execute(
        select(SessionReminder, ReminderPreference)
        .join(CareContact, CareContact.id == SessionReminder.care_contact_id)
        .outerjoin(ReminderPreference, ReminderPreference.referral_id == CareContact.referral_id)
        .where(SessionReminder.status == ReminderStatus.LOGGED, _in_case_scope())
        .options(
            contains_eager(SessionReminder.care_contact)
            .joinedload(CareContact.referral)
            .joinedload(Referral.child)
        )
        .order_by(SessionReminder.sent_at.desc(), SessionReminder.id.desc())
        .limit(OUTBOX_LIMIT)
    ).all()
    entries = [(reminder, _recipient(reminder, preference)) for reminder, preference in rows]
    _audit([reminder for reminder, _ in entries])
    return render_audited("sessions/outbox.html", entries=entries, limit=OUTBOX_LIMIT)
