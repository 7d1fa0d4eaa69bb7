"""The school register's CSV as a background job: about 24,000 rows nationally, written
to the job's file in batches, with the register's usual columns and audit event."""

from __future__ import annotations

import csv

from sqlalchemy import select
from sqlalchemy.orm import aliased

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.cohorts.models import Cohort
from mhst.core.downloads import safe_cell
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.jobs.registry import JobRun, job_kind
from mhst.organisation.models import ServiceArea, Team
from mhst.schools.models import School
from mhst.security import scoping
from mhst.security.permissions import Permission

KIND = "school_register"
BATCH = 2000
EXPORT_COLUMNS = (
    "urn",
    "nhs_org_code",
    "name",
    "phase",
    "area",
    "local_authority",
    "pupils_on_roll",
    "team",
    "cohort",
    "participation_status",
)


def _rows(ids: list[int]):
    """One query: the batch's schools as CSV rows, in the register's order."""
    area, team, cohort = aliased(ServiceArea), aliased(Team), aliased(Cohort)
    for school in db.session.execute(
        select(
            School.urn,
            School.name,
            School.phase,
            area.name.label("area"),
            School.local_authority,
            School.pupils_on_roll,
            team.name.label("team"),
            cohort.name.label("cohort"),
            School.participation_status,
        )
        .join(area, area.id == School.area_id)
        .outerjoin(team, team.id == School.team_id)
        .outerjoin(cohort, cohort.id == School.cohort_id)
        .where(School.id.in_(ids))
        .order_by(School.name, School.id)
    ):
        yield (
            school.urn,
            f"EE{school.urn}",  # School.nhs_org_code
            school.name,
            school.phase.value if school.phase else "",
            school.area,
            school.local_authority or "",
            "" if school.pupils_on_roll is None else school.pupils_on_roll,
            school.team or "",
            school.cohort or "",
            school.participation_status.value,
        )


@job_kind(
    KIND,
    title="School register",
    permission=Permission.MANAGE_SCHOOLS,
    unit="schools",
    suffix=".csv",
    mimetype="text/csv",
    back_endpoint="schools.index",
    describe=lambda parameters: f"The school register as CSV, {parameters['day']}",
)
def build(run: JobRun) -> str:
    """The schools the user may see, as ``schools.index`` lists them (scoped)."""
    ids = list(
        db.session.scalars(
            select(School.id)
            .where(scoping.scope(run.user, School))
            .order_by(School.name, School.id)
        )
    )
    run.progress(0, len(ids))
    # The byte-order mark makes spreadsheets read non-ASCII names as UTF-8.
    with run.path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(EXPORT_COLUMNS)
        for start in range(0, len(ids), BATCH):
            for row in _rows(ids[start : start + BATCH]):
                writer.writerow([safe_cell(value) for value in row])
            run.progress(min(start + BATCH, len(ids)), len(ids))
    audit.record(  # committed with the job's DONE status (mhst.jobs.runner)
        AuditAction.EXPORT,
        AuditRecordType.SCHOOL_REGISTER,
        detail=f"{len(ids)} schools downloaded as CSV",
        user=run.user,
    )
    return f"school-register-{run.parameters['day']}.csv"


def parameters() -> dict:
    return {"day": service_today().isoformat()}
