"""Choosing a school on a form without a select of every school in the country (issue 14).

A user whose scope holds few schools (:data:`NARROW_ABOVE` or fewer) chooses from one
plain select of them. Above that, the choice narrows as the report filters do: an area,
then a team with schools in it, then one of that team's schools. The "Show schools"
button sends the form back to list them, saving nothing and keeping everything typed, so
it works without JavaScript (a GET link may narrow too: ``?school_area=3&school_team=7``).

The list is always scoped (:func:`mhst.security.scoping.scope`): a school outside the
user's reach is never offered, so the form refuses it as not in the list. The school
already chosen stays a choice and, when no area or team is chosen, picks its own. Five
queries at most, whatever the number of schools.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import request
from sqlalchemy import and_, func, or_, select
from wtforms.validators import Optional

from mhst.core.forms import BaseForm, SelectField, choices
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from mhst.schools.models import School
from mhst.security import scoping

NARROW_ABOVE = 50  # a scope with more schools than this chooses area, team, then school
NARROW_BUTTON = "narrow-schools"  # the name of the "Show schools" button
NO_TEAM = "none"  # the team choice for an area's schools that have no team


class NarrowSchoolsForm(BaseForm):
    """The area and team that narrow a form's school choice: a form of its own, beside
    the main one in the same <form>, so it never carries the main form's errors."""

    school_area = SelectField("Area", validators=[Optional()])
    school_team = SelectField("Team", validators=[Optional()])


@dataclass
class SchoolChoice:
    """The schools offered, by their id as the form sends it, and the narrowing fields
    (None when the user's scope is small enough for one plain select)."""

    schools: dict[str, School]
    narrowing: NarrowSchoolsForm | None = None

    def get(self, value: str | None) -> School | None:
        return self.schools.get(value or "")


def narrowing_requested() -> bool:
    """Whether the form was sent by its "Show schools" button: show it again, narrowed,
    with everything typed kept, and save nothing."""
    return request.method == "POST" and NARROW_BUTTON in request.form


def offer_schools(
    user,
    field,
    *,
    first: tuple[str, str] | None = ("", "Select a school"),
    keep: School | None = None,
    label: Callable[[School], str] = lambda school: school.name,
) -> SchoolChoice:
    """Set ``field``'s choices to the schools in ``user``'s scope, narrowed when there are
    many. ``keep`` stays a choice even out of scope (a child's school before a move)."""
    scope = scoping.scope(user, School)
    count = db.session.scalar(select(func.count(School.id)).where(scope))
    if count <= NARROW_ABOVE:
        found = db.session.scalars(select(School).where(scope).order_by(School.name, School.id))
        result = SchoolChoice({str(school.id): school for school in found})
    else:
        narrowing = NarrowSchoolsForm(
            formdata=request.form if request.method == "POST" else request.args
        )
        chosen = _chosen(field.data, scope, keep)
        result = SchoolChoice(_narrowed(user, scope, narrowing, chosen), narrowing)
    if keep is not None:
        result.schools.setdefault(str(keep.id), keep)
    field.choices = choices(
        [*([first] if first else []), *((key, label(s)) for key, s in result.schools.items())]
    )
    return result


def _chosen(value, scope, keep: School | None) -> School | None:
    """The school already chosen on the form, if the user may choose it."""
    value = str(value or "").strip()
    if not value.isdigit() or len(value) > 9:
        return None
    if keep is not None and keep.id == int(value):
        return keep
    return db.session.scalars(select(School).where(School.id == int(value), scope)).one_or_none()


def _narrowed(user, scope, narrowing: NarrowSchoolsForm, chosen: School | None):
    """Fill the area and team choices; the schools of the chosen team (and area), and the
    school already chosen. An area or team not offered is dropped, not an error."""
    area_field, team_field = narrowing.school_area, narrowing.school_team
    if not area_field.data and not team_field.data and chosen is not None:
        area_field.data = str(chosen.area_id or "")
        team_field.data = str(chosen.team_id or NO_TEAM)
    areas = select(ServiceArea.id, ServiceArea.name).order_by(ServiceArea.name, ServiceArea.id)
    if scoping.reach(user, scoping.Kind.SCHOOL) is not scoping.Reach.ALL:
        areas = areas.where(ServiceArea.id.in_(select(School.area_id).where(scope)))
    area_field.choices = choices([("", "All areas"), *db.session.execute(areas)])
    area = _offered(area_field)

    in_area = scope if area is None else and_(scope, School.area_id == int(area))
    teams = select(Team.id, Team.name).where(Team.id.in_(select(School.team_id).where(in_area)))
    no_team = [(NO_TEAM, "Schools with no team")] if area is not None else []
    team_field.choices = choices(
        [("", "Select a team"), *db.session.execute(teams.order_by(Team.name, Team.id)), *no_team]
    )
    team = _offered(team_field)

    if team is None:
        listed = None
    elif team == NO_TEAM:
        listed = and_(in_area, School.team_id.is_(None))
    else:
        listed = and_(in_area, School.team_id == int(team))
    if chosen is not None:
        listed = School.id == chosen.id if listed is None else or_(listed, School.id == chosen.id)
    if listed is None:
        return {}
    found = db.session.scalars(select(School).where(listed).order_by(School.name, School.id))
    return {str(school.id): school for school in found}


def _offered(field) -> str | None:
    """The field's value if it is one of its choices; otherwise it is dropped."""
    if field.data and str(field.data) in {choice.value for choice in field.choices}:
        return str(field.data)
    field.data = ""
    return None
