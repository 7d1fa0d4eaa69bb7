"""Query helpers that limit every lookup to what the signed-in user may see.

Fetch records *through* these clauses, never by bare id: an id outside the user's
school, team or caseload gives 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import ColumnElement, false, select, true

from mhst.accounts.models import Role, User
from mhst.extensions import db
from mhst.schools.models import School

Model = TypeVar("Model")

SERVICE_WIDE_ROLES = frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD})


def school_scope(user: User, school_id_column) -> ColumnElement[bool]:
    """A WHERE clause limiting ``school_id_column`` to the schools ``user`` works with.

    Administrators and clinical leads cover the whole service; EMHPs and senior
    clinicians their team's schools; a school's lead only their own school.
    """
    if user.role in SERVICE_WIDE_ROLES:
        return true()
    if user.role is Role.SCHOOL_MENTAL_HEALTH_LEAD:
        return school_id_column == user.school_id if user.school_id else false()
    if user.role is Role.COMMISSIONER or user.team_id is None:
        return false()
    team_schools = select(School.id).where(School.team_id == user.team_id)
    return school_id_column.in_(team_schools.scalar_subquery())


def team_scope(user: User, team_id_column) -> ColumnElement[bool]:
    """A WHERE clause limiting ``team_id_column`` to the teams ``user`` works in."""
    if user.role in SERVICE_WIDE_ROLES:
        return true()
    if user.role in (Role.SCHOOL_MENTAL_HEALTH_LEAD, Role.COMMISSIONER) or user.team_id is None:
        return false()
    return team_id_column == user.team_id


def get_in_scope_or_404(model: type[Model], record_id: int, scope: ColumnElement[bool]) -> Model:
    """Fetch one ``model`` row by id within ``scope``; anything else is a 404."""
    found = db.session.scalars(select(model).where(model.id == record_id, scope)).one_or_none()
    if found is None:
        abort(404)
    return found


def get_school_or_404(user: User, school_id: int) -> School:
    return get_in_scope_or_404(School, school_id, school_scope(user, School.id))
