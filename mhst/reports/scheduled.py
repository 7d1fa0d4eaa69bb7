"""The report summaries rebuilt nightly by the job worker's beat: a safety net under the
summaries kept in each change's transaction (``mhst.reports.fact_sync``), and what puts
right any row written outside the app (a restore, a hand-made fix)."""

from __future__ import annotations

from celery.schedules import crontab

from mhst.jobs.schedule import scheduled
from mhst.reports.facts import recompute_all


@scheduled("refresh-report-summaries", crontab(minute=0, hour=4))
def refresh_report_summaries() -> str:
    """Replace every summary row with one computed from the raw rows (at 04:00, when
    the service is quiet: changes made meanwhile wait for it)."""
    recompute_all()
    return "report summaries rebuilt"
