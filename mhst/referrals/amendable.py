"""The referral's clinical texts that are amended, never overwritten: the senior
clinician's risk review, their review of a risk flag raised on the case and the reason
given for a triage decision (:mod:`mhst.amendments`). Only their author, or a senior
clinician, may amend them."""

from __future__ import annotations

from mhst.amendments.operations import AmendableText
from mhst.audit.models import AuditRecordType
from mhst.referrals.eligibility import MAX_TEXT
from mhst.referrals.models import Referral, ReferralEvent, ReferralStatus
from mhst.referrals.operations import NEEDS_REASON, TRIAGE_DECISIONS, TRIAGE_STATUSES
from mhst.referrals.risk_flags import MAX_NOTES, CaseRiskFlag


def risk_review(referral: Referral) -> AmendableText | None:
    """The risk review's notes, once the review is recorded."""
    if referral.risk_reviewed_at is None:
        return None
    return AmendableText(
        record=referral,
        record_type=AuditRecordType.REFERRAL,
        field="risk_review_notes",
        label="the risk review",
        author_id=referral.risk_reviewed_by_id,
        written_at=referral.risk_reviewed_at,
        max_length=MAX_TEXT,
    )


def risk_flag_review(flag: CaseRiskFlag) -> AmendableText | None:
    """What the senior clinician found and did about a risk flag, once it is reviewed."""
    if flag.reviewed_at is None:
        return None
    return AmendableText(
        record=flag,
        record_type=AuditRecordType.RISK_FLAG,
        field="review_notes",
        label="the review of the risk",
        author_id=flag.reviewed_by_id,
        written_at=flag.reviewed_at,
        max_length=MAX_NOTES,
    )


def is_triage_decision(event: ReferralEvent) -> bool:
    """Whether the status change is a senior clinician's triage decision."""
    return (
        event.from_status in TRIAGE_STATUSES
        and event.to_status in TRIAGE_DECISIONS
        and event.by_user_id is not None
    )


def triage_reason(event: ReferralEvent) -> AmendableText | None:
    """The reason given for a triage decision (optional for an acceptance)."""
    if not is_triage_decision(event):
        return None
    return AmendableText(
        record=event,
        record_type=AuditRecordType.REFERRAL_EVENT,
        field="reason",
        label="the reason for the triage decision",
        author_id=event.by_user_id,
        written_at=event.occurred_at,
        required=ReferralStatus(event.to_status) in NEEDS_REASON,
        max_length=MAX_TEXT,
    )
