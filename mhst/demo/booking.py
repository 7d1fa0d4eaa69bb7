"""What the demo's bookings need: each demo area's term dates (copied from the English
default for this academic year and the next) and rooms at each demo school."""

from __future__ import annotations

from sqlalchemy import select

from mhst.core.academic_year import academic_year_of
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.organisation import term_dates
from mhst.organisation.models import ServiceArea
from mhst.schools.models import School, SchoolRoom

ROOMS = ("Wellbeing room", "Room 12", "Library office")


def load_term_dates_and_rooms(areas: dict[str, ServiceArea], schools: dict[str, School]) -> None:
    this_year = academic_year_of(service_today())
    for area in areas.values():
        for year in (this_year, this_year + 1):
            if not term_dates.entered_closures(area.id, year):
                term_dates.copy_default(area, year, by=None)
    for school in schools.values():
        has_rooms = db.session.scalar(select(SchoolRoom.id).filter_by(school_id=school.id).limit(1))
        if has_rooms is None:
            db.session.add_all(SchoolRoom(school_id=school.id, name=name) for name in ROOMS)
    db.session.flush()
