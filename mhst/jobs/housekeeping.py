"""The scheduled housekeeping: job files past their retention, old sign-in sessions and
dormant accounts. Each returns how many it dealt with (logged by the task)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery.schedules import crontab
from flask import current_app
from sqlalchemy import delete, or_, select, update

from mhst.accounts import dormancy
from mhst.accounts.models import SignInSession
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.jobs.models import BackgroundJob
from mhst.jobs.runner import job_files_dir
from mhst.jobs.schedule import scheduled

log = logging.getLogger(__name__)


@scheduled("delete-expired-job-files", crontab(minute=30))
def delete_expired_job_files(now: datetime | None = None) -> int:
    """Delete the files of jobs finished more than JOB_FILES_RETENTION_DAYS ago; the row
    stays (it says what was made, and when), without its file."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["JOB_FILES_RETENTION_DAYS"])
    expired = db.session.execute(
        select(BackgroundJob.id, BackgroundJob.stored_name).where(
            BackgroundJob.finished_at < cutoff, BackgroundJob.stored_name.is_not(None)
        )
    ).all()
    folder = job_files_dir()
    for row in expired:
        (folder / row.stored_name).unlink(missing_ok=True)
    if expired:
        db.session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id.in_([row.id for row in expired]))
            .values(stored_name=None)
        )
    return len(expired)


@scheduled("delete-old-sign-in-sessions", crontab(minute=45, hour=2))
def delete_old_sign_in_sessions(now: datetime | None = None) -> int:
    """Delete sign-in sessions that ended (or began, so are long over) more than
    SIGN_IN_SESSION_RETENTION_DAYS ago. Sign-ins themselves stay in the audit log."""
    cutoff = (now or utcnow()) - timedelta(
        days=current_app.config["SIGN_IN_SESSION_RETENTION_DAYS"]
    )
    result = db.session.execute(
        delete(SignInSession).where(
            or_(SignInSession.ended_at < cutoff, SignInSession.started_at < cutoff)
        )
    )
    return result.rowcount


@scheduled("disable-dormant-accounts", crontab(minute=15, hour=3))
def disable_dormant_accounts() -> int:
    """``flask accounts disable-dormant``, daily."""
    return len(dormancy.disable_dormant())
