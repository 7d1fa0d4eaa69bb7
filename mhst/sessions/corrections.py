"""Correcting a 1:1 session, leaving history: a booked session rescheduled, a logged
one's date and time or attendance corrected, and a session deleted as entered in error
(kept, struck through, counted nowhere). Each correction needs a reason, is refused if
someone changed the session since it was read (``ensure_current``), and leaves a
:class:`~mhst.sessions.change_models.SessionChange` row and an audit entry.

Its notes and risk update are never overwritten: they are amended
(:func:`session_text` describes them to ``mhst.amendments``), their author being whoever
recorded what happened at the session.
"""

from __future__ import annotations

from datetime import datetime

from mhst.accounts.models import User
from mhst.amendments.operations import AmendableText
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.formatting import format_datetime_with_day, format_time
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, utcnow
from mhst.core.versions import ensure_current
from mhst.extensions import db
from mhst.schools.models import SchoolRoom
from mhst.sessions import booking
from mhst.sessions import operations as rules
from mhst.sessions.change_models import ChangeKind
from mhst.sessions.changes import checked_reason, log_change
from mhst.sessions.models import Attendance, CareContact, ContactMode, WhoAttended

TEXTS = {  # field: (how a message names it, how a page names it)
    "clinical_notes": ("the session notes", "Session notes"),
    "risk_update": ("the risk update", "Risk update"),
}


def session_text(contact: CareContact, field: str) -> AmendableText:
    """The session's notes or risk update, as ``mhst.amendments`` amends them."""
    return AmendableText(
        record=contact,
        record_type=AuditRecordType.CARE_CONTACT,
        field=field,
        label=TEXTS[field][0],
        author_id=contact.notes_author_id,
        written_at=contact.notes_written_at,
        required=False,  # notes are optional when a session is logged
        max_length=rules.NOTES_MAX,
    )


def texts_with_versions(contact: CareContact, versions: dict) -> tuple:
    """(label, text, versions) of the notes and risk update, for those written or amended;
    ``versions`` is ``mhst.amendments.operations.versions_for``'s answer."""
    return tuple(
        (TEXTS[name][1], getattr(contact, name), versions.get((contact.id, name), []))
        for name in TEXTS
        if getattr(contact, name) or (contact.id, name) in versions
    )


def when_text(starts_at: datetime, minutes: int, contact: CareContact | None = None) -> str:
    """When a session is, and its room if it has one (for the history)."""
    text = f"{format_datetime_with_day(starts_at)}, {minutes} minutes"
    return f"{text}, {contact.location}" if contact is not None and contact.room_id else text


def attendance_text(attendance: Attendance | None, who: WhoAttended | None) -> str:
    if attendance is None:
        return "Not recorded"
    return f"{attendance.label} ({who.label.lower()})" if who else attendance.label


def _changed(contact: CareContact, kind: ChangeKind, by: User, reason: str, old: str, new: str):
    """The correction's history row and audit entry."""
    log_change(kind, by=by, reason=reason, from_value=old, to_value=new, care_contact_id=contact.id)
    contact.updated_at = utcnow()
    detail = f"referral {contact.referral_id}: {kind.label.lower()} ({new})"
    record(AuditAction.UPDATE, AuditRecordType.CARE_CONTACT, contact.id, user=by, detail=detail)
    db.session.flush()


def _check_open(contact: CareContact) -> None:
    if contact.in_error:
        raise RuleError(rules.DATE, "This session was deleted as entered in error")
    rules.check_case(contact.referral)


