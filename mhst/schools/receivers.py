"""What the schools package adds to pages of the packages below it (``mhst.core.signals``).

Cohorts sit below schools (a school joins a cohort) and never import them: the cohort
pages ask, through a signal, for the schools in each cohort, and these receivers answer.
They are connected when this module is imported (by the app factory).
"""

from __future__ import annotations

from sqlalchemy import func, select

from mhst.core import signals
from mhst.extensions import db
from mhst.schools.models import School
from mhst.security import scoping


@signals.cohort_list_page.connect
def _cohort_totals(_sender, **_) -> dict:
    """How many schools, and pupils on roll, each cohort has."""
    return {
        "totals": {
            cohort_id: (schools, pupils)
            for cohort_id, schools, pupils in db.session.execute(
                select(
                    School.cohort_id,
                    func.count(School.id),
                    func.coalesce(func.sum(School.pupils_on_roll), 0),
                )
                .where(School.cohort_id.is_not(None))
                .group_by(School.cohort_id)
            )
        }
    }


@signals.cohort_page.connect
def _cohort_schools(cohort, *, user, **_) -> dict:
    """The schools in the cohort, and which of them ``user`` may open."""
    schools = db.session.scalars(
        select(School)
        .where(School.cohort_id == cohort.id)
        .options(db.joinedload(School.team), db.joinedload(School.area))
        .order_by(School.name, School.id)
    ).all()
    # Every member of staff may see who is in a cohort; links go only to the schools
    # whose own page this user may open.
    linkable = set(
        db.session.scalars(
            select(School.id).where(School.cohort_id == cohort.id, scoping.scope(user, School))
        )
    )
    return {
        "schools": schools,
        "linkable": linkable,
        "pupils": sum(school.pupils_on_roll or 0 for school in schools),
    }
