"""Unfinished self-referrals, kept server-side: the browser's session holds a random
token, the table its hash and the answers. A draft untouched for the configured time
(two hours unless set) is gone: deleted when next read, and by the scheduled purge."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from celery.schedules import crontab
from flask import current_app, has_app_context
from sqlalchemy import delete, select

from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.jobs.schedule import scheduled
from mhst.selfreferral.models import SelfReferralDraft


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime() -> timedelta:
    minutes = (
        current_app.config.get("SELF_REFERRAL_DRAFT_MINUTES", 120) if has_app_context() else 120
    )
    return timedelta(minutes=minutes)


def new_draft(now: datetime | None = None) -> tuple[str, SelfReferralDraft]:
    """A new, empty draft and the token that opens it (to keep in the session)."""
    token = secrets.token_urlsafe(32)
    draft = SelfReferralDraft(token_hash=_hash(token), answers={}, updated_at=now or utcnow())
    db.session.add(draft)
    db.session.flush()
    return token, draft


def open_draft(token: object, now: datetime | None = None) -> SelfReferralDraft | None:
    """The draft ``token`` opens, or None (no such draft, or expired: then deleted)."""
    if not isinstance(token, str) or not token:
        return None
    draft = db.session.scalar(
        select(SelfReferralDraft).where(SelfReferralDraft.token_hash == _hash(token))
    )
    if draft is not None and draft.updated_at < (now or utcnow()) - lifetime():
        db.session.delete(draft)
        db.session.flush()
        return None
    return draft


def save_answers(draft: SelfReferralDraft, answers: dict, now: datetime | None = None) -> None:
    draft.answers = {**draft.answers, **answers}  # a new dict: JSON columns track assignment
    draft.updated_at = now or utcnow()


def discard(token: object) -> None:
    if isinstance(token, str) and token:
        db.session.execute(
            delete(SelfReferralDraft).where(SelfReferralDraft.token_hash == _hash(token))
        )


@scheduled("delete-expired-self-referral-drafts", crontab(minute="*/15"))
def delete_expired_drafts(now: datetime | None = None) -> int:
    """Delete the drafts untouched for longer than their lifetime."""
    cutoff = (now or utcnow()) - lifetime()
    result = db.session.execute(
        delete(SelfReferralDraft).where(SelfReferralDraft.updated_at < cutoff)
    )
    return result.rowcount
