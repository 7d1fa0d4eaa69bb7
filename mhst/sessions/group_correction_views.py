"""A group session's page and its corrections, leaving history: the date corrected, who
came changed, the session deleted as entered in error.

The group is fetched through ``scoping.get_or_404`` and the session only through its
group; the pages name the group's children, so each audits a read of the group and of
each child's referral. Each form carries the version the session was read at.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mhst.audit.operations import render_audited
from mhst.core.formatting import format_date
from mhst.core.forms import commit_operation, failed
from mhst.extensions import db
from mhst.security.permissions import Permission, has_permission, requires
from mhst.sessions import group_corrections as corrections
from mhst.sessions.changes import group_session_changes
from mhst.sessions.group_forms import (
    DeleteGroupSessionForm,
    GroupAttendanceForm,
    GroupSessionDateForm,
)
from mhst.sessions.group_lookup import audit_group_read, group_or_404, with_children
from mhst.sessions.group_models import GroupAttendance, GroupKind, GroupSession
from mhst.sessions.group_operations import participant_name

bp = Blueprint("group_changes", __name__, url_prefix="/groups")

SESSION = "/<int:group_id>/sessions/<int:session_id>"
TITLES = {
    "date": "Correct the date of the session",
    "attendance": "Change who came",
    "delete": "Delete a session entered in error",
}


def _load(group_id: int, session_id: int):
    group = group_or_404(group_id, with_children())
    session = db.session.scalars(
        select(GroupSession)
        .where(GroupSession.id == session_id, GroupSession.group_id == group.id)
        .options(selectinload(GroupSession.attendances).joinedload(GroupAttendance.participant))
    ).one_or_none()
    if session is None:
        abort(404)
    participants = list(group.participants)
    audit_group_read(group, [p.referral for p in participants])
    return group, session, participants


def _render(template: str, status: int, group, session, participants, **context):
    html = render_audited(
        template,
        group=group,
        session=session,
        participants=participants,
        came={a.participant_id: a.attended for a in session.attendances},
        targeted=group.kind is GroupKind.TARGETED,
        changes=group_session_changes([session.id]).get(session.id, []),
        participant_name=participant_name,
        **context,
    )
    return html, status


@bp.get(SESSION)
@requires(Permission.VIEW_GROUPS)
def show(group_id: int, session_id: int):
    group, session, participants = _load(group_id, session_id)
    can_manage = has_permission(current_user, Permission.MANAGE_GROUPS)
    return _render(
        "sessions/groups/session.html", 200, group, session, participants, can_manage=can_manage
    )


def _form(kind: str, group, session, participants):
    form_class = {
        "date": GroupSessionDateForm,
        "attendance": GroupAttendanceForm,
        "delete": DeleteGroupSessionForm,
    }[kind]
    data = {
        "version": str(session.version),
        "held_on": session.held_on,
        "head_count": session.head_count,
        "attended": [str(a.participant_id) for a in session.attendances if a.attended],
    }
    form = form_class() if request.method == "POST" else form_class(formdata=None, data=data)
    if kind == "attendance":
        form.set_group(group, participants)
    return form


def _save(kind: str, form, session):
    common = {"reason": form.reason.data, "by": current_user, "read_version": form.read_version()}
    if kind == "date":
        return commit_operation(
            form, corrections.correct_date, session, held_on=form.held_on.data, **common
        )
    if kind == "attendance":
        return commit_operation(
            form,
            corrections.change_attendance,
            session,
            attended_ids=form.attended_ids(),
            head_count=form.head_count.data,
            **common,
        )
    return commit_operation(form, corrections.enter_in_error, session, **common)


def _correct(group_id: int, session_id: int, kind: str):
    group, session, participants = _load(group_id, session_id)
    if session.in_error:  # it stays as it was deleted
        return redirect(url_for(".show", group_id=group.id, session_id=session.id))
    form = _form(kind, group, session, participants)
    when = format_date(session.held_on)
    if form.validate_on_submit():
        if not failed(_save(kind, form, session)):
            flash(f"{TITLES[kind]}: the session on {when} is saved", "success")
            return redirect(url_for(".show", group_id=group.id, session_id=session.id))
        group, session, participants = _load(group_id, session_id)  # rolled back
    return _render(
        "sessions/groups/correct_session.html",
        400 if form.errors else 200,
        group,
        session,
        participants,
        form=form,
        kind=kind,
        title=TITLES[kind],
    )


@bp.route(f"{SESSION}/<any(date, attendance, delete):kind>", methods=["GET", "POST"])
@requires(Permission.MANAGE_GROUPS)
def correct(group_id: int, session_id: int, kind: str):
    """Correct the date ("date"), change who came ("attendance") or delete as entered in
    error ("delete"), with a reason."""
    return _correct(group_id, session_id, kind)
