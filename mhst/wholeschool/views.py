"""Whole-school activities: staff log them against a school; the school's lead sees them.

The pages live under /schools/<id>/activities so their addresses read well; the school
is always fetched through scoping first, and an activity only through its school.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mhst.core.formatting import format_date
from mhst.core.forms import commit_operation, failed
from mhst.core.pagination import paginate
from mhst.core.submissions import REPEATED_MESSAGE, submit_once
from mhst.extensions import db
from mhst.schools.models import School
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires
from mhst.wholeschool import operations
from mhst.wholeschool.forms import ActivityForm
from mhst.wholeschool.models import ActivityKind, Principle, WholeSchoolActivity

bp = Blueprint("wholeschool", __name__)


def _activity_or_404(school: School, activity_id: int) -> WholeSchoolActivity:
    activity = db.session.scalars(
        select(WholeSchoolActivity).where(
            WholeSchoolActivity.id == activity_id, WholeSchoolActivity.school_id == school.id
        )
    ).one_or_none()
    if activity is None:
        abort(404)
    return activity


def _details(form: ActivityForm) -> operations.ActivityDetails:
    return operations.ActivityDetails(
        kind=ActivityKind(form.kind.data),
        other_kind=form.other_kind.data,
        held_on=form.held_on.data,
        theme=form.theme.data,
        delivered_by=form.delivered_by.data,
        attendance=form.attendance.data,
        principles=[Principle(value) for value in form.principles.data],
        notes=form.notes.data,
        campaign_id=form.campaign(),
    )


@bp.get("/schools/<int:school_id>/activities")
@requires(Permission.VIEW_WHOLE_SCHOOL_ACTIVITY)
def index(school_id: int):
    school = scoping.get_or_404(current_user, School, school_id)
    stmt = (
        select(WholeSchoolActivity)
        .where(WholeSchoolActivity.school_id == school.id)
        .options(db.selectinload(WholeSchoolActivity.principle_links))
        .order_by(WholeSchoolActivity.held_on.desc(), WholeSchoolActivity.id.desc())
    )
    return render_template(
        "wholeschool/index.html",
        school=school,
        page=paginate(stmt),
        totals=operations.totals_by_kind(school.id),
        can_log=has_permission(current_user, Permission.LOG_WHOLE_SCHOOL_ACTIVITY),
    )


@bp.route("/schools/<int:school_id>/activities/new", methods=["GET", "POST"])
@requires(Permission.LOG_WHOLE_SCHOOL_ACTIVITY)
def new(school_id: int):
    school = scoping.get_or_404(current_user, School, school_id)
    form = ActivityForm()
    form.set_campaign_choices()
    if form.validate_on_submit():
        result = submit_once(
            form,
            operations.log_activity,
            school,
            _details(form),
            by=current_user,
            result_url=lambda _: url_for(".index", school_id=school.id),
            user=current_user,
        )
        if not failed(result):
            activity = result.record
            flash(
                REPEATED_MESSAGE
                if result.repeated
                else f"{activity.kind_label} on {format_date(activity.held_on)} logged.",
                "success",
            )
            return redirect(result.url)
    return render_template("wholeschool/form.html", school=school, form=form, activity=None), (
        400 if form.errors else 200
    )


@bp.route("/schools/<int:school_id>/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@requires(Permission.LOG_WHOLE_SCHOOL_ACTIVITY)
def edit(school_id: int, activity_id: int):
    school = scoping.get_or_404(current_user, School, school_id)
    activity = _activity_or_404(school, activity_id)
    form = ActivityForm(
        data=None
        if request.method == "POST"
        else {
            "kind": activity.kind.value,
            "other_kind": activity.other_kind,
            "held_on": activity.held_on,
            "theme": activity.theme,
            "delivered_by": activity.delivered_by,
            "attendance": activity.attendance,
            "principles": [p.value for p in activity.principles],
            "notes": activity.notes,
            "campaign_id": str(activity.campaign_id or ""),
        }
    )
    form.set_campaign_choices(keep=activity.campaign_id)
    if form.validate_on_submit():
        result = commit_operation(
            form, operations.update_activity, activity, _details(form), by=current_user
        )
        if not failed(result):
            flash(f"Changes to the activity on {format_date(activity.held_on)} saved.", "success")
            return redirect(url_for(".index", school_id=school.id))
    return render_template("wholeschool/form.html", school=school, form=form, activity=activity), (
        400 if form.errors else 200
    )
