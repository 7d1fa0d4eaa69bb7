"""The kinds of job: each feature registers a handler with :func:`job_kind`.

A handler gets a :class:`JobRun` (its parameters, the user who asked, the file to write
and a progress callback) and returns the name the file downloads as. It raises
:class:`JobError` with a message for the user when the job cannot be done; any other
exception marks the job failed with a general message (the details go to the log).
What it writes to the database besides progress (its audit events) it leaves to the
runner to commit, with the job's DONE status in one transaction: a job stopped before
then leaves none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mhst.accounts.models import User
from mhst.security.permissions import Permission


class JobError(Exception):
    """A job that cannot be done, with a message safe to show its user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class JobRun:
    job_id: int
    parameters: dict
    user: User
    path: Path  # write the result here (in JOB_FILES_DIR)
    progress: Callable[[int, int | None], None]  # (done, total), committed at once


@dataclass(frozen=True)
class JobKind:
    name: str
    title: str  # "National data extract": the download page's heading
    permission: Permission  # needed to ask, to see the job and to download its file
    unit: str  # what progress counts: "records", "schools"
    suffix: str  # the stored file's extension: ".zip"
    mimetype: str
    back_endpoint: str  # the page the job was asked from
    describe: Callable[[dict], str]  # the parameters in words: "1 March to 31 March 2026"
    handler: Callable[[JobRun], str]
    # For a job whose point is not its file (sending emails): the page's own words.
    heading: str = ""  # default: "<title>: your download"
    done_text: str = "Your file is ready. Every download is recorded in the audit log."
    back_text: str = ""  # default: "Back to <title>"

    @property
    def page_heading(self) -> str:
        return self.heading or f"{self.title}: your download"

    @property
    def back_link_text(self) -> str:
        return self.back_text or f"Back to {self.title.lower()}"


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    title: str,
    permission: Permission,
    unit: str,
    suffix: str,
    mimetype: str,
    back_endpoint: str,
    describe: Callable[[dict], str],
    **words: str,
) -> Callable[[Callable[[JobRun], str]], Callable[[JobRun], str]]:
    """Register the decorated function as the handler of jobs of kind ``name``."""

    def register(handler: Callable[[JobRun], str]) -> Callable[[JobRun], str]:
        if name in KINDS and KINDS[name].handler is not handler:
            raise ValueError(f"job kind {name!r} is registered twice")
        KINDS[name] = JobKind(
            name,
            title,
            permission,
            unit,
            suffix,
            mimetype,
            back_endpoint,
            describe,
            handler,
            **words,  # heading, done_text, back_text
        )
        return handler

    return register