def change_time(
    contact: CareContact,
    *,
    starts_at: datetime,
    duration_minutes: int | None,
    reason: str | None,
    by: User,
    read_version: int | None,
    room_id=None,
) -> CareContact:
    """Reschedule a booked session (to a future time), or correct the date and time of a
    logged one (to a time already past); the practitioner still cannot be in two
    sessions at once. A booked session in school moves to a school day, keeping its room
    (or moving to ``room_id``), which must be free then."""
    local = contact.starts_at.astimezone(SERVICE_TIME_ZONE)
    sent = starts_at.astimezone(SERVICE_TIME_ZONE) if isinstance(starts_at, datetime) else None
    ensure_current(
        contact,
        read_version,
        {
            rules.DATE: (local.date(), sent.date() if sent else None),
            rules.TIME: (format_time(contact.starts_at), format_time(sent) if sent else None),
            rules.DURATION: (contact.duration_minutes, duration_minutes),
        },
    )
    _check_open(contact)
    planned = contact.planned
    starts_at = rules._check_starts_at(contact.referral, starts_at, planned=planned)
    minutes = rules._check_duration(duration_minutes)
    room = _moved_room(contact, room_id) if planned else None
    same_room = room is None or room.id == contact.room_id
    if (starts_at, minutes) == (contact.starts_at, contact.duration_minutes) and same_room:
        raise RuleError(rules.DATE, "Change the date, the time, the length or the room, or go back")
    reason = checked_reason(reason)
    if planned:
        booking.check_school_day(contact.referral, contact.mode, starts_at)
    if contact.attendance not in rules.NOT_HELD:
        rules._check_overlap(contact.practitioner, starts_at, minutes, except_id=contact.id)
    if room is not None:
        booking.check_room_free(room, starts_at, minutes, except_id=contact.id)
    old = when_text(contact.starts_at, contact.duration_minutes, contact)
    contact.starts_at, contact.duration_minutes = starts_at, minutes
    if room is not None:
        contact.room_id, contact.location = room.id, room.name
    kind = ChangeKind.RESCHEDULED if planned else ChangeKind.TIME_CORRECTED
    _changed(contact, kind, by, reason, old, when_text(starts_at, minutes, contact))
    return contact


def _moved_room(contact: CareContact, room_id):
    """The room a booked session in school is moved to: the one chosen, else its own."""
    if contact.mode is not ContactMode.FACE_TO_FACE_SCHOOL:
        return None
    if room_id in (None, "") or str(room_id) == str(contact.room_id):
        return db.session.get(SchoolRoom, contact.room_id) if contact.room_id else None
    return booking.room_for(contact.referral, room_id)


def change_attendance(
    contact: CareContact,
    details: rules.OutcomeDetails,
    *,
    reason: str | None,
    by: User,
    read_version: int | None,
) -> CareContact:
    """Correct what happened at a logged session (its notes are amended, not here)."""
    ensure_current(
        contact,
        read_version,
        {
            "attendance": (contact.attendance, details.attendance),
            "who_attended": (contact.who_attended, details.who_attended),
        },
    )
    _check_open(contact)
    if contact.planned:
        raise RuleError("attendance", "Record what happened at this session first")
    attendance, who = rules._check_outcome(details)
    rules.check_started(contact, attendance)
    if (attendance, who) == (contact.attendance, contact.who_attended):
        raise RuleError("attendance", "Change what happened, or go back")
    reason = checked_reason(reason)
    if attendance not in rules.NOT_HELD and contact.attendance in rules.NOT_HELD:
        # It now takes up the practitioner's time: a cancelled slot may have been reused.
        rules._check_overlap(
            contact.practitioner, contact.starts_at, contact.duration_minutes, except_id=contact.id
        )
        if contact.room_id is not None:  # and its room, which another may have booked
            room = db.session.get(SchoolRoom, contact.room_id)
            booking.check_room_free(
                room, contact.starts_at, contact.duration_minutes, except_id=contact.id
            )
    old = attendance_text(contact.attendance, contact.who_attended)
    contact.attendance, contact.who_attended = attendance, who
    if attendance is not Attendance.CANCELLED_BY_SERVICE:
        contact.cancellation_reason = None
    _changed(
        contact, ChangeKind.ATTENDANCE_CHANGED, by, reason, old, attendance_text(attendance, who)
    )
    rules._after_attended(contact.referral, contact, by=by)
    return contact


def enter_in_error(
    contact: CareContact, *, reason: str | None, by: User, read_version: int | None
) -> CareContact:
    """Delete a session entered in error: it stays in the record, struck through, and
    counts nowhere (caseloads, reports, the national extract)."""
    ensure_current(contact, read_version, {})
    if contact.in_error:
        raise RuleError("reason", "This session was already deleted as entered in error")
    reason = checked_reason(reason, "this deletion")
    what = "Booked" if contact.planned else attendance_text(contact.attendance, None)
    old = f"{what}: {when_text(contact.starts_at, contact.duration_minutes)}"
    contact.entered_in_error_at = utcnow()
    _changed(contact, ChangeKind.ENTERED_IN_ERROR, by, reason, old, "Entered in error")
    return contact
