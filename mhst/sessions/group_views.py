"""Group programmes: the team's groups, setting one up, its page, adding participants and
recording sessions with attendance.

A group is always fetched through ``scoping.get_or_404`` (the user's team; a clinical
lead's whole service): any other id is a 404. A page that lists children (the
group's page, the participant and session forms) audit-logs a read of the group and of
each child's referral, and commits those reads after rendering (``render_audited``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, render_audited
from mhst.core.formatting import format_date
from mhst.core.forms import failed
from mhst.core.pagination import paginate
from mhst.core.submissions import earlier_url, submit_once
from mhst.referrals.models import Referral
from mhst.schools.choosing import narrowing_requested, offer_schools
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires
from mhst.sessions import booking, group_access
from mhst.sessions import group_operations as operations
from mhst.sessions.group_forms import KIND_HINTS, GroupForm, ParticipantForm, SessionForm
from mhst.sessions.group_lookup import audit_group_read, group_or_404, with_children
from mhst.sessions.group_models import (
    GroupAudience,
    GroupKind,
    GroupProgramme,
    GroupSession,
)

bp = Blueprint("groups", __name__, url_prefix="/groups")


def _place(group: GroupProgramme) -> str:
    if group.is_virtual and group.school is not None:
        return f"Virtual ({group.school.name})"
    return "Virtual" if group.is_virtual else group.school.name


def _render(template: str, status: int = 200, **context):
    html = render_audited(
        template,
        place=_place,
        participant_name=operations.participant_name,
        access_rule=group_access.ACCESS_RULE,
        **context,
    )
    return html, status


# ---- the list -------------------------------------------------------------------------


@bp.get("/")
@requires(Permission.VIEW_GROUPS)
def index():
    stmt = (
        select(GroupProgramme)
        .where(scoping.scope(current_user, GroupProgramme))
        .options(joinedload(GroupProgramme.school), joinedload(GroupProgramme.team))
        .order_by(GroupProgramme.created_at.desc(), GroupProgramme.id.desc())
    )
    page = paginate(stmt)
    return _render(
        "sessions/groups/index.html",
        page=page,
        tallies=group_access.group_tallies(page.items),
        show_team=scoping.reach(current_user, scoping.Kind.TEAM) is scoping.Reach.ALL,
        can_manage=has_permission(current_user, Permission.MANAGE_GROUPS),
    )


# ---- setting a group up ---------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_GROUPS)
def new():
    facilitators = (
        operations.facilitator_choices(current_user.team_id) if current_user.team_id else []
    )
    form = GroupForm()
    form.set_choices(facilitators)
    schools = offer_schools(
        current_user, form.school_id, first=("", "None: the group meets online only")
    )
    if not form.is_submitted():
        form.facilitator_ids.data = [str(current_user.id)]
    if not narrowing_requested() and form.validate_on_submit():
        sent = submit_once(
            form,
            operations.create_group,
            form.details(),
            by=current_user,
            user=current_user,
            result_url=lambda group: url_for(".show", group_id=group.id),
        )
        if not failed(sent):
            if not sent.repeated:
                title = sent.record.title
                flash(f"Group '{title}' set up. Add its participants next.", "success")
            return redirect(sent.url)
    return _render(
        "sessions/groups/form.html",
        400 if form.errors else 200,
        form=form,
        kind_hints=KIND_HINTS,
        school_choice=schools,
    )


# ---- the group's page -----------------------------------------------------------------


@bp.get("/<int:group_id>")
@requires(Permission.VIEW_GROUPS)
def show(group_id: int):
    group = group_or_404(
        group_id,
        selectinload(GroupProgramme.facilitators),
        with_children(),
        selectinload(GroupProgramme.sessions).selectinload(GroupSession.attendances),
    )
    participants = list(group.participants)
    sessions = [session for session in group.sessions if not session.in_error]
    attendance = {
        (a.session_id, a.participant_id): a.attended
        for session in sessions
        for a in session.attendances
    }
    audit_group_read(group, [p.referral for p in participants])
    return _render(
        "sessions/groups/show.html",
        group=group,
        participants=participants,
        sessions=sessions,
        in_error=[session for session in group.sessions if session.in_error],
        attendance=attendance,
        tally=group_access.group_tallies([group])[group.id],
        targeted=group.kind is GroupKind.TARGETED,
        can_manage=has_permission(current_user, Permission.MANAGE_GROUPS),
    )


# ---- participants ---------------------------------------------------------------------


@bp.route("/<int:group_id>/participants", methods=["GET", "POST"])
@requires(Permission.MANAGE_GROUPS)
def participants(group_id: int):
    group = group_or_404(group_id)
    if group.kind is not GroupKind.TARGETED:
        # A universal group names nobody; a crafted POST changes nothing.
        record(AuditAction.READ, AuditRecordType.GROUP, group.id, user=current_user)
        status = 400 if request.method == "POST" else 200
        return _render("sessions/groups/participants.html", status, group=group, form=None)
    candidates = operations.candidate_referrals(group)
    form = ParticipantForm()
    form.set_choices(candidates)
    if not form.is_submitted():
        form.as_parent.data = group.audience is GroupAudience.PARENTS
    elif earlier := earlier_url(form):  # sent twice: the child is no longer a choice
        return redirect(earlier)
    if form.validate_on_submit():
        referral = scoping.get_or_404(current_user, Referral, int(form.referral_id.data))
        sent = submit_once(
            form,
            operations.add_participant,
            group,
            referral,
            as_parent=bool(form.as_parent.data),
            by=current_user,
            user=current_user,
            result_url=lambda participant: url_for(".show", group_id=group.id),
        )
        if not failed(sent):
            if not sent.repeated:
                # The session cookie carries flashed messages: no child's name in them.
                who = "A parent or carer" if sent.record.as_parent else "A child"
                flash(f"{who} added to the group ({referral.reference}).", "success")
            return redirect(sent.url)
        candidates = operations.candidate_referrals(group)  # the failure rolled back
    audit_group_read(group, candidates)
    return _render(
        "sessions/groups/participants.html",
        400 if form.errors else 200,
        group=group,
        form=form,
        has_candidates=bool(candidates),
    )


# ---- sessions -------------------------------------------------------------------------


def _rooms(group: GroupProgramme):
    """The rooms a session of ``group`` may be held in: its school's, unless it meets
    online."""
    if group.is_virtual or group.school_id is None:
        return []
    return booking.school_rooms(group.school_id)


@bp.route("/<int:group_id>/sessions/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_GROUPS)
def record_session(group_id: int):
    group = group_or_404(group_id, with_children())
    participants = list(group.participants)
    form = SessionForm()
    form.set_group(group, participants, _rooms(group))
    if form.validate_on_submit():
        sent = submit_once(
            form,
            operations.record_session,
            group,
            held_on=form.held_on.data,
            topic=form.topic.data,
            attended_ids=form.attended_ids(),
            head_count=form.head_count.data,
            timing=form.timing(),
            by=current_user,
            user=current_user,
            result_url=lambda session: url_for(".show", group_id=group.id),
        )
        if not failed(sent):
            if not sent.repeated:
                flash(f"Session on {format_date(sent.record.held_on)} recorded.", "success")
            return redirect(sent.url)
        group = group_or_404(group_id, with_children())  # the failure rolled back
        participants = list(group.participants)
    audit_group_read(group, [p.referral for p in participants])
    return _render(
        "sessions/groups/record_session.html",
        400 if form.errors else 200,
        group=group,
        form=form,
        participants=participants,
        targeted=group.kind is GroupKind.TARGETED,
    )
