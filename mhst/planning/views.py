"""The next-cohort planner: the weights page and the planner page (rank the waiting
schools by need, see a team's room, add the ticked schools to a cohort in one step)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mhst.cohorts.models import Cohort
from mhst.core.academic_year import academic_year_label
from mhst.core.forms import choices, commit_operation, failed
from mhst.core.submissions import REPEATED_MESSAGE, submit_once
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from mhst.planning import operations
from mhst.planning.forms import AddToCohortForm, WeightsForm
from mhst.planning.queries import (
    ALL_WAITING,
    INTEREST_ONLY,
    Filters,
    ranked_schools,
    running_totals,
    team_capacity,
)
from mhst.planning.score import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    EXPLANATIONS,
    FSM_FULL_AT,
    LABELS,
    SHORT_LABELS,
    Figures,
    Weights,
    need_score,
)
from mhst.security.permissions import Permission, requires

bp = Blueprint("planning", __name__, url_prefix="/planning")

# The design of one team: 8 WTE practitioners, about 8,000 pupils.
DEFAULT_TEAM_DESIGN_PUPILS = 8000
SHOW = {"interest": INTEREST_ONLY, "all": ALL_WAITING}
# An invented school for the weights page's worked example.
EXAMPLE = Figures(fsm_percent=30, imd_decile=2, low_wellbeing_percent=20, days_waiting=365)


def _design_pupils() -> int:
    return int(current_app.config.get("TEAM_DESIGN_PUPILS", DEFAULT_TEAM_DESIGN_PUPILS))


def _by_id(values: str | None, records: list) -> object | None:
    text = (values or "").strip()
    return next((r for r in records if str(r.id) == text), None) if text else None


def _filters(source: Mapping, areas: list, teams: list) -> tuple[Filters, dict[str, str]]:
    """The list's filters from the query (or the form's hidden copy); values that are not
    usable are reported and left out."""
    errors = {}
    show = source.get("show") or "interest"
    if show not in SHOW:
        errors["show"], show = "Choose which waiting schools to show", "interest"
    area, team = _by_id(source.get("area_id"), areas), _by_id(source.get("team_id"), teams)
    if source.get("area_id") and area is None:
        errors["area_id"] = "Choose an area from the list"
    if source.get("team_id") and team is None:
        errors["team_id"] = "Choose a team from the list"
    return Filters(SHOW[show], area.id if area else None, team), errors


def _add(form: AddToCohortForm, filters: Filters, cohorts: list[Cohort], teams: list[Team]):
    if not form.validate_on_submit():
        return None
    cohort = _by_id(form.cohort_id.data, cohorts)
    team = _by_id(form.serving_team_id.data, teams)
    result = submit_once(
        form,
        operations.add_to_cohort,
        form.school_ids.data,
        cohort=cohort,
        team=team,
        reason=form.reason.data,
        filters=filters,
        today=service_today(),
        by=current_user,
        result_url=lambda decision: url_for("cohorts.show", cohort_id=decision.cohort_id),
        user=current_user,
    )
    return None if failed(result) else result


@bp.route("/next-cohort", methods=["GET", "POST"])
@requires(Permission.MANAGE_COHORTS)
def next_cohort():
    today = service_today()
    areas = list(db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)))
    teams = list(db.session.scalars(select(Team).order_by(Team.name)))
    posted = request.method == "POST"
    source = request.args
    if posted:  # the list the schools were ticked on, as it was filtered
        source = {**request.form.to_dict(), "team_id": request.form.get("list_team_id")}
    filters, filter_errors = _filters(source, areas, teams)
    form = AddToCohortForm(
        data={
            "serving_team_id": str(filters.team.id) if filters.team else "",
            "show": "all" if filters.statuses == ALL_WAITING else "interest",
            "area_id": str(filters.area_id or ""),
            "list_team_id": str(filters.team.id) if filters.team else "",
        }
    )
    cohorts = list(operations.open_cohorts(today))
    form.cohort_id.choices = choices(
        [("", "Choose a cohort")] + [(c.id, _cohort_option(c)) for c in cohorts]
    )
    form.serving_team_id.choices = choices(
        [("", "Choose a team")] + [(t.id, t.name) for t in teams]
    )
    if posted:
        result = _add(form, filters, cohorts, teams)
        if result is not None:
            message = REPEATED_MESSAGE if result.repeated else _added_message(result.record)
            flash(message, "success")
            return redirect(result.url)
    weights_row = operations.current_weights()
    weights = operations.weights_in_use(weights_row)
    rows = ranked_schools(weights, filters, today)
    capacity = team_capacity(filters.team, _design_pupils()) if filters.team else None
    return render_template(
        "planning/next_cohort.html",
        form=form,
        filters=filters,
        filter_errors=filter_errors,
        area_options=[(area.id, area.name) for area in areas],
        team_options=[(team.id, team.name) for team in teams],
        weights=weights,
        weights_row=weights_row,
        planned=running_totals(rows, capacity),
        scores={row.school.id: need_score(row.figures, weights) for row in rows},
        capacity=capacity,
        labels=LABELS,
        short_labels=SHORT_LABELS,
        components=COMPONENTS,
        ticked=set(form.school_ids.data or []),
    ), 400 if form.errors else 200


def _cohort_option(cohort: Cohort) -> str:
    """A cohort's name with its academic year, unless the name already says it."""
    year = academic_year_label(cohort.academic_year)
    return cohort.name if year in cohort.name else f"{cohort.name} ({year})"


def _added_message(decision) -> str:
    count = len(decision.schools)
    schools = "1 school" if count == 1 else f"{count} schools"
    return f"{schools} added to {decision.cohort.name}, served by {decision.team.name}."


@bp.route("/weights", methods=["GET", "POST"])
@requires(Permission.MANAGE_COHORTS)
def weights():
    row = operations.current_weights()
    shown = operations.weights_in_use(row)
    if request.method == "POST":
        form = WeightsForm()
    else:
        form = WeightsForm(data={"version": row.number if row else 0, **shown.__dict__})
    if form.validate_on_submit():
        saved = commit_operation(
            form,
            operations.set_weights,
            Weights(**form.values()),
            based_on=form.version.read_version() if form.version.data else 0,
            by=current_user,
        )
        if not failed(saved):
            flash("The weights are saved: the planner ranks schools by them now.", "success")
            return redirect(url_for(".next_cohort"))
        row = operations.current_weights()  # someone else's, shown for the next try
        form.version.data = row.number if row else 0
    example_weights = Weights(**form.values()) if not form.errors else shown
    return render_template(
        "planning/weights.html",
        form=form,
        row=row,
        defaults=DEFAULT_WEIGHTS,
        labels=LABELS,
        explanations=EXPLANATIONS,
        short_labels=SHORT_LABELS,
        components=COMPONENTS,
        example=EXAMPLE,
        example_score=need_score(EXAMPLE, example_weights),
        fsm_full_at=FSM_FULL_AT,
        history=operations.weights_history(),
    ), 400 if form.errors else 200
