"""The report summaries rebuilt nightly by the job worker's beat: a safety net under the
summaries kept in each change's transaction (``mhst.reports.fact_sync``), and what puts
right any row written outside the app (a restore, a hand-made fix)."""

from __future__ import annotations

from celery.schedules import crontab

from mhst.jobs.schedule import scheduled
from mhst.reports.rebuild import rebuild_summaries


@scheduled("refresh-report-summaries", crontab(minute=0, hour=4))
def refresh_report_summaries() -> str:
    """Replace every summary row with one computed from the raw rows (at 04:00, when
    the service is quiet), in short transactions: a change made meanwhile waits at most
    for the batch holding its referral or school (:mod:`mhst.reports.rebuild`)."""
    referrals, schools = rebuild_summaries()
    return f"report summaries rebuilt: {referrals} referrals, {schools} schools"
