"""Rules for cohorts: a unique name, a go-live date inside the cohort's academic year,
and at least one team. Views call these; they do not commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select

from mhst.accounts.models import User
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.cohorts.models import Cohort
from mhst.core.academic_year import FIRST_MONTH, academic_year_end, academic_year_label
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.organisation.models import Team

# The academic years a cohort may belong to (MHSTs began in 2018/19).
FIRST_ACADEMIC_YEAR = 2000
LAST_ACADEMIC_YEAR = 2098


def _check(
    cohort: Cohort | None,
    *,
    name: str,
    academic_year: int,
    go_live_date: date,
    teams: Sequence[Team],
) -> str:
    name = name.strip()
    if not name:
        raise RuleError("name", "Enter the cohort's name or number")
    same_name = select(Cohort.id).where(func.lower(Cohort.name) == name.lower())
    if cohort is not None and cohort.id is not None:
        same_name = same_name.where(Cohort.id != cohort.id)
    if db.session.scalar(same_name) is not None:
        raise RuleError("name", "A cohort with this name already exists")
    if not FIRST_ACADEMIC_YEAR <= academic_year <= LAST_ACADEMIC_YEAR:
        raise RuleError(
            "academic_year",
            f"Enter an academic year from {academic_year_label(FIRST_ACADEMIC_YEAR)} "
            f"to {academic_year_label(LAST_ACADEMIC_YEAR)}",
        )
    start, end = date(academic_year, FIRST_MONTH, 1), academic_year_end(academic_year)
    if not start <= go_live_date <= end:
        raise RuleError(
            "go_live_date",
            f"The go-live date must be in the academic year {academic_year_label(academic_year)}"
            f", from 1 September {academic_year} to 31 August {academic_year + 1}",
        )
    if not teams:
        raise RuleError("team_ids", "Select at least one team")
    return name


def _detail(cohort: Cohort) -> str:
    teams = ", ".join(team.name for team in cohort.teams)
    return (
        f"{cohort.name}, {academic_year_label(cohort.academic_year)}, "
        f"go-live {cohort.go_live_date.isoformat()}, teams: {teams}"
    )


def create_cohort(
    *, name: str, academic_year: int, go_live_date: date, teams: Sequence[Team], by: User
) -> Cohort:
    name = _check(
        None, name=name, academic_year=academic_year, go_live_date=go_live_date, teams=teams
    )
    cohort = Cohort(
        name=name,
        academic_year=academic_year,
        go_live_date=go_live_date,
        teams=sorted(teams, key=lambda team: team.name),
    )
    db.session.add(cohort)
    db.session.flush()
    audit.record(
        AuditAction.CREATE, AuditRecordType.COHORT, cohort.id, user=by, detail=_detail(cohort)
    )
    return cohort


def update_cohort(
    cohort: Cohort,
    *,
    name: str,
    academic_year: int,
    go_live_date: date,
    teams: Sequence[Team],
    by: User,
) -> Cohort:
    name = _check(
        cohort, name=name, academic_year=academic_year, go_live_date=go_live_date, teams=teams
    )
    cohort.name, cohort.academic_year, cohort.go_live_date = name, academic_year, go_live_date
    cohort.teams = sorted(teams, key=lambda team: team.name)
    db.session.flush()
    audit.record(
        AuditAction.UPDATE, AuditRecordType.COHORT, cohort.id, user=by, detail=_detail(cohort)
    )
    return cohort
