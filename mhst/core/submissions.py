"""One record per form submission, however many times the form is sent.

A create form carries a token made when the form was shown (:class:`SubmissionTokenField`).
:func:`submit_once` claims the token (a primary key) before the operation runs: a double
click or a re-sent page finds the claim and is sent to what the first submission made,
and two copies arriving at the same moment race on the key, so only one runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from mhst.core.forms import BaseForm, commit_operation, failed
from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime
from mhst.extensions import db


class FormSubmission(db.Model):
    """A form submission that made a record, by its token; ``result_url`` is its page."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result_url: Mapped[str | None] = mapped_column(String(500))


def new_token() -> str:
    return str(uuid.uuid4())


class SubmissionTokenField(HiddenField):
    """A fresh token each time the form is shown; posted back unchanged."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, default=new_token, **kwargs)

    def token(self) -> str:
        """The posted token if it is one we made, else a fresh one (an old page without a
        token still works; it just has no protection against being sent twice)."""
        try:
            return str(uuid.UUID(str(self.data)))
        except ValueError:
            return new_token()


class OnceForm(BaseForm):
    """A form that creates a record: sent twice, it still creates one."""

    submission_token = SubmissionTokenField()


# Flashed on the page a repeated submission is sent to.
REPEATED_MESSAGE = "This form had already been sent: it was saved once, shown here"


@dataclass(frozen=True)
class Submitted:
    record: Any  # what the operation returned; None for a repeated submission
    url: str  # where to go next: the record's page
    repeated: bool


def _earlier_url(token: str) -> str | None:
    return db.session.scalar(select(FormSubmission.result_url).where(FormSubmission.token == token))


def earlier_url(form) -> str | None:
    """The page of what this form's submission already made, if it was sent before: for a
    view whose form no longer validates once its record exists (a choice now taken)."""
    if not form.is_submitted():
        return None
    return _earlier_url(form.submission_token.token())


def submit_once(
    form, operation: Callable, *args, result_url: Callable[[Any], str], user=None, **kwargs
):
    """Run ``operation`` for ``form`` once per submission token, committing it with its
    claim; returns :class:`Submitted` (``repeated`` for a resubmission, whose ``url`` is
    the first submission's page) or ``commit_operation``'s failure when a rule is broken."""
    token = form.submission_token.token()
    earlier = _earlier_url(token)
    if earlier:
        return Submitted(None, earlier, repeated=True)
    try:
        claim = FormSubmission(token=token, user_id=getattr(user, "id", None))
        db.session.add(claim)
        db.session.flush()  # a second copy in flight waits here, then fails on the key
    except IntegrityError:
        db.session.rollback()
        return Submitted(None, _earlier_url(token) or "", repeated=True)

    def run():
        record = operation(*args, **kwargs)
        claim.result_url = result_url(record)
        return record

    record = commit_operation(form, run)
    if failed(record):
        return record
    return Submitted(record, claim.result_url, repeated=False)
