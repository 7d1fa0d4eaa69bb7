"""Asking for a job, and finding the jobs a user may see (only their own)."""

from __future__ import annotations

import json

from flask import abort
from sqlalchemy import select

from mhst.accounts.models import User
from mhst.core.forms import commit_unit
from mhst.extensions import db
from mhst.jobs import queue
from mhst.jobs.models import BackgroundJob
from mhst.jobs.registry import KINDS, JobKind
from mhst.security.permissions import has_permission

RECENT = 10


def _add(kind: str, parameters: dict, user: User) -> BackgroundJob:
    job = BackgroundJob(kind=kind, parameters=json.dumps(parameters), requested_by_id=user.id)
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(kind: str, parameters: dict, user: User) -> int:
    """Add the job's row and commit it, then (never before) send its id to the queue."""
    if kind not in KINDS:
        raise ValueError(f"no job kind {kind!r} is registered")
    job_id = commit_unit(_add, kind, parameters, user).id
    queue.send(job_id)
    return job_id


def own_job(job_id: int, user: User) -> tuple[BackgroundJob, JobKind]:
    """The user's own job of a kind they may still use, or 404 (another user's job is
    as if it did not exist)."""
    job = db.session.scalar(
        select(BackgroundJob).where(
            BackgroundJob.id == job_id, BackgroundJob.requested_by_id == user.id
        )
    )
    kind = KINDS.get(job.kind) if job is not None else None
    if kind is None or not has_permission(user, kind.permission):
        abort(404)
    return job, kind


def recent(user: User, kind: str, limit: int = RECENT) -> list[BackgroundJob]:
    """The user's latest jobs of ``kind``, newest first (one query, by the index)."""
    return list(
        db.session.scalars(
            select(BackgroundJob)
            .where(BackgroundJob.requested_by_id == user.id, BackgroundJob.kind == kind)
            .order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc())
            .limit(limit)
        )
    )


def restart(job: BackgroundJob, user: User) -> int:
    """Ask again for what ``job`` asked for (a new job: the old row stays, failed); a job
    of the same kind and parameters asked for since and not yet ended is used instead,
    so a second press of the button starts nothing more."""
    for newer in recent(user, job.kind):
        if newer.id > job.id and not newer.ended and newer.parameters == job.parameters:
            return newer.id
    return enqueue(job.kind, job.params, user)
