"""Cohorts: list, create and edit; the schools and teams in each."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mhst.cohorts import operations
from mhst.cohorts.forms import CohortForm
from mhst.cohorts.models import Cohort
from mhst.core import signals
from mhst.core.academic_year import academic_year_label
from mhst.core.forms import choices, commit_operation, failed
from mhst.core.submissions import REPEATED_MESSAGE, submit_once
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.security.permissions import Permission, has_permission, requires

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


def _get_cohort_or_404(cohort_id: int) -> Cohort:
    """Cohorts are organisational data: every member of staff may see each one."""
    cohort = db.session.scalars(
        select(Cohort).where(Cohort.id == cohort_id).options(db.selectinload(Cohort.teams))
    ).one_or_none()
    if cohort is None:
        abort(404)
    return cohort


def _teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


@bp.get("/")
@requires(Permission.VIEW_COHORTS)
def index():
    cohorts = db.session.scalars(
        select(Cohort)
        .options(db.selectinload(Cohort.teams))
        .order_by(Cohort.academic_year.desc(), Cohort.go_live_date, Cohort.name)
    ).all()
    # The schools and pupils in each come from the schools package (it builds on cohorts).
    responses = signals.cohort_list_page.send(None, cohorts=cohorts, user=current_user)
    return render_template(
        "cohorts/index.html",
        cohorts=cohorts,
        **signals.values_from_signal(responses, {"totals": {}}),
        academic_year_label=academic_year_label,
        can_manage=has_permission(current_user, Permission.MANAGE_COHORTS),
    )


@bp.get("/<int:cohort_id>")
@requires(Permission.VIEW_COHORTS)
def show(cohort_id: int):
    cohort = _get_cohort_or_404(cohort_id)
    responses = signals.cohort_page.send(cohort, user=current_user)
    return render_template(
        "cohorts/show.html",
        cohort=cohort,
        **signals.values_from_signal(
            responses, {"schools": [], "linkable": set(), "pupils": 0, "plan_decisions": []}
        ),
        academic_year_label=academic_year_label,
        can_manage=has_permission(current_user, Permission.MANAGE_COHORTS),
    )


def _save(form: CohortForm, teams: list[Team], cohort: Cohort | None):
    """Validate and save the form: the saved cohort (a new one as ``Submitted``: made once
    per form), or None to show the form again."""
    form.team_ids.choices = choices((team.id, team.name) for team in teams)
    if not form.validate_on_submit():
        return None
    chosen = [team for team in teams if str(team.id) in set(form.team_ids.data)]
    values = {
        "name": form.name.data,
        "academic_year": form.academic_year_start,
        "go_live_date": form.go_live_date.data,
        "teams": chosen,
        "by": current_user,
    }
    if cohort is None:  # once per form, however often it is sent
        result = submit_once(
            form,
            operations.create_cohort,
            **values,
            result_url=lambda made: url_for(".show", cohort_id=made.id),
            user=current_user,
        )
    else:
        result = commit_operation(form, operations.update_cohort, cohort, **values)
    return None if failed(result) else result


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_COHORTS)
def new():
    form = CohortForm()
    result = _save(form, _teams(), None)
    if result is not None:
        flash(
            REPEATED_MESSAGE if result.repeated else f"Cohort {result.record.name} added.",
            "success",
        )
        return redirect(result.url)
    return render_template("cohorts/new.html", form=form), 400 if form.errors else 200


@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_COHORTS)
def edit(cohort_id: int):
    cohort = _get_cohort_or_404(cohort_id)
    if request.method == "POST":
        form = CohortForm()
    else:
        form = CohortForm(
            data={
                "name": cohort.name,
                "academic_year": academic_year_label(cohort.academic_year),
                "go_live_date": cohort.go_live_date,
                "team_ids": [str(team.id) for team in cohort.teams],
            }
        )
    saved = _save(form, _teams(), cohort)
    if saved is not None:
        flash(f"Changes to cohort {saved.name} saved.", "success")
        return redirect(url_for(".show", cohort_id=saved.id))
    return render_template("cohorts/edit.html", form=form, cohort=cohort), (
        400 if form.errors else 200
    )
