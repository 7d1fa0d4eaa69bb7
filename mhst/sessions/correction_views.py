"""Correcting a 1:1 session, leaving history: rescheduling a booked one, correcting a
logged one's date and time or attendance, deleting one entered in error, and amending
its notes and risk update (``mhst.amendments``' page).

The case is fetched through ``scoping.get_or_404`` and the session only through its
case; each page reads the session (audited) and each form carries the version it was
read at, so a correction made on a session someone has since changed is refused.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from mhst.amendments.pages import AmendPage, amend_page
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, render_audited
from mhst.core.formatting import format_date, format_datetime_with_day, format_time
from mhst.core.forms import choices, commit_operation, commit_unit, failed
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.referrals.models import Referral
from mhst.security import scoping
from mhst.security.permissions import Permission, requires
from mhst.sessions import booking, corrections
from mhst.sessions.changes import contact_changes
from mhst.sessions.forms import (
    ChangeAttendanceForm,
    ChangeTimeForm,
    DeleteSessionForm,
    parse_minutes,
)
from mhst.sessions.models import CareContact, ContactMode
from mhst.sessions.views import blocked_reason, contact_or_404, session_url

bp = Blueprint("session_changes", __name__, url_prefix="/casework")

SESSION = "/cases/<int:case_id>/sessions/<int:contact_id>"
TEXT_FIELDS = {"notes": "clinical_notes", "risk-update": "risk_update"}


def _load(case_id: int, contact_id: int) -> tuple[Referral, CareContact]:
    referral = scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)
    contact = contact_or_404(referral, contact_id)
    record(AuditAction.READ, AuditRecordType.CARE_CONTACT, contact.id, user=current_user)
    return referral, contact


def _nothing_to_change(referral: Referral, contact: CareContact):
    """A session deleted in error is not corrected; a booked one has no outcome or notes
    yet: back to the sessions (the read is still recorded)."""
    if not contact.in_error:
        flash("Record what happened at this session first", "info")
    commit_unit(lambda: None)
    return redirect(session_url(referral.id, contact.id))


def _initial(contact: CareContact, kind: str) -> dict:
    data = {"version": str(contact.version)}
    if kind == "time":
        local = contact.starts_at.astimezone(SERVICE_TIME_ZONE)
        data |= {
            "session_date": local.date(),
            "start_time": format_time(contact.starts_at),
            "duration_minutes": str(contact.duration_minutes),
            "room_id": str(contact.room_id or ""),
        }
    elif kind == "attendance":
        data |= {
            "attendance": contact.attendance.value if contact.attendance else None,
            "who_attended": contact.who_attended.value if contact.who_attended else None,
        }
    return data


def _arguments(form, kind: str) -> tuple[tuple, dict]:
    common = {"reason": form.reason.data, "by": current_user, "read_version": form.read_version()}
    if kind == "time":
        minutes = parse_minutes(form.duration_minutes.data)
        moved = {"starts_at": form.starts_at(), "duration_minutes": minutes}
        return (), {**moved, "room_id": form.room_id.data or None, **common}
    if kind == "attendance":
        return (form.outcome(),), common
    return (), common


OPERATIONS = {
    "time": (ChangeTimeForm, corrections.change_time),
    "attendance": (ChangeAttendanceForm, corrections.change_attendance),
    "delete": (DeleteSessionForm, corrections.enter_in_error),
}


def _room_choices(form: ChangeTimeForm, contact: CareContact) -> None:
    """A booked session in school may move to another of the school's rooms."""
    if contact.planned and contact.mode is ContactMode.FACE_TO_FACE_SCHOOL:
        rooms = booking.school_rooms(contact.referral.school_id)
        form.room_id.choices = choices([(r.id, r.name) for r in rooms])


def _title(contact: CareContact, kind: str) -> str:
    if kind == "time":
        return "Reschedule the session" if contact.planned else "Correct the date or time"
    if kind == "attendance":
        return "Change what happened"
    return "Delete a session entered in error"


def _saved_message(contact: CareContact, kind: str, was: str) -> str:
    """What the change did: a moved session says where it is now."""
    now = format_datetime_with_day(contact.starts_at)
    if kind == "time" and now != was:
        return f"The session on {was} is {'moved' if contact.planned else 'corrected'} to {now}"
    return f"{_title(contact, kind)}: the session on {was} is saved"


def _correct(case_id: int, contact_id: int, kind: str):
    referral, contact = _load(case_id, contact_id)
    if contact.in_error or (kind == "attendance" and contact.planned):
        return _nothing_to_change(referral, contact)
    form_class, operation = OPERATIONS[kind]
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(formdata=None, data=_initial(contact, kind))
    if kind == "time":
        _room_choices(form, contact)
    when = format_datetime_with_day(contact.starts_at)
    if form.validate_on_submit():
        args, kwargs = _arguments(form, kind)
        result = commit_operation(form, operation, contact, *args, **kwargs)
        if not failed(result):
            flash(_saved_message(contact, kind, when), "success")
            return redirect(session_url(referral.id, contact.id))
        record(AuditAction.READ, AuditRecordType.CARE_CONTACT, contact.id, user=current_user)
    html = render_audited(
        "sessions/correction.html",
        form=form,
        kind=kind,
        title=_title(contact, kind),
        referral=referral,
        child=referral.child,
        contact=contact,
        changes=contact_changes([contact.id]).get(contact.id, []),
        blocked=None if kind == "delete" else blocked_reason(referral),
    )
    return html, 400 if form.errors else 200


@bp.route(f"{SESSION}/<any(time, attendance, delete):kind>", methods=["GET", "POST"])
@requires(Permission.LOG_SESSIONS)
def correct(case_id: int, contact_id: int, kind: str):
    """Reschedule or correct the time ("time"), change what happened ("attendance") or
    delete as entered in error ("delete"), with a reason."""
    return _correct(case_id, contact_id, kind)


@bp.route(f"{SESSION}/<any(notes, 'risk-update'):text>/amend", methods=["GET", "POST"])
@requires(Permission.LOG_SESSIONS)
def amend(case_id: int, contact_id: int, text: str):
    """Amend the notes or risk update of a logged session: its author or a senior
    clinician, with a reason; every earlier version stays readable."""
    referral, contact = _load(case_id, contact_id)
    if contact.planned or contact.in_error:
        return _nothing_to_change(referral, contact)
    amendable = corrections.session_text(contact, TEXT_FIELDS[text])
    label = corrections.TEXTS[amendable.field][1]
    page = AmendPage(
        title=f"Amend the {label.lower()}",
        caption=f"{referral.child.full_name}, session on {format_date(contact.starts_at)}",
        label=label,
        action=url_for(".amend", case_id=referral.id, contact_id=contact.id, text=text),
        back_url=session_url(referral.id, contact.id),
        back_text="Cancel and go back to the sessions",
    )
    # The page shows the text: its read is committed with it (or with the amendment).
    return commit_unit(amend_page, amendable, page)
