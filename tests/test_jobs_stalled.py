"""Jobs whose worker stopped: the sweep's rule (Hypothesis over ages and statuses), a job
the sweep overtakes while it runs (no file, no audit event), and asking again from the
job's page. The real worker killed mid-job: tests/test_jobs_worker_killed.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from mhst.accounts.models import Role
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.jobs import operations as jobs
from mhst.jobs.models import (
    NOT_STARTED_MESSAGE,
    STOPPED_MESSAGE,
    BackgroundJob,
    JobStatus,
)
from mhst.jobs.registry import JobRun, job_kind
from mhst.jobs.runner import FAILED_MESSAGE, job_files_dir, run
from mhst.jobs.schedule import SCHEDULE
from mhst.jobs.stalled import SWEEP_EVERY, fail_stalled_jobs, is_stalled
from mhst.security.permissions import Permission
from tests.test_jobs import echo  # noqa: F401  (registers the "test_echo" kind)

LATER = timedelta(days=3)  # a "now" at which every running job is long silent


@job_kind(
    "test_overtaken",
    title="Overtaken download",
    permission=Permission.DOWNLOAD_NATIONAL_EXTRACT,
    unit="rows",
    suffix=".txt",
    mimetype="text/plain",
    back_endpoint="extract.index",
    describe=lambda parameters: f"Overtaken {parameters['when']}",
)
def overtaken(job: JobRun) -> str:
    """Writes half its file, is failed by the sweep (as if its heartbeat had stopped),
    then reports progress ("progress") or audits and returns ("end")."""
    job.progress(1, 2)
    job.path.write_text("half")
    fail_stalled_jobs(now=utcnow() + LATER)
    db.session.commit()
    if job.parameters["when"] == "progress":
        job.progress(2, 2)
    audit.record(
        AuditAction.EXPORT, AuditRecordType.NATIONAL_EXTRACT, detail="overtaken", user=job.user
    )
    return "overtaken.txt"


@pytest.fixture
def lead(world):
    return world.users[Role.CLINICAL_LEAD]


def _job(user, kind: str = "test_overtaken", parameters=None, **values) -> BackgroundJob:
    job = BackgroundJob(
        kind=kind,
        parameters=json.dumps(parameters or {"when": "progress"}),
        requested_by=user,
        **values,
    )
    db.session.add(job)
    db.session.commit()
    return job


def _exports() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.record_type == AuditRecordType.NATIONAL_EXTRACT)
    )


STATUSES = st.sampled_from(list(JobStatus))
AGES = st.integers(min_value=0, max_value=3000)  # seconds ago
MAYBE_AGE = st.none() | AGES
ROWS = st.lists(st.tuples(STATUSES, AGES, MAYBE_AGE, MAYBE_AGE), min_size=1, max_size=8)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS, stalled=st.integers(1, 2000), unstarted=st.integers(1, 2000))
def test_the_sweep_fails_exactly_the_jobs_the_rule_names(app, lead, rows, stalled, unstarted):
    """Jobs of every status, started and last heard of at any age (or never): the sweep's
    UPDATEs fail exactly those :func:`is_stalled` names, with the message for each."""
    app.config.update(JOB_STALLED_AFTER_SECONDS=stalled, JOB_UNSTARTED_AFTER_SECONDS=unstarted)
    db.session.execute(delete(BackgroundJob))
    now = utcnow()

    def ago(seconds):
        return None if seconds is None else now - timedelta(seconds=seconds)

    made = [
        (
            _job(
                lead,
                status=status,
                created_at=ago(created + (started or 0) + (beat or 0)),
                started_at=ago(started),
                heartbeat_at=ago(beat),
            ),
            status,
        )
        for status, created, started, beat in rows
    ]
    expected = {
        job.id: is_stalled(
            status,
            job.created_at,
            job.heartbeat_at or job.started_at,
            now,
            timedelta(seconds=stalled),
            timedelta(seconds=unstarted),
        )
        for job, status in made
    }
    assert fail_stalled_jobs(now=now) == sum(expected.values())
    db.session.expire_all()
    for job, status in made:
        db.session.refresh(job)
        if expected[job.id]:
            assert job.status is JobStatus.FAILED
            running = status is JobStatus.RUNNING
            assert job.error == (STOPPED_MESSAGE if running else NOT_STARTED_MESSAGE)
            assert job.finished_at == now
        else:
            assert job.status is status


@given(status=STATUSES, age=AGES, limit=st.integers(1, 3000))
def test_the_rule_is_a_silence_longer_than_the_limit(status, age, limit):
    now = utcnow()
    silent_since = now - timedelta(seconds=age)
    ended = status in (JobStatus.DONE, JobStatus.FAILED)
    for heard in (silent_since, None):  # a heartbeat, or only the time it was asked
        stalled = is_stalled(
            status, silent_since, heard, now, timedelta(seconds=limit), timedelta(seconds=limit)
        )
        assert stalled is (not ended and age > limit)


def test_the_sweep_runs_every_five_minutes_and_deletes_a_partial_file(app, lead):
    assert SCHEDULE["fail-stalled-jobs"].every == SWEEP_EVERY == timedelta(minutes=5)
    job = _job(lead, status=JobStatus.RUNNING, started_at=utcnow(), heartbeat_at=utcnow())
    partial = job_files_dir() / f"{job.id}-0123456789abcdef.txt"
    partial.write_text("half")
    other = job_files_dir() / f"{job.id}0-0123456789abcdef.txt"  # job 10x's: kept
    other.write_text("another job's")
    assert fail_stalled_jobs() == 0  # it beat just now
    assert partial.exists()
    assert fail_stalled_jobs(now=utcnow() + LATER) == 1
    assert not partial.exists()
    assert other.exists()
    other.unlink()


@pytest.mark.parametrize("when", ["progress", "end"])
def test_a_job_the_sweep_overtook_leaves_no_file_and_no_audit_event(app, lead, when):
    """The sweep fails the job while its (slow, not dead) worker still runs it: the worker
    stops at its next progress, or discards its finished result, audit included."""
    job = _job(lead, parameters={"when": when})
    before = _exports()
    assert run(job.id) is None
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job.id)
    assert (job.status, job.error, job.stored_name) == (JobStatus.FAILED, STOPPED_MESSAGE, None)
    assert job.progress_done == 1
    assert list(job_files_dir().glob(f"{job.id}-*")) == []
    assert _exports() == before


def test_a_job_runs_once_however_often_it_is_delivered_even_after_failing(app, lead):
    job = _job(lead, status=JobStatus.FAILED, error=STOPPED_MESSAGE)
    assert run(job.id) is None
    assert db.session.get(BackgroundJob, job.id).status is JobStatus.FAILED


def test_a_stopped_job_is_asked_for_again_from_its_page(app, auth, client, lead):
    stopped = _job(
        lead, "test_echo", {"text": "again"}, status=JobStatus.FAILED, error=STOPPED_MESSAGE
    )
    auth.sign_in(lead.email)
    page = client.get(f"/downloads/{stopped.id}").get_data(as_text=True)
    assert STOPPED_MESSAGE in page
    assert f'action="/downloads/{stopped.id}/again"' in page
    response = auth.post(f"/downloads/{stopped.id}/again")
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new_id != stopped.id
    new = db.session.get(BackgroundJob, new_id)
    assert (new.kind, new.params, new.status) == ("test_echo", {"text": "again"}, JobStatus.DONE)
    assert db.session.get(BackgroundJob, stopped.id).status is JobStatus.FAILED  # stays
    assert "Download echo.txt" in client.get(f"/downloads/{new_id}").get_data(as_text=True)


def test_a_job_that_failed_on_its_own_is_not_offered_again(app, auth, client, lead):
    failed = _job(lead, "test_echo", {"text": "x"}, status=JobStatus.FAILED, error=FAILED_MESSAGE)
    auth.sign_in(lead.email)
    page = client.get(f"/downloads/{failed.id}").get_data(as_text=True)
    assert FAILED_MESSAGE in page
    assert "/again" not in page
    count = db.session.scalar(select(func.count()).select_from(BackgroundJob))
    response = auth.post(f"/downloads/{failed.id}/again")  # a stale page's button
    assert response.headers["Location"] == f"/downloads/{failed.id}"
    assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == count


def test_asking_again_twice_starts_one_job(app, lead):
    stopped = _job(
        lead, "test_echo", {"text": "twice"}, status=JobStatus.FAILED, error=STOPPED_MESSAGE
    )
    waiting = _job(lead, "test_echo", {"text": "twice"})  # asked again, not yet started
    assert jobs.restart(stopped, lead) == waiting.id
    waiting.status = JobStatus.DONE
    db.session.commit()
    with app.test_request_context():
        assert jobs.restart(stopped, lead) not in (stopped.id, waiting.id)


def test_another_user_cannot_ask_again_for_a_job(app, auth, client, lead, make_user):
    stopped = _job(lead, "test_echo", {"text": "x"}, status=JobStatus.FAILED, error=STOPPED_MESSAGE)
    auth.sign_in(make_user(Role.CLINICAL_LEAD).email)
    assert auth.post(f"/downloads/{stopped.id}/again").status_code == 404
