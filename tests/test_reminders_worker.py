"""The reminder tasks on a real Celery worker (tests/jobs_worker.py), real Redis and real
PostgreSQL, sending through the local Notify-compatible server (tests/notify_server.py):
the worker, configured only by its environment, sends tomorrow's reminder with the
official client, then records Notify's "delivered"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import Role
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.extensions import db
from mhst.jobs import queue as job_queue
from mhst.migrate import upgrade
from mhst.referrals.reminder_preferences import PreferenceDetails, save_preferences
from mhst.sessions.models import CareContact, ContactMode, ContactStage
from mhst.sessions.reminder_models import ReminderStatus, SessionReminder
from tests import notify_server as ns
from tests.conftest import (
    allocated_case_with_records,
    database_url_for,
    new_school,
    new_team,
    new_user,
)
from tests.jobs_worker import Worker, require_redis, start_worker, stop_worker, wait_for


@pytest.fixture(scope="module")
def notify_server() -> Iterator[ns.NotifyServer]:
    running = ns.RunningNotify()
    yield running.api
    running.stop()


def _tomorrows_session() -> int:
    """A case allocated to an EMHP whose parent agreed to texts, with a video session
    tomorrow at 08:15 UK time; returns the session's id (committed)."""
    team = new_team("Reminder Team")
    school = new_school("Reminder School", team)
    emhp = new_user(Role.EMHP, team=team)
    senior = new_user(Role.SENIOR_CLINICIAN, team=team)
    records = allocated_case_with_records(
        case_school=school,
        group_school=school,
        emhp=emhp,
        senior=senior,
        family_name="Workerton",
        location="Room 2",
        group_title="Worry group",
        decision="Continue.",
        goal=("Sleep better", 2),
    )
    day = service_today() + timedelta(days=1)
    contact = CareContact(
        referral=records.case,
        practitioner=emhp,
        starts_at=datetime(day.year, day.month, day.day, 8, 15, tzinfo=SERVICE_TIME_ZONE),
        duration_minutes=30,
        stage=ContactStage.TREATMENT,
        mode=ContactMode.VIDEO,
        created_by=emhp,
    )
    db.session.add(contact)
    db.session.flush()
    details = PreferenceDetails("parent_carer", True, False, "07700 900777", None, False)
    save_preferences(records.case, details, by=emhp, read_version=0)
    db.session.commit()
    return contact.id


@pytest.fixture(scope="module")
def worker(tmp_path_factory, notify_server) -> Iterator[tuple[Worker, int]]:
    require_redis()
    url = database_url_for("postgresql", tmp_path_factory, name="reminders")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        contact_id = _tomorrows_session()
        db.session.remove()
    settings = {
        "NOTIFY_API_KEY": ns.API_KEY,
        "NOTIFY_BASE_URL": notify_server.base_url,
        "NOTIFY_TEXT_TEMPLATE_ID": ns.TEXT_TEMPLATE,
        "NOTIFY_TEXT_DISCREET_TEMPLATE_ID": ns.TEXT_DISCREET_TEMPLATE,
    }
    files = tmp_path_factory.mktemp("reminder-worker-files")
    log = tmp_path_factory.mktemp("reminder-worker") / "worker.log"
    running = start_worker(app, url, files, log, settings=settings)
    yield running, contact_id
    stop_worker(running)
    with app.app_context():
        db.engine.dispose()


def _run(worker: Worker, task: str) -> None:
    broker = worker.app.config["JOBS_BROKER_URL"]
    with job_queue.celery.connection_for_write(broker) as connection:
        job_queue.run_scheduled.apply_async(args=[task], queue=worker.queue, connection=connection)


def _status(contact_id: int) -> ReminderStatus | None:
    db.session.expire_all()
    reminder = db.session.scalars(
        select(SessionReminder).where(SessionReminder.care_contact_id == contact_id)
    ).one_or_none()
    return reminder.status if reminder else None


def test_the_worker_sends_the_reminder_and_records_it_delivered(worker, notify_server):
    running, contact_id = worker
    with running.app.app_context():
        _run(running, "send-session-reminders")
        wait_for(lambda: _status(contact_id) is ReminderStatus.SENT, running)
        [sent] = notify_server.sends()
        assert sent.json["phone_number"] == "07700900777"
        assert sent.json["personalisation"]["time"] == "08:15"
        assert sent.json["personalisation"]["place"] == "by video call"
        assert "Workerton" not in str(sent.json)
        # Sent again by the next hour's run: nothing more is sent.
        _run(running, "send-session-reminders")
        notify_server.set_status(next(iter(notify_server.notifications)), "delivered")
        _run(running, "check-session-reminders")
        wait_for(lambda: _status(contact_id) is ReminderStatus.DELIVERED, running)
        assert len(notify_server.sends()) == 1
        db.session.remove()
