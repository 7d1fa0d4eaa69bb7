"""What a report is filtered by, and what each viewer may see.

Filters are checked here, not only in the form: a date range that ends before it starts
or reaches outside 2000 to 2099, or an area, team or school that does not exist or is
outside the viewer's reach, is a :class:`FilterError` (the page answers 400 with the
message), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select

from mhst.accounts.models import Role, User
from mhst.core.formatting import format_date
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from mhst.schools.models import School
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission


class FilterError(ValueError):
    """A filter value the report cannot use; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ReportFilters:
    """Dates are inclusive. ``None`` for area, team or school means all of them."""

    date_from: date
    date_to: date
    area_id: int | None = None
    team_id: int | None = None
    school_id: int | None = None


@dataclass(frozen=True)
class ReportAccess:
    """What a viewer's reports cover: ``team_id`` fixed for a senior clinician, and
    ``always_suppressed`` for a commissioner (every figure leaves the service)."""

    team_id: int | None
    always_suppressed: bool

    @classmethod
    def for_user(cls, user: User) -> ReportAccess:
        """A commissioner's figures cover the service, always suppressed; anyone else's
        the teams the scoping policy lets them reach in referrals (every team, or one)."""
        if not has_permission(user, Permission.VIEW_REPORTS):
            raise PermissionError(f"{user.role.label} has no reports")
        if user.role is Role.COMMISSIONER:
            return cls(team_id=None, always_suppressed=True)
        return cls(team_id=scoping.team_limit(user, scoping.Kind.REFERRAL), always_suppressed=False)


# The dates a report may cover: far wider than the service's records, but bounded so that
# a date like 31 12 9999 (which has no next day) cannot reach the SQL.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def financial_year_start(today: date) -> date:
    """1 April of the financial year ``today`` is in."""
    year = today.year if today.month >= 4 else today.year - 1
    return date(year, 4, 1)


def default_filters(access: ReportAccess, today: date | None = None) -> ReportFilters:
    """This financial year to date, across everything the viewer may see."""
    today = today or service_today()
    return ReportFilters(financial_year_start(today), today, team_id=access.team_id)


def resolve_filters(
    access: ReportAccess,
    *,
    date_from: date,
    date_to: date,
    area_id: int | None = None,
    team_id: int | None = None,
    school_id: int | None = None,
) -> ReportFilters:
    """Check the filters against the database and the viewer's reach (one query each for
    the ids given). A senior clinician's team is always their own."""
    if date_from < EARLIEST:
        raise FilterError("date_from", f"The start date must be {format_date(EARLIEST)} or later")
    if date_to > LATEST:
        raise FilterError("date_to", f"The end date must be {format_date(LATEST)} or earlier")
    if date_to < date_from:
        raise FilterError("date_to", "The end date must be the same as or after the start date")
    if access.team_id is not None:
        if team_id not in (None, access.team_id):
            raise FilterError("team_id", "Select a team from the list")
        team_id = access.team_id
    if area_id is not None and db.session.get(ServiceArea, area_id) is None:
        raise FilterError("area_id", "Select an area from the list")
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise FilterError("team_id", "Select a team from the list")
    if school_id is not None:
        school = db.session.get(School, school_id)
        if school is None or (access.team_id is not None and school.team_id != access.team_id):
            raise FilterError("school_id", "Select a school from the list")
    return ReportFilters(date_from, date_to, area_id, team_id, school_id)


def filter_choices(
    access: ReportAccess,
    *,
    area_id: int | None = None,
    team_id: int | None = None,
    school_id: int | None = None,
) -> dict[str, list[tuple[int, str]]]:
    """The areas, teams and schools the viewer may filter by (three queries), narrowed
    step by step so that no list is the whole country's schools: the teams of the chosen
    area (all teams when none is), and the schools of the chosen team only (none until a
    team is chosen; a senior clinician's team is always chosen). A team or school named
    in the URL stays a choice even outside the narrowed list, so older links still work;
    :func:`resolve_filters` checks it exists and is within reach."""
    teams = select(Team.id, Team.name).order_by(Team.name)
    if access.team_id is not None:
        teams = teams.where(Team.id == access.team_id)
    elif area_id is not None:
        teams = teams.where(or_(Team.area_id == area_id, Team.id == team_id))
    team = access.team_id if access.team_id is not None else team_id
    schools = select(School.id, School.name).order_by(School.name, School.id)
    chosen = School.id == school_id
    if access.team_id is not None:
        chosen = and_(chosen, School.team_id == access.team_id)
    schools = schools.where(chosen if team is None else or_(School.team_id == team, chosen))
    return {
        "area_id": [
            (row.id, row.name)
            for row in db.session.execute(
                select(ServiceArea.id, ServiceArea.name).order_by(ServiceArea.name)
            )
        ],
        "team_id": [(row.id, row.name) for row in db.session.execute(teams)],
        "school_id": [(row.id, row.name) for row in db.session.execute(schools)],
    }
