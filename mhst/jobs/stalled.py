"""The sweep that fails the jobs whose worker stopped (killed, its machine restarted):
without it such a job would show "Preparing" for ever.

A running job's worker writes its heartbeat every JOB_HEARTBEAT_SECONDS
(:class:`mhst.jobs.runner.Heartbeat`); a running job with none for
JOB_STALLED_AFTER_SECONDS is failed with :data:`STOPPED_MESSAGE`, and a job still queued
after JOB_UNSTARTED_AFTER_SECONDS (its message lost with the broker) with
:data:`NOT_STARTED_MESSAGE`. Its partial file is deleted; its page offers to ask again.
Each is one conditional UPDATE, so a job that beats (or starts) meanwhile is left alone,
and a worker that was only slow finds its job failed and discards its result.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, update

from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.jobs.models import NOT_STARTED_MESSAGE, STOPPED_MESSAGE, BackgroundJob, JobStatus
from mhst.jobs.runner import job_files_dir
from mhst.jobs.schedule import scheduled

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)


def is_stalled(
    status: JobStatus,
    created_at: datetime,
    last_sign_of_life: datetime | None,
    now: datetime,
    stalled_after: timedelta,
    unstarted_after: timedelta,
) -> bool:
    """The rule: a running job silent for longer than ``stalled_after`` (its last heartbeat,
    else its start, else its request), or a queued one older than ``unstarted_after``.
    A finished job never is."""
    if status is JobStatus.RUNNING:
        return (last_sign_of_life or created_at) < now - stalled_after
    if status is JobStatus.QUEUED:
        return created_at < now - unstarted_after
    return False


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (
        timedelta(seconds=config["JOB_STALLED_AFTER_SECONDS"]),
        timedelta(seconds=config["JOB_UNSTARTED_AFTER_SECONDS"]),
    )


def _fail_where(condition, message: str, now: datetime) -> list[int]:
    statement = (
        update(BackgroundJob)
        .where(condition)
        .values(status=JobStatus.FAILED, error=message, finished_at=now)
        .returning(BackgroundJob.id)
    )
    return list(db.session.scalars(statement))


@scheduled("fail-stalled-jobs", SWEEP_EVERY)
def fail_stalled_jobs(now: datetime | None = None) -> int:
    """Fail the jobs :func:`is_stalled` names and delete their partial files; how many."""
    now = now or utcnow()
    stalled_after, unstarted_after = _limits()
    last_sign = func.coalesce(
        BackgroundJob.heartbeat_at, BackgroundJob.started_at, BackgroundJob.created_at
    )
    stopped = _fail_where(
        and_(BackgroundJob.status == JobStatus.RUNNING, last_sign < now - stalled_after),
        STOPPED_MESSAGE,
        now,
    )
    unstarted = _fail_where(
        and_(
            BackgroundJob.status == JobStatus.QUEUED,
            BackgroundJob.created_at < now - unstarted_after,
        ),
        NOT_STARTED_MESSAGE,
        now,
    )
    folder = job_files_dir()
    for job_id in stopped:
        for partial in folder.glob(f"{job_id}-*"):
            partial.unlink(missing_ok=True)
    if stopped or unstarted:
        log.warning("jobs failed by the sweep: stopped %s, not started %s", stopped, unstarted)
    return len(stopped) + len(unstarted)
