"""Which rows a report counts: its filters as WHERE clauses, one function per kind of row.

The filters are resolved in ``mhst.reports.filters``; a viewer whose reach the scoping
policy limits to one team (``ReportAccess.team_id``, a senior clinician's) is held to
it here as well, whatever the filters say.

* Referrals (and what hangs off them: contacts, cases, measures) by their school: its
  area (``School.area_id``), team (``School.team_id``) and the school itself.
* Groups by the group's team; a group in a school also by that school and its area; a
  virtual group by its team only (a school filter leaves it out, an area filter uses the
  team's area).
* Whole-school activities by their school.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select, true

from mhst.core.formatting import format_period
from mhst.organisation.models import Team
from mhst.reports.filters import ReportAccess, ReportFilters
from mhst.schools.models import School
from mhst.sessions.group_models import GroupProgramme


def _teams(filters: ReportFilters, access: ReportAccess) -> list[int]:
    """The team ids the report is limited to (empty: no team limit)."""
    return [team for team in (filters.team_id, access.team_id) if team is not None]


def school_clause(school_column, filters: ReportFilters, access: ReportAccess):
    """``school_column`` (a school id) within the filters' area, team and school."""
    conditions = []
    if filters.school_id is not None:
        conditions.append(school_column == filters.school_id)
    schools = select(School.id)
    limited = False
    if filters.area_id is not None:
        schools, limited = schools.where(School.area_id == filters.area_id), True
    for team_id in _teams(filters, access):
        schools, limited = schools.where(School.team_id == team_id), True
    if limited:
        conditions.append(school_column.in_(schools))
    return and_(true(), *conditions)


def group_clause(filters: ReportFilters, access: ReportAccess) -> ColumnElement[bool]:
    """Groups within the filters (see the module docstring)."""
    conditions = [GroupProgramme.team_id == team_id for team_id in _teams(filters, access)]
    if filters.school_id is not None:
        conditions.append(
            and_(
                GroupProgramme.is_virtual.is_(False), GroupProgramme.school_id == filters.school_id
            )
        )
    if filters.area_id is not None:
        in_area_school = GroupProgramme.school_id.in_(
            select(School.id).where(School.area_id == filters.area_id)
        )
        in_area_team = GroupProgramme.team_id.in_(
            select(Team.id).where(Team.area_id == filters.area_id)
        )
        conditions.append(
            or_(
                and_(GroupProgramme.is_virtual.is_(False), in_area_school),
                and_(GroupProgramme.is_virtual.is_(True), in_area_team),
            )
        )
    return and_(true(), *conditions)


def period(filters: ReportFilters) -> str:
    return f"from {format_period(filters.date_from, filters.date_to)}"
