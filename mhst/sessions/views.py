"""1:1 sessions (care contacts): a case's sessions, booking, logging and recording what
happened.

Every case is fetched through ``scoping.get_or_404`` (an EMHP sees only the cases
allocated to them; out of scope is a 404) and a session only through its case. Pages
that show a child's record are rendered, then their audit reads committed
(``render_audited``). Times are typed and shown in UK time and stored in UTC.
"""

from __future__ import annotations

import contextlib
from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mhst.amendments.operations import may_amend, versions_for
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, record_many, render_audited
from mhst.core.formatting import format_datetime_with_day
from mhst.core.forms import choices, commit_operation, failed
from mhst.core.rules import RuleError
from mhst.core.submissions import submit_once
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.referrals.allocations import current_allocation
from mhst.referrals.models import Referral
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires
from mhst.sessions import booking, courses, reading
from mhst.sessions import operations as rules
from mhst.sessions.changes import contact_changes
from mhst.sessions.forms import BookSessionForm, LogSessionForm, OutcomeForm, parse_time
from mhst.sessions.models import CareContact, ContactMode, ContactStage
from mhst.sessions.reminder_models import reminders_for

bp = Blueprint("sessions", __name__, url_prefix="/casework")


def place(contact: CareContact) -> str:
    """Where a session is: the place typed, or how it is held if it is remote."""
    if contact.mode.remote or not contact.location:
        return contact.mode.label
    return contact.location


def blocked_reason(referral: Referral) -> str | None:
    """Why no session can be booked or logged on this case now, or None."""
    try:
        rules.check_case(referral)
    except RuleError as error:
        return error.message
    return None


def _render(template: str, status: int = 200, **context):
    html = render_audited(template, place=place, **context)
    return html, status


def _after_failure(referral: Referral) -> None:
    """A refused change was rolled back with its audit read; the page shown again reads
    the record, so log that read (committed by ``render_audited``)."""
    record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=current_user)


def session_url(case_id: int, contact_id: int) -> str:
    """The case's sessions, at this one."""
    return url_for("sessions.sessions", case_id=case_id, _anchor=f"session-{contact_id}")


def contact_or_404(referral: Referral, contact_id: int) -> CareContact:
    contact = db.session.scalars(
        select(CareContact)
        .where(CareContact.id == contact_id, CareContact.referral_id == referral.id)
        .options(joinedload(CareContact.practitioner))
    ).one_or_none()
    if contact is None:
        abort(404)
    return contact


# ---- the case's sessions --------------------------------------------------------------


@bp.get("/cases/<int:case_id>/sessions")
@requires(Permission.VIEW_CASE_NOTES)
def sessions(case_id: int):
    referral = scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)
    contacts = list(
        db.session.scalars(
            select(CareContact)
            .where(CareContact.referral_id == referral.id)
            .options(joinedload(CareContact.practitioner))
            .order_by(CareContact.starts_at.desc(), CareContact.id.desc())
        )
    )
    ids = [c.id for c in contacts]
    # The page shows each session's notes: a read of each care contact, one INSERT.
    record_many(
        AuditRecordType.CARE_CONTACT,
        [(AuditAction.READ, c.id) for c in contacts],
        user=current_user,
    )
    now = utcnow()
    may_log = has_permission(current_user, Permission.LOG_SESSIONS)
    blocked = blocked_reason(referral) if may_log else None
    allocation = current_allocation(referral)
    kept = [c for c in contacts if not c.in_error]
    return _render(
        "sessions/sessions.html",
        referral=referral,
        child=referral.child,
        planned=sorted((c for c in kept if c.planned), key=lambda c: (c.starts_at, c.id)),
        past=[c for c in kept if not c.planned],
        in_error=[c for c in contacts if c.in_error],
        # The notes' versions and the sessions' corrections: one query each.
        versions=versions_for(AuditRecordType.CARE_CONTACT, ids),
        changes=contact_changes(ids),
        reminders=reminders_for(ids),
        may_amend=lambda contact: may_amend(current_user, contact.notes_author_id),
        now=now,
        practitioner=allocation.practitioner if allocation else None,
        can_log=may_log and blocked is None,
        may_log=may_log,  # amendments correct the record, even of a discharged case
        blocked=blocked,
    )


# ---- booking and logging --------------------------------------------------------------


def _defaults(referral: Referral, *, logging: bool) -> dict:
    """What the form starts with, so a usual session needs only its time typed."""
    attended_before = reading.has_attended_session(referral.id)
    pathway = reading.last_pathway(referral.id)
    return {
        "session_date": service_today() if logging else None,
        "duration_minutes": str(rules.DEFAULT_MINUTES),
        "stage": (ContactStage.TREATMENT if attended_before else ContactStage.ASSESSMENT).value,
        "mode": ContactMode.FACE_TO_FACE_SCHOOL.value,
        "location": referral.school.name,
        "pathway": pathway.value if pathway else "",
    }


