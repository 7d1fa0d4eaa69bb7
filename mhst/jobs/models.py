"""One background job: what was asked, by whom, how far it has got, and its file."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db
from mhst.jobs.registry import KINDS


class JobStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STOPPED_MESSAGE = "This download stopped before it finished. Ask for it again."
NOT_STARTED_MESSAGE = "This download was not started. Ask for it again."
NOT_SENT_MESSAGE = "The job could not be started. Try again in a few minutes."
RESTARTABLE_ERRORS = frozenset({STOPPED_MESSAGE, NOT_STARTED_MESSAGE, NOT_SENT_MESSAGE})


class BackgroundJob(db.Model):
    """A job's row, written by the web process (queued) and the worker (the rest)."""

    __tablename__ = "background_job"
    __table_args__ = (
        # "This user's recent jobs of this kind", newest first (a backward index scan).
        Index("ix_background_job_requested_by_id_kind", "requested_by_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[JobStatus] = mapped_column(
        string_enum(JobStatus, "background_job_status", 10), default=JobStatus.QUEUED, index=True
    )
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    parameters: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    result_name: Mapped[str | None] = mapped_column(String(200))  # the name it downloads as
    stored_name: Mapped[str | None] = mapped_column(String(200))  # its file in JOB_FILES_DIR
    error: Mapped[str | None] = mapped_column(String(500))  # for the user: no stack traces
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Written by the worker while the job runs (mhst.jobs.runner.Heartbeat): a running job
    # whose heartbeat stops is failed by the sweep (mhst.jobs.stalled).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User] = relationship()

    @property
    def params(self) -> dict:
        return json.loads(self.parameters or "{}")

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status is JobStatus.DONE else 0
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def describe(self) -> str:
        """What was asked for, in words (by its kind)."""
        kind = KINDS.get(self.kind)
        if kind is None:
            return self.kind
        try:
            return kind.describe(self.params)
        except (KeyError, TypeError, ValueError):  # parameters a job failed on
            return kind.title

    @property
    def can_restart(self) -> bool:
        """Failed for a reason that asking again may put right: its worker stopped, or it
        never reached one. (A job that failed on its own parameters would fail again.)"""
        return self.status is JobStatus.FAILED and self.error in RESTARTABLE_ERRORS

    @property
    def ended(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
