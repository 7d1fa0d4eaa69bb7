"""Administrator pages for the service's areas and MHST teams."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from mhst.core.forms import choices, commit_operation, failed
from mhst.extensions import db
from mhst.organisation import operations
from mhst.organisation.forms import AreaForm, TeamContactForm, TeamForm
from mhst.organisation.models import ServiceArea, Team
from mhst.security import scoping
from mhst.security.permissions import Permission, requires

bp = Blueprint("organisation", __name__, url_prefix="/admin/organisation")


def _areas():
    return db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)).all()


def _render(area_form: AreaForm, team_form: TeamForm):
    areas = _areas()
    team_form.area_id.choices = choices([("", "Select an area")] + [(a.id, a.name) for a in areas])
    school_counts = dict(
        db.session.execute(select(Team.id, func.count()).join(Team.schools).group_by(Team.id)).all()
    )
    teams = db.session.scalars(
        select(Team).options(db.joinedload(Team.area)).order_by(Team.name)
    ).all()
    status = 400 if area_form.errors or team_form.errors else 200
    return render_template(
        "admin/organisation/index.html",
        areas=areas,
        teams=teams,
        school_counts=school_counts,
        area_form=area_form,
        team_form=team_form,
    ), status


@bp.get("/")
@requires(Permission.MANAGE_ORGANISATION)
def index():
    return _render(AreaForm(prefix="area"), TeamForm(prefix="team"))


@bp.post("/areas")
@requires(Permission.MANAGE_ORGANISATION)
def add_area():
    form = AreaForm(prefix="area")
    if form.validate():
        area = commit_operation(form, operations.create_area, form.name.data)
        if not failed(area):
            flash(f"Area {area.name} added.", "success")
            return redirect(url_for(".index"))
    return _render(form, TeamForm(prefix="team", formdata=None))


@bp.post("/teams")
@requires(Permission.MANAGE_ORGANISATION)
def add_team():
    form = TeamForm(prefix="team")
    form.area_id.choices = choices((a.id, a.name) for a in _areas())
    if form.validate():
        area = db.session.get(ServiceArea, int(form.area_id.data))
        team = commit_operation(form, operations.create_team, form.name.data, area)
        if not failed(team):
            flash(f"Team {team.name} added.", "success")
            return redirect(url_for(".index"))
    return _render(AreaForm(prefix="area", formdata=None), form)


@bp.route("/teams/<int:team_id>/contact", methods=["GET", "POST"])
@requires(Permission.MANAGE_ORGANISATION)
def team_contact(team_id: int):
    """The team's public phone and email, shown to families on the public schools list."""
    team = scoping.get_or_404(current_user, Team, team_id)
    if request.method == "POST":
        form = TeamContactForm()
    else:
        form = TeamContactForm(
            data={"public_phone": team.public_phone, "public_email": team.public_email}
        )
    if form.validate_on_submit():
        result = commit_operation(
            form,
            operations.set_team_contact,
            team,
            phone=form.public_phone.data,
            email=form.public_email.data,
        )
        if not failed(result):
            flash(f"Contact details of {team.name} saved.", "success")
            return redirect(url_for(".index"))
    return render_template("admin/organisation/team_contact.html", form=form, team=team), (
        400 if form.errors else 200
    )


from mhst.organisation import term_views  # noqa: E402, F401  (the area's term dates)
