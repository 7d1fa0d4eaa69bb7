"""Running one job, in the worker (or in the web process when JOBS_RUN_IN_PROCESS is
set, as in the tests): the row moves queued -> running -> done or failed."""

from __future__ import annotations

import logging
import secrets
from functools import partial
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from mhst.core.forms import commit_unit
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.jobs.models import BackgroundJob, JobStatus
from mhst.jobs.registry import KINDS, JobError, JobRun
from mhst.security.permissions import has_permission

log = logging.getLogger(__name__)

FAILED_MESSAGE = (
    "The file could not be prepared. Try again; if it fails again, contact the service desk."
)
NO_LONGER_ALLOWED = "You can no longer download this: your account or role has changed."


def job_files_dir() -> Path:
    """JOB_FILES_DIR, else ``job-files`` in the instance folder; made if missing."""
    configured = current_app.config.get("JOB_FILES_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "job-files"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _set(job_id: int, **values) -> None:
    """Update the job's row and commit at once: a short transaction of its own."""
    commit_unit(
        db.session.execute, update(BackgroundJob).where(BackgroundJob.id == job_id).values(values)
    )


def progress(job_id: int, done: int, total: int | None) -> None:
    _set(job_id, progress_done=done, progress_total=total)


def run(job_id: int) -> JobStatus | None:
    """Run a queued job; a job that is missing or already started is left alone (a
    message delivered twice runs the job once)."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.status is not JobStatus.QUEUED:
        log.warning("background job %s is missing or not queued: not run", job_id)
        return None
    kind, user, parameters = KINDS.get(job.kind), job.requested_by, job.params
    _set(job_id, status=JobStatus.RUNNING, started_at=utcnow())
    if kind is None:
        log.error("background job %s has unknown kind %r", job_id, job.kind)
        return _fail(job_id, FAILED_MESSAGE)
    if not (user.active and has_permission(user, kind.permission)):
        return _fail(job_id, NO_LONGER_ALLOWED)
    stored = f"{job_id}-{secrets.token_hex(8)}{kind.suffix}"
    path = job_files_dir() / stored
    try:
        name = kind.handler(JobRun(job_id, parameters, user, path, partial(progress, job_id)))
    except Exception as error:
        db.session.rollback()
        path.unlink(missing_ok=True)
        log.exception("background job %s (%s) failed", job_id, kind.name)
        return _fail(job_id, error.message if isinstance(error, JobError) else FAILED_MESSAGE)
    _set(
        job_id,
        status=JobStatus.DONE,
        result_name=name[:200],
        stored_name=stored,
        finished_at=utcnow(),
    )
    log.info("background job %s (%s) done: %s", job_id, kind.name, stored)
    return JobStatus.DONE


def _fail(job_id: int, message: str) -> JobStatus:
    _set(job_id, status=JobStatus.FAILED, error=message[:500], finished_at=utcnow())
    return JobStatus.FAILED
