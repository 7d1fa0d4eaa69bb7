"""The demo's next-cohort planning: the need score's weights as a clinical lead set them,
a planned future cohort ("Cohort 2027/28") and one past decision that added the two
waiting schools of greatest need in City North's area to it, with the reason. Loading
again changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.cohorts.models import Cohort
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.planning import operations
from mhst.planning.models import NeedWeights
from mhst.planning.queries import ALL_WAITING, Filters, ranked_schools
from mhst.planning.score import DEFAULT_WEIGHTS

FUTURE_COHORT = "Cohort 2027/28"
FUTURE_YEAR = 2027
REASON = (
    "The highest need among the schools waiting in City North's area: agreed at the "
    "rollout planning meeting"
)


def load_planning() -> None:
    lead = db.session.scalars(select(User).filter_by(email="clinical.lead@mhst.example")).one()
    if db.session.scalar(select(NeedWeights.id).limit(1)) is None:
        operations.set_weights(DEFAULT_WEIGHTS, based_on=0, by=lead)
    if db.session.scalar(select(Cohort.id).filter_by(name=FUTURE_COHORT)) is not None:
        return
    teams = list(
        db.session.scalars(
            select(Team).where(Team.name.in_(("City North MHST", "County West MHST")))
        )
    )
    cohort = Cohort(
        name=FUTURE_COHORT,
        academic_year=FUTURE_YEAR,
        go_live_date=date(FUTURE_YEAR, 9, 13),
        teams=sorted(teams, key=lambda team: team.name),
    )
    db.session.add(cohort)
    db.session.flush()
    city_north = next(team for team in teams if team.name == "City North MHST")
    # Every waiting school of the team's area: interest registered, not participating, left.
    filters = Filters(ALL_WAITING, team=city_north)
    weights = operations.current_weights().as_weights()
    top = ranked_schools(weights, filters, service_today(), limit=2)
    if not top:
        return
    decision = operations.add_to_cohort(
        [row.school.id for row in top],
        cohort=cohort,
        team=city_north,
        reason=REASON,
        filters=filters,
        today=service_today(),
        by=lead,
    )
    decision.decided_at = utcnow() - timedelta(days=12)
