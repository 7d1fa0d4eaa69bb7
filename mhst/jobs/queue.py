"""The Celery app: the queue the web process sends job ids to, and the worker's tasks.

The broker is ``JOBS_BROKER_URL`` (REDIS_URL when set); without one, an embedded broker
(kombu's SQLAlchemy transport on a SQLite file in the instance folder), so a fresh
machine's ``make run`` needs no Redis. There is no result backend: a job's state is its
``background_job`` row. Each task runs in an app context of the Flask app the worker
built with ``create_app`` (``mhst/worker.py``).
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from celery import Celery
from celery.signals import worker_process_init
from flask import Flask, current_app, has_app_context

from mhst.core.forms import commit_unit
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.jobs import runner, schedule
from mhst.jobs.models import NOT_SENT_MESSAGE, JobStatus

log = logging.getLogger(__name__)

celery = Celery("mhst", set_as_current=False)
_flask_apps: list[Flask] = []  # the worker's app (the last one bound)


def broker_url(app: Flask) -> str:
    """The broker the app sends to: the configured one, else the embedded one."""
    if app.config.get("JOBS_BROKER_URL"):
        return app.config["JOBS_BROKER_URL"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqla+sqlite:///{Path(app.instance_path) / 'job-queue.sqlite3'}"


def init_app(app: Flask) -> None:
    """Configure the Celery app from the Flask app's settings."""
    queue = app.config["JOBS_QUEUE"]
    celery.conf.update(
        broker_url=broker_url(app),
        broker_connection_retry_on_startup=True,
        task_default_queue=queue,
        task_ignore_result=True,
        result_backend=None,
        worker_prefetch_multiplier=1,  # one long job does not hold back the queue
        # Acknowledged when the worker takes it (Celery's default, said here on purpose):
        # a job whose worker dies is not delivered again by the broker (an hour later, by
        # Redis's visibility timeout) but failed by the sweep (mhst.jobs.stalled) within
        # minutes, and asked for again by its user as a new job. A redelivery would not
        # run it anyway (runner.run claims only a queued job), and a job that killed its
        # worker (its memory) must not kill the next one.
        task_acks_late=False,
        task_reject_on_worker_lost=False,
        worker_hijack_root_logger=False,
        timezone="Europe/London",
        beat_schedule=schedule.beat_schedule(queue),
        beat_schedule_filename=str(Path(app.instance_path) / "celerybeat-schedule"),
    )
    _flask_apps[:] = [app]
    app.extensions["celery"] = celery


@worker_process_init.connect
def _own_connections(**_kwargs) -> None:
    """A forked worker process must not share the parent's database connections."""
    for app in _flask_apps:
        with app.app_context():
            db.engine.dispose(close=False)


def _app_context():
    """The current app context (a job run in process), else the worker's app's."""
    if has_app_context():
        return contextlib.nullcontext()
    return _flask_apps[-1].app_context()


@celery.task(name="mhst.jobs.run", ignore_result=True, bind=True)
def run_job(self, job_id: int) -> None:
    with _app_context():
        # A worker's job writes its heartbeat from a thread; one run in the web process
        # (Celery's eager call) does not need to.
        beat = 0 if self.request.is_eager else current_app.config["JOB_HEARTBEAT_SECONDS"]
        runner.run(job_id, beat_every=beat)


@celery.task(name="mhst.jobs.scheduled", ignore_result=True)
def run_scheduled(name: str) -> None:
    with _app_context():
        task = schedule.SCHEDULE[name]
        result = commit_unit(task.run)
        log.info("scheduled task %s done: %s", name, result)


def send(job_id: int) -> None:
    """Send the (committed) job to the queue; if the broker cannot be reached, the job is
    marked failed at once rather than left queued for ever."""
    app = current_app._get_current_object()
    if app.config["JOBS_RUN_IN_PROCESS"]:
        run_job.apply(args=[job_id])  # Celery's own eager call, in this process
        return
    try:
        with celery.connection_for_write(broker_url(app)) as connection:
            run_job.apply_async(
                args=[job_id], queue=app.config["JOBS_QUEUE"], connection=connection
            )
    except Exception:
        log.exception("background job %s could not be sent to the queue", job_id)
        runner._set(
            job_id,
            status=JobStatus.FAILED,
            error=NOT_SENT_MESSAGE,
            finished_at=utcnow(),
        )
