"""A real worker killed (SIGKILL) in the middle of the national extract, on real Redis and
PostgreSQL (tests/jobs_worker.py): while it runs, its heartbeat moves on even during one
long query; once it is dead the heartbeat stops, the sweep (sent to a second worker as
beat sends it) fails the job with a message, and its page asks for it again - one new
job, one file, one audit event."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select, text

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import Role, User
from mhst.audit.models import AuditEvent, AuditRecordType
from mhst.extensions import db
from mhst.jobs import operations as jobs
from mhst.jobs import queue as job_queue
from mhst.jobs.models import STOPPED_MESSAGE, BackgroundJob, JobStatus
from mhst.migrate import upgrade
from tests.conftest import (
    AuthActions,
    CheckedClient,
    database_url_for,
    new_referral,
    new_school,
    new_team,
    new_user,
)
from tests.jobs_worker import require_redis, start_worker, stop_worker, wait_for

# The worker beats every 0.3 s; the sweep fails a job silent for 2 s.
SETTINGS = {"JOB_HEARTBEAT_SECONDS": "0.3", "JOB_STALLED_AFTER_SECONDS": "2"}
PERIOD = {"start": "2026-01-01", "end": "2026-12-31"}


@pytest.fixture(scope="module")
def setting(tmp_path_factory) -> Iterator[dict]:
    require_redis()
    url = database_url_for("postgresql", tmp_path_factory, name="jobkill")
    files = tmp_path_factory.mktemp("killed-job-files")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, JOB_FILES_DIR=str(files))
    app.test_client_class = CheckedClient
    with app.app_context():
        upgrade()
        school = new_school("Killed School", new_team("Killed Team"))
        lead = new_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=school)
        for _ in range(3):
            new_referral(school, by=lead, consent=True)
        new_user(Role.CLINICAL_LEAD, email="lead@killed.example")
        db.session.remove()
    yield {"app": app, "url": url, "files": files, "logs": tmp_path_factory.mktemp("logs")}
    with app.app_context():
        db.engine.dispose()


def _job(job_id: int) -> BackgroundJob:
    db.session.expire_all()
    return db.session.get(BackgroundJob, job_id)


def _extract_events() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.record_type == AuditRecordType.NATIONAL_EXTRACT)
    )


def _in(job_id: int, status: JobStatus):
    """The job if it has ``status`` (for wait_for), else None."""
    job = _job(job_id)
    return job if job.status is status else None


def _sweep(worker) -> None:
    """The sweep, sent to the worker by name as beat sends it."""
    broker = worker.app.config["JOBS_BROKER_URL"]
    with job_queue.celery.connection_for_write(broker) as connection:
        job_queue.run_scheduled.apply_async(
            args=["fail-stalled-jobs"], queue=worker.queue, connection=connection
        )


def _killed_mid_job(setting) -> tuple[int, str]:
    """A worker that starts the extract, beats while its first query waits behind a
    lock, and is killed: the job's id and the worker's queue."""
    app = setting["app"]
    worker = start_worker(
        app, setting["url"], setting["files"], setting["logs"] / "first.log", settings=SETTINGS
    )
    engine = create_engine(setting["url"])
    blocker = engine.connect()
    blocker.execute(text("LOCK TABLE referral IN ACCESS EXCLUSIVE MODE"))
    try:
        with app.test_request_context():
            lead = db.session.scalar(select(User).filter_by(email="lead@killed.example"))
            job_id = jobs.enqueue("national_extract", PERIOD, lead)
            beat = wait_for(lambda: _in(job_id, JobStatus.RUNNING), worker).heartbeat_at
            wait_for(lambda: _job(job_id).heartbeat_at > beat, worker, 10)  # beats meanwhile
            worker.process.send_signal(signal.SIGKILL)
            worker.process.wait(10)
            db.session.remove()
    finally:
        blocker.rollback()
        blocker.close()
        engine.dispose()
    return job_id, worker.queue


def test_a_killed_workers_job_is_failed_by_the_sweep_and_asked_for_again(setting):
    app, files = setting["app"], setting["files"]
    job_id, queue = _killed_mid_job(setting)
    with app.app_context():
        last = _job(job_id).heartbeat_at
        time.sleep(1.5)
        assert _job(job_id).heartbeat_at == last  # dead: no more heartbeats
        assert _job(job_id).status is JobStatus.RUNNING  # "Preparing", until the sweep
        db.session.remove()
    second = start_worker(
        app, setting["url"], files, setting["logs"] / "second.log", queue, SETTINGS
    )
    try:
        with app.app_context():
            time.sleep(2.5)  # longer than JOB_STALLED_AFTER_SECONDS since the last beat
            _sweep(second)
            failed = wait_for(lambda: _in(job_id, JobStatus.FAILED), second)
            assert failed.error == STOPPED_MESSAGE
            assert (failed.stored_name, list(files.glob(f"{job_id}-*"))) == (None, [])
            assert _extract_events() == 0
            _ask_again(app, second, job_id)
            db.session.remove()
    finally:
        stop_worker(second)


def _ask_again(app, worker, job_id: int) -> None:
    """The stopped job's page, its button, and the new job's one result."""
    client = app.test_client()
    auth = AuthActions(client)
    auth.sign_in("lead@killed.example")
    page = client.get(f"/downloads/{job_id}").get_data(as_text=True)
    assert STOPPED_MESSAGE in page
    assert "Ask for it again" in page
    asked = auth.post(f"/downloads/{job_id}/again")
    again = int(asked.headers["Location"].rsplit("/", 1)[1])
    done = wait_for(lambda: _in(again, JobStatus.DONE), worker)
    assert done.params == _job(job_id).params
    response = client.get(f"/downloads/{again}/file")
    response.close()
    assert response.status_code == 200
    # One result: the new job's file and one extract event; the old job stays failed.
    assert [path.name for path in worker_files(app)] == [done.stored_name]
    assert _extract_events() == 1
    assert _job(job_id).status is JobStatus.FAILED


def worker_files(app) -> list:
    from pathlib import Path

    return sorted(Path(app.config["JOB_FILES_DIR"]).iterdir())
