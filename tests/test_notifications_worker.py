"""Notification emails sent by a real worker (tests/jobs_worker.py: Celery on Redis and
PostgreSQL) to a real SMTP server (tests/mailbox.py): the scheduled task, sent by name as
beat sends it, emails the notification a user chose, with the generic subject and a link
at SERVICE_URL, naming no child; a second run sends nothing more."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import Role
from mhst.extensions import db
from mhst.jobs import queue as job_queue
from mhst.migrate import upgrade
from mhst.notifications.emails import SUBJECT
from mhst.notifications.models import EmailPreference, EmailState, Notification
from mhst.notifications.models import NotificationKind as K
from mhst.schools.models import ParticipationStatus
from tests.conftest import database_url_for, new_referral, new_school, new_team, new_user
from tests.jobs_worker import Worker, require_redis, start_worker, stop_worker, wait_for
from tests.mailbox import Mailbox, body_of

SERVICE_URL = "https://mhst.example.nhs.uk"


@pytest.fixture(scope="module")
def mailbox_for_worker() -> Iterator[Mailbox]:
    mailbox = Mailbox().start()
    yield mailbox
    mailbox.stop()


@pytest.fixture(scope="module")
def worker(tmp_path_factory, mailbox_for_worker) -> Iterator[Worker]:
    require_redis()
    url = database_url_for("postgresql", tmp_path_factory, name="notify_worker")
    files = tmp_path_factory.mktemp("notify-worker-files")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, JOB_FILES_DIR=str(files))
    with app.app_context():
        upgrade()
        db.session.remove()
    settings = {
        "TEST_MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mailbox_for_worker.port),
        "MAIL_USE_TLS": "0",
        "SERVICE_URL": SERVICE_URL,
    }
    log = tmp_path_factory.mktemp("notify-worker") / "worker.log"
    running = start_worker(app, url, files, log, settings=settings)
    yield running
    stop_worker(running)
    with app.app_context():
        db.engine.dispose()


def _send(worker: Worker) -> None:
    broker = worker.app.config["JOBS_BROKER_URL"]
    with job_queue.celery.connection_for_write(broker) as connection:
        job_queue.run_scheduled.apply_async(
            args=["send-notification-emails"], queue=worker.queue, connection=connection
        )


def test_the_worker_emails_a_chosen_notification_naming_no_child(worker, mailbox_for_worker):
    with worker.app.app_context():
        team = new_team("Notify Team")
        school = new_school("Notify School", team)
        school.participation_status = ParticipationStatus.ACTIVE
        senior = new_user(Role.SENIOR_CLINICIAN, team=team, email="senior@notify.example")
        lead = new_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=school)
        db.session.add(EmailPreference(user_id=senior.id, kind=K.REFERRAL_RECEIVED, email=True))
        db.session.commit()
        referral = new_referral(
            school, by=lead, child={"given_name": "Evangeline", "family_name": "Quarrington"}
        )
        notification_id = db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == senior.id, Notification.record_id == referral.id
            )
        )
        _send(worker)
        wait_for(lambda: mailbox_for_worker.messages, worker)
        [message] = mailbox_for_worker.messages
        assert message["To"] == "senior@notify.example"
        assert message["Subject"] == SUBJECT
        body = body_of(message)
        assert f"{SERVICE_URL}/notifications/follow?id={notification_id}" in body
        assert "a referral arrives for your team" in body
        for name in ("Evangeline", "Quarrington"):
            assert name not in body
            assert name not in message["Subject"]

        def sent() -> bool:
            db.session.expire_all()
            return db.session.get(Notification, notification_id).email_state is EmailState.SENT

        wait_for(sent, worker)
        _send(worker)
        wait_for(lambda: worker.log().count("send-notification-emails done") >= 2, worker)
        assert len(mailbox_for_worker.messages) == 1
        db.session.remove()
