"""Jobs on a real Celery worker, real Redis and real PostgreSQL (tests/jobs_worker.py).

The web side here is the app's test client on the worker's database, sending to the
worker's queue: the extract is asked for with the page's form, prepared by the worker,
followed on the job's page and downloaded.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import Role, SignInSession, User
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.extract.package import README_NAME, write_extract
from mhst.extract.period import Period
from mhst.extract.pseudonyms import Pseudonymiser
from mhst.jobs import operations as jobs
from mhst.jobs import queue as job_queue
from mhst.jobs.models import BackgroundJob, JobStatus
from mhst.jobs.runner import FAILED_MESSAGE
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
from tests.jobs_worker import Worker, require_redis, start_worker, stop_worker, wait_for

TODAY = service_today()
PERIOD = Period(TODAY - timedelta(days=30), TODAY)
FORM = {
    "from-day": PERIOD.start.day,
    "from-month": PERIOD.start.month,
    "from-year": PERIOD.start.year,
    "to-day": PERIOD.end.day,
    "to-month": PERIOD.end.month,
    "to-year": PERIOD.end.year,
}


@pytest.fixture(scope="module")
def worker(tmp_path_factory) -> Iterator[Worker]:
    require_redis()
    url = database_url_for("postgresql", tmp_path_factory, name="jobs")
    files = tmp_path_factory.mktemp("worker-job-files")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, JOB_FILES_DIR=str(files))
    app.test_client_class = CheckedClient
    with app.app_context():
        upgrade()
        team = new_team("Worker Team")
        school = new_school("Worker School", team)
        school_lead = new_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=school)
        for _ in range(3):
            new_referral(school, by=school_lead, consent=True)
        new_user(Role.CLINICAL_LEAD, email="lead@worker.example")
        new_user(Role.CLINICAL_LEAD, email="other-lead@worker.example")
        db.session.remove()
    running = start_worker(app, url, files, tmp_path_factory.mktemp("worker") / "worker.log")
    yield running
    stop_worker(running)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def web(worker) -> Iterator[tuple[CheckedClient, AuthActions]]:
    with worker.app.app_context():
        client = worker.app.test_client()
        yield client, AuthActions(client)
        db.session.remove()


def _job(job_id: int) -> BackgroundJob:
    db.session.expire_all()
    return db.session.get(BackgroundJob, job_id)


def _members(data: bytes) -> dict[str, str]:
    """Each member's text; the README without its "Generated:" time."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        found = {name: archive.read(name).decode() for name in archive.namelist()}
    found[README_NAME] = "\n".join(
        line for line in found[README_NAME].splitlines() if not line.startswith("Generated:")
    )
    return found


def test_the_extract_runs_on_the_worker_with_progress_and_downloads(worker, web, tmp_path):
    client, auth = web
    auth.sign_in("lead@worker.example")
    asked = auth.post("/extract/", data=FORM)
    assert asked.status_code == 302
    job_id = int(asked.headers["Location"].rsplit("/", 1)[1])
    done = wait_for(lambda: _job(job_id).status is JobStatus.DONE and _job(job_id), worker)
    assert (done.progress_done, done.progress_total) == (3, 3)  # 3 referrals, nothing else
    assert done.started_at >= done.created_at
    page = client.get(f"/downloads/{job_id}").get_data(as_text=True)
    assert "100% (3 of 3 records)" in page
    response = client.get(f"/downloads/{job_id}/file")
    data = response.get_data()
    response.close()
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    # The same files as made in this process, straight from the data.
    in_process = tmp_path / "in-process.zip"
    write_extract(in_process, PERIOD, Pseudonymiser.from_config(), utcnow())
    assert _members(data) == _members(in_process.read_bytes())
    assert _members(data)["referrals.csv"].count("\r\n") == 4  # the header and 3 rows


def test_another_user_gets_404_for_the_job_and_its_file(worker, web):
    client, auth = web
    with worker.app.test_request_context():
        lead = db.session.scalar(select(User).filter_by(email="lead@worker.example"))
        job_id = jobs.enqueue(
            "national_extract", {"start": "2026-01-01", "end": "2026-01-31"}, lead
        )
    wait_for(lambda: _job(job_id).ended, worker)
    auth.sign_in("other-lead@worker.example")
    assert client.get(f"/downloads/{job_id}").status_code == 404
    assert client.get(f"/downloads/{job_id}/file").status_code == 404


def test_a_failing_job_is_marked_failed_with_a_safe_message(worker, web):
    client, auth = web
    with worker.app.test_request_context():
        lead = db.session.scalar(select(User).filter_by(email="lead@worker.example"))
        job_id = jobs.enqueue("national_extract", {"start": "not a date", "end": "2026"}, lead)
    failed = wait_for(lambda: _job(job_id).status is JobStatus.FAILED and _job(job_id), worker)
    assert failed.error == FAILED_MESSAGE
    assert failed.stored_name is None
    assert "Traceback" in worker.log()  # the details are in the worker's log, not the page
    auth.sign_in("lead@worker.example")
    page = client.get(f"/downloads/{job_id}").get_data(as_text=True)
    assert FAILED_MESSAGE in page
    assert "ValueError" not in page
    assert client.get(f"/downloads/{job_id}/file").status_code == 404


def test_a_scheduled_task_runs_on_the_worker(worker, web):
    """Beat sends the task by name to the queue; here it is sent at once."""
    with worker.app.app_context():
        lead = db.session.scalar(select(User).filter_by(email="lead@worker.example"))
        old = SignInSession(
            token_hash="0" * 64,
            user_id=lead.id,
            session_version=1,
            started_at=utcnow() - timedelta(days=40),
            ended_at=utcnow() - timedelta(days=40),
        )
        db.session.add(old)
        db.session.commit()
        old_id = old.id
        broker = worker.app.config["JOBS_BROKER_URL"]
        with job_queue.celery.connection_for_write(broker) as connection:
            job_queue.run_scheduled.apply_async(
                args=["delete-old-sign-in-sessions"], queue=worker.queue, connection=connection
            )

        def gone() -> bool:
            db.session.expire_all()
            return db.session.get(SignInSession, old_id) is None

        wait_for(gone, worker)
