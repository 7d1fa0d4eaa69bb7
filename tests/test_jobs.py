"""Background jobs without a worker: the runner and handlers called directly, the job's
page, the scheduled housekeeping and the beat schedule (the worker: test_jobs_worker.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role, SignInSession
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.jobs import housekeeping
from mhst.jobs import operations as jobs
from mhst.jobs.models import BackgroundJob, JobStatus
from mhst.jobs.registry import KINDS, JobError, JobRun, job_kind
from mhst.jobs.runner import FAILED_MESSAGE, NO_LONGER_ALLOWED, job_files_dir, run
from mhst.jobs.schedule import SCHEDULE
from mhst.security.permissions import Permission

CALLS: list[JobRun] = []


@job_kind(
    "test_echo",
    title="Test download",
    permission=Permission.DOWNLOAD_NATIONAL_EXTRACT,
    unit="rows",
    suffix=".txt",
    mimetype="text/plain",
    back_endpoint="extract.index",
    describe=lambda parameters: f"Echo of {parameters['text']}",
)
def echo(job: JobRun) -> str:
    """Writes its text in two steps, or fails as the text asks."""
    CALLS.append(job)
    if job.parameters["text"] == "refuse":
        raise JobError("That cannot be prepared: choose a shorter period.")
    if job.parameters["text"] == "crash":
        job.path.write_text("half a file")
        raise RuntimeError("secret internal detail")
    job.progress(1, 2)
    job.path.write_text(job.parameters["text"])
    job.progress(2, 2)
    return "echo.txt"


def _job(user, text: str, **values) -> BackgroundJob:
    job = BackgroundJob(
        kind="test_echo", parameters=json.dumps({"text": text}), requested_by=user, **values
    )
    db.session.add(job)
    db.session.commit()
    return job


@pytest.fixture
def lead(world):
    return world.users[Role.CLINICAL_LEAD]


def test_a_job_runs_to_done_with_its_progress_and_file(app, lead):
    job = _job(lead, "hello")
    assert run(job.id) is JobStatus.DONE
    db.session.refresh(job)
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.DONE, 2, 2)
    assert job.result_name == "echo.txt"
    assert (job_files_dir() / job.stored_name).read_text() == "hello"
    assert job.stored_name.startswith(f"{job.id}-")
    assert job.stored_name.endswith(".txt")
    assert CALLS[-1].user.id == lead.id
    assert job.started_at <= job.finished_at


def test_a_job_runs_once_however_often_it_is_delivered(app, lead):
    job = _job(lead, "once")
    run(job.id)
    calls = len(CALLS)
    assert run(job.id) is None
    assert run(987654) is None
    assert len(CALLS) == calls


@pytest.mark.parametrize(
    ("text", "message"),
    [("refuse", "That cannot be prepared: choose a shorter period."), ("crash", FAILED_MESSAGE)],
)
def test_a_failing_job_is_failed_with_a_message_for_the_user(app, lead, text, message, caplog):
    job = _job(lead, text)
    files_before = set(job_files_dir().iterdir())
    assert run(job.id) is JobStatus.FAILED
    db.session.refresh(job)
    assert (job.status, job.error, job.stored_name) == (JobStatus.FAILED, message, None)
    assert set(job_files_dir().iterdir()) == files_before  # nothing half-written is left
    assert "secret internal detail" not in job.error
    assert "failed" in caplog.text


def test_a_user_deactivated_meanwhile_gets_no_file(app, lead):
    job = _job(lead, "hello")
    lead.active = False
    db.session.commit()
    assert run(job.id) is JobStatus.FAILED
    assert db.session.get(BackgroundJob, job.id).error == NO_LONGER_ALLOWED


def test_enqueue_commits_then_runs_the_job(app, lead):
    with app.test_request_context():
        job_id = jobs.enqueue("test_echo", {"text": "queued"}, lead)
    assert db.session.get(BackgroundJob, job_id).status is JobStatus.DONE
    with pytest.raises(ValueError, match="no job kind"):
        jobs.enqueue("no_such_kind", {}, lead)


def test_the_page_shows_progress_and_the_file_downloads_audited(app, auth, client, lead):
    running = _job(lead, "x", status=JobStatus.RUNNING, progress_done=12000, progress_total=30000)
    auth.sign_in(lead.email)
    page = client.get(f"/downloads/{running.id}").get_data(as_text=True)
    assert "Preparing" in page
    assert "40% (12,000 of 30,000 rows)" in page
    assert "Echo of x" in page
    assert f'href="/downloads/{running.id}"' in page  # "Check again"
    assert client.get(f"/downloads/{running.id}/file").status_code == 404  # not ready

    done = _job(lead, "ready")
    run(done.id)
    page = client.get(f"/downloads/{done.id}").get_data(as_text=True)
    assert "Download echo.txt" in page
    response = client.get(f"/downloads/{done.id}/file")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ready")
    response.close()
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == AuditRecordType.BACKGROUND_JOB)
    ).one()
    assert (event.action, event.record_id, event.user_id) == (
        AuditAction.EXPORT,
        str(done.id),
        lead.id,
    )


def test_other_users_and_unknown_jobs_get_404(app, auth, client, lead, make_user):
    job = _job(lead, "mine")
    run(job.id)
    auth.sign_in(make_user(Role.CLINICAL_LEAD).email)
    for path in (f"/downloads/{job.id}", f"/downloads/{job.id}/file", "/downloads/987654"):
        assert client.get(path).status_code == 404, path


def test_a_deleted_file_is_gone_and_the_page_says_so(app, auth, client, lead):
    job = _job(lead, "old")
    run(job.id)
    path = job_files_dir() / db.session.get(BackgroundJob, job.id).stored_name
    later = utcnow() + timedelta(days=app.config["JOB_FILES_RETENTION_DAYS"] + 1)
    assert housekeeping.delete_expired_job_files(now=later) >= 1
    db.session.commit()
    assert not path.exists()
    assert db.session.get(BackgroundJob, job.id).stored_name is None
    auth.sign_in(lead.email)
    assert "The file has been deleted" in client.get(f"/downloads/{job.id}").get_data(as_text=True)
    assert client.get(f"/downloads/{job.id}/file").status_code == 404


def test_files_within_their_retention_are_kept(app, lead):
    job = _job(lead, "new")
    run(job.id)
    stored = db.session.get(BackgroundJob, job.id).stored_name
    housekeeping.delete_expired_job_files()
    assert (job_files_dir() / stored).exists()


def test_old_sign_in_sessions_are_deleted(app, lead):
    now = utcnow()

    def session(token: str, started_days: int, ended_days: int | None) -> SignInSession:
        return SignInSession(
            token_hash=token * 64,
            user_id=lead.id,
            session_version=1,
            started_at=now - timedelta(days=started_days),
            ended_at=None if ended_days is None else now - timedelta(days=ended_days),
        )

    db.session.add_all(
        [session("a", 40, 40), session("b", 10, 9), session("c", 31, None), session("d", 0, None)]
    )
    db.session.commit()
    assert housekeeping.delete_old_sign_in_sessions() == 2
    left = db.session.scalars(
        select(SignInSession.token_hash).where(SignInSession.user_id == lead.id)
    )
    assert sorted(token[0] for token in left) == ["b", "d"]


def test_dormant_accounts_are_disabled_by_the_scheduled_task(app, make_user):
    dormant = make_user(Role.EMHP)
    dormant.created_at = utcnow() - timedelta(days=app.config["ACCOUNT_DORMANT_DAYS"] + 1)
    db.session.commit()
    assert housekeeping.disable_dormant_accounts() >= 1
    assert db.session.get(type(dormant), dormant.id).active is False


def test_the_beat_schedule_holds_every_scheduled_task(app):
    beat = app.extensions["celery"].conf.beat_schedule
    assert {
        "delete-expired-job-files",
        "delete-old-sign-in-sessions",
        "disable-dormant-accounts",
    } <= set(beat)
    assert set(beat) == set(SCHEDULE)
    for name, entry in beat.items():
        assert entry["task"] == "mhst.jobs.scheduled"
        assert entry["args"] == (name,)
        assert entry["options"] == {"queue": app.config["JOBS_QUEUE"]}


def test_the_recent_extracts_are_listed_newest_first(app, auth, client, lead):
    for month in ("01", "02"):
        db.session.add(
            BackgroundJob(
                kind="national_extract",
                parameters=json.dumps({"start": f"2026-{month}-01", "end": f"2026-{month}-10"}),
                requested_by=lead,
            )
        )
        db.session.commit()
    auth.sign_in(lead.email)
    page = client.get("/extract/").get_data(as_text=True)
    assert "Your recent extracts" in page
    assert page.index("1 February 2026") < page.index("1 January 2026")
    assert "test_echo" in KINDS  # the echo kind is this module's own
