"""Scheduled tasks, run by Celery beat (``celery ... worker -B``, or ``celery beat``).

Features add a task with :func:`scheduled`; the beat schedule is built from ``SCHEDULE``
when the Celery app is configured, so a task only needs its module imported first
(``mhst/__init__.py`` ``JOB_MODULES``). Each task runs in an app context and what it
changes is committed as one unit. The housekeeping tasks are in
:mod:`mhst.jobs.housekeeping`; refreshing the report summaries is registered by the
reports' own module (see the README's "Background jobs").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery.schedules import crontab


@dataclass(frozen=True)
class Scheduled:
    name: str
    run: Callable[[], object]  # returns something worth logging (a count)
    every: crontab | timedelta


SCHEDULE: dict[str, Scheduled] = {}


def scheduled(name: str, every: crontab | timedelta):
    """Register the decorated function to run on ``every`` (a crontab or an interval)."""

    def register(function: Callable[[], object]) -> Callable[[], object]:
        SCHEDULE[name] = Scheduled(name, function, every)
        return function

    return register


def beat_schedule(queue: str) -> dict[str, dict]:
    return {
        task.name: {
            "task": "mhst.jobs.scheduled",
            "schedule": task.every,
            "args": (task.name,),
            "options": {"queue": queue},
        }
        for task in SCHEDULE.values()
    }
