"""The rules for 1:1 sessions (care contacts): booking ahead, logging one that happened,
recording what happened at a booked one, and cancelling planned ones.

Every session goes through the consent gate (``require_valid_consent``) and needs the
case to be open in casework (allocated or in treatment): a discharged case is
read-only. The first attended session moves the case from allocated to in treatment.
Times are aware datetimes (stored UTC); the forms turn UK times into them.

Operations add to the session and flush; the caller commits once. A broken rule raises
:class:`RuleError` naming its form field. Booking rules (school days, rooms) are in
``mhst.sessions.booking``; a course of weekly bookings in ``mhst.sessions.courses``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.formatting import format_date, format_time
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral, ReferralStatus
from mhst.referrals.operations import require_valid_consent, transition
from mhst.sessions import booking, safety
from mhst.sessions.changes import checked_reason
from mhst.sessions.models import (
    Attendance,
    CareContact,
    ContactMode,
    ContactStage,
    Pathway,
    WhoAttended,
    contact_counts,
)

MAX_DURATION = 480  # minutes: the table's CHECK constraint
DEFAULT_MINUTES = 45  # the forms' usual length of a session (1:1 and group)
MAX_AHEAD = timedelta(days=365)
LOCATION_MAX = 200
NOTES_MAX = 10_000
REASON_MAX = 5_000
# What a practitioner can record before a session starts: that it was cancelled.
CANCELLATIONS = frozenset({Attendance.CANCELLED_BY_FAMILY, Attendance.CANCELLED_BY_SERVICE})
# Sessions that did not take place leave the practitioner's time free.
NOT_HELD = CANCELLATIONS | {Attendance.CASE_CLOSED}
# What a practitioner can record at all: "cancelled: case closed" is the service's own.
RECORDABLE = tuple(a for a in Attendance if a is not Attendance.CASE_CLOSED)

# The form fields the messages belong to (see session_forms).
DATE, TIME, DURATION = "session_date", "start_time", "duration_minutes"


@dataclass
class SessionDetails:
    """A session to book (no attendance) or log (with attendance)."""

    starts_at: datetime
    duration_minutes: int | None
    stage: ContactStage
    mode: ContactMode
    location: str | None = None
    pathway: Pathway | None = None
    # Face to face in school, booked ahead: the school's room (its name is the location).
    room_id: int | None = None
    attendance: Attendance | None = None
    who_attended: WhoAttended | None = None
    clinical_notes: str | None = None
    risk_update: str | None = None
    # Whether a new risk was raised (the log form asks; True flags the case for review).
    new_risk: bool | None = None


@dataclass
class OutcomeDetails:
    """What happened at a session."""

    attendance: Attendance | None
    who_attended: WhoAttended | None = None
    clinical_notes: str | None = None
    risk_update: str | None = None
    new_risk: bool | None = None
    # Why a booked session is cancelled before it starts (needed then, kept in its history).
    reason: str | None = None


def _member(enum_class, value, field: str, message: str, *, optional: bool = False):
    """``value`` as a member of ``enum_class`` (a string naming one), else refused."""
    if value is None or value == "":
        if optional:
            return None
        raise RuleError(field, message)
    try:
        return enum_class(value)
    except ValueError:
        raise RuleError(field, message) from None


def _text(value, field: str, limit: int, what: str) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise RuleError(field, f"{what} must be {limit:,} characters or fewer")
    return value or None


def check_case(referral: Referral) -> None:
    require_valid_consent(referral)
    if referral.status not in OPEN_CASE_STATUSES:
        if referral.status is ReferralStatus.DISCHARGED:
            message = (
                "This case is discharged: its record is read-only. A senior clinician can reopen it"
            )
        elif referral.status.is_closed:
            message = f"This referral is closed ({referral.status.label.lower()}): no sessions"
        else:
            message = (
                "Sessions can be booked or logged only once the case is allocated "
                f"(it is {referral.status.label.lower()})"
            )
        raise RuleError(DATE, message)


def _check_duration(minutes: int | None) -> int:
    if minutes is None:
        raise RuleError(DURATION, "Enter how long the session lasts, in minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise RuleError(DURATION, "Enter the length of the session as a whole number of minutes")
    if minutes <= 0:
        raise RuleError(DURATION, "The length of the session must be at least 1 minute")
    if minutes > MAX_DURATION:
        raise RuleError(
            DURATION, f"The length of the session must be {MAX_DURATION} minutes (8 hours) or fewer"
        )
    return minutes


def _check_starts_at(referral: Referral, starts_at: datetime, *, planned: bool) -> datetime:
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise RuleError(DATE, "Enter the date of the session")
    now = utcnow()
    safety.check_after_receipt(referral, starts_at, DATE, TIME)
    if planned:
        if starts_at <= now:
            raise RuleError(
                DATE,
                "A session you book must be in the future: to record one that has happened, log it",
            )
        if starts_at > now + MAX_AHEAD:
            raise RuleError(DATE, "A session can be booked up to a year ahead")
    elif starts_at > now:
        raise RuleError(
            DATE, "A session you log must have already started: book a future session instead"
        )
    return starts_at.astimezone(UTC)


def _check_overlap(
    practitioner: User, starts_at: datetime, minutes: int, *, except_id: int | None = None
) -> None:
    """A practitioner is in one session at a time, 1:1 or a group's they facilitate
    (cancelled ones, ones entered in error and groups without a time do not count). Their
    row is locked first: two bookings are checked in turn."""
    lock_row(User, practitioner.id)
    other = booking.first_clash(
        starts_at, minutes, practitioner_id=practitioner.id, except_contact_id=except_id
    )
    if other is not None:
        raise RuleError(
            TIME, f"You already have a {other.what} {booking.span(other)}: choose another time"
        )


def _check_outcome(details: OutcomeDetails) -> tuple[Attendance, WhoAttended | None]:
    attendance = _member(
        Attendance, details.attendance, "attendance", "Select what happened at the session"
    )
    if attendance not in RECORDABLE:
        raise RuleError("attendance", "Select what happened at the session")
    if attendance is Attendance.ATTENDED:
        who = _member(
            WhoAttended,
            details.who_attended,
            "who_attended",
            "Select who attended: the child, a parent or carer, or both",
        )
    else:
        # Only an attended session has someone attending; an unknown value is still wrong.
        _member(
            WhoAttended,
            details.who_attended,
            "who_attended",
            "Select who attended from the list",
            optional=True,
        )
        who = None
    return attendance, who


def check_started(contact: CareContact, attendance: Attendance) -> None:
    """A session that has not started yet can only have been cancelled."""
    if contact.starts_at > utcnow() and attendance not in CANCELLATIONS:
        raise RuleError(
            "attendance",
            f"This session starts at {format_time(contact.starts_at)} on "
            f"{format_date(contact.starts_at)}: until then you can only "
            "record that it was cancelled",
        )


def _after_attended(referral: Referral, contact: CareContact, *, by: User) -> None:
    """The first attended session starts treatment."""
    if contact.attendance is Attendance.ATTENDED and referral.status is ReferralStatus.ALLOCATED:
        transition(
            referral,
            ReferralStatus.IN_TREATMENT,
            by=by,
            reason=f"First session attended ({contact.stage.label.lower()})",
        )


# ---- operations -----------------------------------------------------------------------


def _new_contact(
    referral: Referral, details: SessionDetails, *, by: User, planned: bool
) -> CareContact:
    check_case(referral)
    stage = _member(ContactStage, details.stage, "stage", "Select the stage of the session")
    mode = _member(ContactMode, details.mode, "mode", "Select how the session is held")
    pathway = _member(
        Pathway, details.pathway, "pathway", "Select the pathway from the list", optional=True
    )
    starts_at = _check_starts_at(referral, details.starts_at, planned=planned)
    minutes = _check_duration(details.duration_minutes)
    location = room = None
    if planned and mode is ContactMode.FACE_TO_FACE_SCHOOL:
        booking.check_school_day(referral, mode, starts_at)
        room = booking.room_for(referral, details.room_id)
        location = room.name
    elif not mode.remote:
        location = _text(details.location, "location", LOCATION_MAX, "The place")
        if planned and not location:
            raise RuleError("location", "Enter where the session will be, such as the room")
    attendance = who = None
    notes = risk = None
    if not planned:
        attendance, who = _check_outcome(
            OutcomeDetails(details.attendance, details.who_attended, None, None)
        )
        notes = _text(details.clinical_notes, "clinical_notes", NOTES_MAX, "Clinical notes")
        risk = _text(details.risk_update, "risk_update", NOTES_MAX, "The risk update")
        safety.check_new_risk(details.new_risk, risk)
    _check_overlap(by, starts_at, minutes)
    if room is not None:
        booking.check_room_free(room, starts_at, minutes)
    contact = CareContact(
        referral=referral,
        practitioner=by,
        starts_at=starts_at,
        duration_minutes=minutes,
        stage=stage,
        mode=mode,
        location=location,
        room_id=room.id if room else None,
        pathway=pathway,
        attendance=attendance,
        who_attended=who,
        clinical_notes=notes,
        risk_update=risk,
        created_by=by,
        outcome_recorded_by=None if planned else by,
        outcome_recorded_at=None if planned else utcnow(),
    )
    db.session.add(contact)
    db.session.flush()
    detail = f"referral {referral.id}: " + ("booked" if planned else f"logged, {attendance.value}")
    record(AuditAction.CREATE, AuditRecordType.CARE_CONTACT, contact.id, user=by, detail=detail)
    if not planned and details.new_risk:
        safety.flag_new_risk(contact, by=by)
    _after_attended(referral, contact, by=by)
    return contact


def book_session(
    referral: Referral, details: SessionDetails, *, by: User, tell_school: bool = True
) -> CareContact:
    """Book a session ahead (up to a year), with a place or room if it is face to face.
    ``tell_school=False``: the caller tells the school once (a course of weeks)."""
    contact = _new_contact(referral, details, by=by, planned=True)
    if tell_school:
        booking.tell_school_of_visit(contact, by=by)
    return contact


def log_session(referral: Referral, details: SessionDetails, *, by: User) -> CareContact:
    """Record a session that has happened (or was missed), with its attendance."""
    return _new_contact(referral, details, by=by, planned=False)


def record_outcome(contact: CareContact, details: OutcomeDetails, *, by: User) -> CareContact:
    """What happened at a booked session once started (the notes and risk update written
    here are the first version; later ones are amendments, ``mhst.sessions.corrections``).
    Before it starts it can only be cancelled, with a reason kept in its history."""
    referral = contact.referral
    check_case(referral)
    if not contact.planned or contact.in_error:
        raise RuleError(
            "attendance",
            "What happened at this session is already recorded: change the attendance with "
            "a reason, or amend the notes",
        )
    attendance, who = _check_outcome(details)
    check_started(contact, attendance)
    cancelled_ahead = contact.starts_at > utcnow()  # check_started: only a cancellation
    reason = checked_reason(details.reason, "this cancellation") if cancelled_ahead else None
    notes = _text(details.clinical_notes, "clinical_notes", NOTES_MAX, "Clinical notes")
    risk = _text(details.risk_update, "risk_update", NOTES_MAX, "The risk update")
    safety.check_new_risk(details.new_risk, risk)
    if attendance is Attendance.ATTENDED and contact.attendance is not Attendance.ATTENDED:
        # It now takes up the practitioner's time: a cancelled slot may have been reused.
        _check_overlap(
            contact.practitioner,
            contact.starts_at,
            contact.duration_minutes,
            except_id=contact.id,
        )
    contact.attendance = attendance
    contact.who_attended = who
    contact.clinical_notes = notes
    contact.risk_update = risk
    if cancelled_ahead:
        booking.record_cancellation(contact, attendance, reason, by=by)
    elif attendance is not Attendance.CANCELLED_BY_SERVICE:
        contact.cancellation_reason = None
    contact.updated_at = contact.outcome_recorded_at = utcnow()
    contact.outcome_recorded_by_id = by.id
    record(
        AuditAction.UPDATE,
        AuditRecordType.CARE_CONTACT,
        contact.id,
        user=by,
        detail=f"referral {referral.id}: outcome recorded, {attendance.value}",
    )
    db.session.flush()
    if details.new_risk:
        safety.flag_new_risk(contact, by=by)
    _after_attended(referral, contact, by=by)
    return contact


def cancel_planned_sessions(
    referral: Referral,
    *,
    by: User,
    reason: str,
    attendance: Attendance = Attendance.CANCELLED_BY_SERVICE,
) -> int:
    """Cancel every planned session of ``referral`` not started yet, by the service (such
    as when consent is withdrawn) or as ``Attendance.CASE_CLOSED``; returns how many.
    No consent check: stopping work must always be possible."""
    if attendance not in NOT_HELD:
        raise ValueError(f"{attendance!r} is not a cancellation")
    reason = (reason or "").strip()[:REASON_MAX] or None
    contacts = db.session.scalars(
        select(CareContact).where(
            CareContact.referral_id == referral.id,
            CareContact.attendance.is_(None),
            CareContact.starts_at > utcnow(),
            contact_counts(),
        )
    ).all()
    now = utcnow()
    for contact in contacts:
        contact.attendance = attendance
        contact.cancellation_reason = reason
        contact.updated_at = now
        record(
            AuditAction.UPDATE,
            AuditRecordType.CARE_CONTACT,
            contact.id,
            user=by,
            detail=f"referral {referral.id}: {attendance.label.lower()}",
        )
    db.session.flush()
    return len(contacts)
