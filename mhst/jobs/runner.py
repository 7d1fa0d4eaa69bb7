"""Running one job, in the worker (or in the web process when JOBS_RUN_IN_PROCESS is
set, as in the tests): the row moves queued -> running -> done or failed.

A job is claimed with one conditional UPDATE (queued -> running), so a message delivered
twice runs it once. While it runs, the worker writes its heartbeat (:class:`Heartbeat`,
a thread of its own, so a long query beats too; each progress write beats as well);
:mod:`mhst.jobs.stalled` fails a running job whose heartbeat stops. What the handler
wrote besides its file (its audit events) is committed with the job's DONE status, in
one transaction, and only if the job is still running then: a job the sweep failed
meanwhile leaves no file and no audit event, and its user asks again (a new job).
"""

from __future__ import annotations

import logging
import secrets
import threading
from functools import partial
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import update

from mhst.accounts.models import User
from mhst.core.forms import commit_unit
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.jobs.models import BackgroundJob, JobStatus
from mhst.jobs.registry import KINDS, JobError, JobKind, JobRun
from mhst.security.permissions import has_permission

log = logging.getLogger(__name__)

FAILED_MESSAGE = (
    "The file could not be prepared. Try again; if it fails again, contact the service desk."
)
NO_LONGER_ALLOWED = "You can no longer download this: your account or role has changed."


class JobStopped(Exception):
    """The job is no longer running (the sweep failed it): stop, and leave its row."""


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


def _update_running(job_id: int, values: dict) -> None:
    statement = (
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, BackgroundJob.status == JobStatus.RUNNING)
        .values(values)
    )
    if db.session.execute(statement).rowcount != 1:
        raise JobStopped(job_id)


def _while_running(job_id: int, **values) -> bool:
    """Update the job's row if it is still running; commit (with whatever else the
    session holds) if so, else roll back. True if it was."""
    try:
        commit_unit(_update_running, job_id, values)
    except JobStopped:
        return False
    return True


def progress(job_id: int, done: int, total: int | None) -> None:
    """Record the progress (and a heartbeat); stop the job if it is no longer running."""
    now = utcnow()
    if not _while_running(job_id, progress_done=done, progress_total=total, heartbeat_at=now):
        raise JobStopped(job_id)


class Heartbeat:
    """Writes the running job's ``heartbeat_at`` every ``seconds`` from a thread with its
    own connection, until stopped (0: no thread)."""

    def __init__(self, app: Flask, job_id: int, seconds: float):
        self.app, self.job_id, self.seconds = app, job_id, seconds
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name=f"job-{job_id}")

    def __enter__(self) -> Heartbeat:
        if self.seconds > 0:
            self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join()

    def _beat(self) -> None:
        statement = update(BackgroundJob).where(
            BackgroundJob.id == self.job_id, BackgroundJob.status == JobStatus.RUNNING
        )
        with self.app.app_context():
            while not self.stopping.wait(self.seconds):
                try:
                    with db.engine.begin() as connection:
                        connection.execute(statement.values(heartbeat_at=utcnow()))
                except Exception:  # the next beat tries again; the sweep judges
                    log.exception("background job %s: heartbeat not written", self.job_id)


def _claim(job_id: int) -> bool:
    """queued -> running, in one statement: True for the one delivery that did it."""
    now = utcnow()
    claim = (
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, BackgroundJob.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now)
    )
    return commit_unit(db.session.execute, claim).rowcount == 1


def run(job_id: int, *, beat_every: float = 0) -> JobStatus | None:
    """Run a queued job, writing its heartbeat every ``beat_every`` seconds (the worker's;
    0, in the web process: at each progress only); a job that is missing or already
    started is left alone (a message delivered twice runs the job once)."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or not _claim(job_id):
        log.warning("background job %s is missing or not queued: not run", job_id)
        return None
    kind, user, parameters = KINDS.get(job.kind), job.requested_by, job.params
    if kind is None:
        log.error("background job %s has unknown kind %r", job_id, job.kind)
        return _fail(job_id, FAILED_MESSAGE)
    if not (user.active and has_permission(user, kind.permission)):
        return _fail(job_id, NO_LONGER_ALLOWED)
    with Heartbeat(current_app._get_current_object(), job_id, beat_every):
        return _handle(job_id, kind, parameters, user)


def _handle(job_id: int, kind: JobKind, parameters: dict, user: User) -> JobStatus | None:
    """Call the kind's handler; record its result, or why it failed."""
    stored = f"{job_id}-{secrets.token_hex(8)}{kind.suffix}"
    path = job_files_dir() / stored
    try:
        name = kind.handler(JobRun(job_id, parameters, user, path, partial(progress, job_id)))
    except JobStopped:
        db.session.rollback()
        path.unlink(missing_ok=True)
        log.warning("background job %s (%s) was stopped: its file is deleted", job_id, kind.name)
        return None
    except Exception as error:
        db.session.rollback()
        path.unlink(missing_ok=True)
        log.exception("background job %s (%s) failed", job_id, kind.name)
        return _fail(job_id, error.message if isinstance(error, JobError) else FAILED_MESSAGE)
    done = _while_running(
        job_id,
        status=JobStatus.DONE,
        result_name=name[:200],
        stored_name=stored,
        finished_at=utcnow(),
        heartbeat_at=utcnow(),
    )
    if not done:  # failed by the sweep meanwhile: no file, and its audit is rolled back
        path.unlink(missing_ok=True)
        log.warning("background job %s (%s) was stopped: result discarded", job_id, kind.name)
        return None
    log.info("background job %s (%s) done: %s", job_id, kind.name, stored)
    return JobStatus.DONE


def _fail(job_id: int, message: str) -> JobStatus:
    """Failed with ``message``, unless the sweep failed it first (its message stays)."""
    _while_running(job_id, status=JobStatus.FAILED, error=message[:500], finished_at=utcnow())
    return JobStatus.FAILED
