"""A real Celery worker on real Redis and PostgreSQL, for tests/test_jobs_worker.py.

The worker is ``celery -A mhst.worker worker --pool solo`` in a subprocess, on a queue
of its own (so parallel test runs and other Redis users never share one), with
DATABASE_URL pointing at a PostgreSQL database made for it. What the worker reads must
be committed: the tests using it do not run inside the rolled-back transaction of
``_rollback_each_test`` (they do not use the ``app`` fixture).

Without Redis or PostgreSQL the tests are skipped with a reason, except in CI
(``CI=true``) or with ``MHST_REQUIRE_POSTGRES=1``, where that is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from flask import Flask

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
READY_SECONDS = 60


def require_redis() -> None:
    from tests.conftest import postgres_required

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at {REDIS_URL}: {error}"
        if postgres_required():
            pytest.fail(message + " (CI requires Redis for the worker tests)", pytrace=False)
        pytest.skip(message)


@dataclass
class Worker:
    app: Flask  # the test's app on the worker's database, sending to the worker's queue
    queue: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_for(condition: Callable[[], object], worker: Worker, seconds: float = 60) -> object:
    """Poll ``condition`` until it is truthy; fail with the worker's log if it never is."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if worker.process.poll() is not None:
            pytest.fail(f"the worker stopped:\n{worker.log()[-3000:]}", pytrace=False)
        time.sleep(0.2)
    pytest.fail(f"not done in {seconds} s; the worker's log:\n{worker.log()[-3000:]}")


def start_worker(
    app: Flask,
    database_url: str,
    files_dir: Path,
    log_path: Path,
    queue: str | None = None,
    settings: dict[str, str] | None = None,
) -> Worker:
    """Start the worker (on a new queue unless given one; ``settings``: more environment
    variables) and wait until it says it is ready."""
    queue = queue or f"mhst-test-{uuid.uuid4().hex[:12]}"
    app.config.update(JOBS_RUN_IN_PROCESS=False, JOBS_BROKER_URL=REDIS_URL, JOBS_QUEUE=queue)
    env = {
        **os.environ,
        "MHST_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "JOBS_QUEUE": queue,
        "JOB_FILES_DIR": str(files_dir),
        **(settings or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "mhst.worker", "worker"]
    command += ["--pool", "solo", "-Q", queue, "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    log = log_path.open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    log.close()
    worker = Worker(app, queue, process, log_path)
    wait_for(lambda: " ready." in worker.log(), worker, READY_SECONDS)
    return worker


def stop_worker(worker: Worker) -> None:
    worker.process.terminate()
    try:
        worker.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.process.kill()
        worker.process.wait()
    redis.Redis.from_url(REDIS_URL).delete(worker.queue)