def _prefill(data: dict) -> dict:
    """The diary links here with ``?date=YYYY-MM-DD&time=HH:MM``: fill those in (values
    that are not a real date or time are ignored)."""
    with contextlib.suppress(ValueError):
        data["session_date"] = date.fromisoformat(request.args.get("date", "")[:10])
    start = parse_time(request.args.get("time", "")[:8])
    if start is not None:
        data["start_time"] = start.strftime("%H:%M")
    return data


def _form(referral: Referral, *, logging: bool):
    if logging:
        data = None if request.method == "POST" else _defaults(referral, logging=True)
        return LogSessionForm(data=data)
    rooms = booking.school_rooms(referral.school_id)
    data = None
    if request.method != "POST":
        data = _prefill(_defaults(referral, logging=False))
        if len(rooms) == 1:  # the school's only room: chosen already
            data["room_id"] = str(rooms[0].id)
    form = BookSessionForm(data=data)
    form.room_id.choices = choices([("", "Select a room")] + [(r.id, r.name) for r in rooms])
    return form


def _operation(form, *, logging: bool):
    """The operation and its arguments for the form: a log, or a course of bookings (one
    booking being a course of one week)."""
    if logging:
        return rules.log_session, (form.details(),)
    return courses.book_course, (form.details(), form.weeks(), form.skip_closed.data)


def _booked_message(record, *, logging: bool) -> str:
    if logging:
        return f"Session on {format_datetime_with_day(record.starts_at)} logged"
    if len(record) == 1:
        return f"Session on {format_datetime_with_day(record[0].starts_at)} booked"
    return courses.course_summary(record)


def _session_form(case_id: int, *, logging: bool):
    referral = scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)
    form = _form(referral, logging=logging)
    if form.validate_on_submit():
        operation, args = _operation(form, logging=logging)
        first = (lambda record: record) if logging else (lambda record: record[0])
        sent = submit_once(
            form,
            operation,
            referral,
            *args,
            by=current_user,
            user=current_user,
            result_url=lambda record: session_url(referral.id, first(record).id),
        )
        if not failed(sent):
            if not sent.repeated:
                flash(_booked_message(sent.record, logging=logging), "success")
            return redirect(sent.url)
        _after_failure(referral)
    return _render(
        "sessions/session_form.html",
        400 if form.errors else 200,
        form=form,
        referral=referral,
        child=referral.child,
        logging=logging,
        blocked=blocked_reason(referral),
        may_add_rooms=has_permission(current_user, Permission.MANAGE_SCHOOL_ROOMS),
    )


@bp.route("/cases/<int:case_id>/sessions/book", methods=["GET", "POST"])
@requires(Permission.LOG_SESSIONS)
def book_session(case_id: int):
    return _session_form(case_id, logging=False)


@bp.route("/cases/<int:case_id>/sessions/log", methods=["GET", "POST"])
@requires(Permission.LOG_SESSIONS)
def log_session(case_id: int):
    return _session_form(case_id, logging=True)


# ---- what happened --------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/sessions/<int:contact_id>", methods=["GET", "POST"])
@requires(Permission.LOG_SESSIONS)
def record_outcome(case_id: int, contact_id: int):
    referral = scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)
    contact = contact_or_404(referral, contact_id)
    if not contact.planned or contact.in_error:
        # What happened is recorded: it is corrected with a reason, its notes amended.
        return redirect(
            url_for(
                "session_changes.correct",
                kind="attendance",
                case_id=referral.id,
                contact_id=contact.id,
            )
        )
    record(AuditAction.READ, AuditRecordType.CARE_CONTACT, contact.id, user=current_user)
    started = contact.starts_at <= utcnow()
    form = OutcomeForm(
        data=None
        if request.method == "POST"
        else {
            "attendance": contact.attendance.value if contact.attendance else None,
            "who_attended": contact.who_attended.value if contact.who_attended else None,
            "clinical_notes": contact.clinical_notes,
            "risk_update": contact.risk_update,
        }
    )
    if not started:
        form.offer_only_cancellations()
    if form.validate_on_submit():
        result = commit_operation(
            form, rules.record_outcome, contact, form.outcome(), by=current_user
        )
        if not failed(result):
            when = format_datetime_with_day(contact.starts_at)
            flash(f"What happened at the session on {when} recorded", "success")
            return redirect(session_url(referral.id, contact.id))
        _after_failure(referral)
        record(AuditAction.READ, AuditRecordType.CARE_CONTACT, contact.id, user=current_user)
    title = "Record what happened" if started else "Record a cancellation"
    return _render(
        "sessions/outcome.html",
        400 if form.errors else 200,
        form=form,
        referral=referral,
        child=referral.child,
        contact=contact,
        started=started,
        title=title,
        blocked=blocked_reason(referral),
    )
