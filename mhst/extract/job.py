"""The national extract as a background job: the ZIP written to the job's file, with
the extract's audit events (one for the extract, one per exported referral)."""

from __future__ import annotations

from datetime import date

from mhst.core.time import utcnow
from mhst.extract.package import audit_extract, write_extract
from mhst.extract.period import Period
from mhst.extract.pseudonyms import Pseudonymiser
from mhst.jobs.registry import JobRun, job_kind
from mhst.security.permissions import Permission

KIND = "national_extract"


def parameters(period: Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


def period_of(parameters: dict) -> Period:
    return Period(date.fromisoformat(parameters["start"]), date.fromisoformat(parameters["end"]))


@job_kind(
    KIND,
    title="National data extract",
    permission=Permission.DOWNLOAD_NATIONAL_EXTRACT,
    unit="records",
    suffix=".zip",
    mimetype="application/zip",
    back_endpoint="extract.index",
    describe=lambda parameters: f"The extract for {period_of(parameters).label}",
)
def build(run: JobRun) -> str:
    period = period_of(run.parameters)
    written = write_extract(
        run.path, period, Pseudonymiser.from_config(), utcnow(), progress=run.progress
    )
    audit_extract(written, period, user=run.user)  # committed with the job's DONE status
    return written.filename
