"""Recording consent (parent or carer, young person, or Gillick) and withdrawing it.

The consent *gate* (may work go on?) is :func:`mhst.referrals.operations.require_valid_consent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mhst.accounts.models import Role, User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core import signals
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.referrals.eligibility import (
    MAX_TEXT,
    check_lengths,
)
from mhst.referrals.locks import MovedMeanwhile, lock_referral, when, who
from mhst.referrals.models import (
    Consent,
    ConsentKind,
    ConsentMethod,
    Referral,
    ReferralStatus,
)
from mhst.referrals.operations import S, consent_problem, move_to
from mhst.security import scoping

CONSENT_TEXT_LIMITS = {
    "given_by_name": 200,
    "relationship_to_child": 100,
    "gillick_assessment": MAX_TEXT,
}


@dataclass
class ConsentDetails:
    kind: ConsentKind
    given_by_name: str
    given_on: date
    method: ConsentMethod
    relationship_to_child: str | None = None
    gillick_assessed_on: date | None = None
    gillick_assessment: str | None = None


def _check_gillick(details: ConsentDetails, referral: Referral, today: date) -> None:
    if not details.gillick_assessed_on:
        raise RuleError("gillick_assessed_on", "Enter the date of the Gillick assessment")
    if details.gillick_assessed_on > today:
        raise RuleError(
            "gillick_assessed_on",
            "The date of the Gillick assessment must not be in the future",
        )
    if details.gillick_assessed_on < referral.child.date_of_birth:
        raise RuleError(
            "gillick_assessed_on",
            "The date of the Gillick assessment must be after the child's birth",
        )
    if not details.gillick_assessment:
        raise RuleError(
            "gillick_assessment",
            "Describe how the young person showed they understand what they are agreeing to",
        )


def _lock_for_consent(referral: Referral, seen: ReferralStatus | None) -> None:
    try:
        lock_referral(referral, seen=seen, field="kind")
    except MovedMeanwhile:
        latest = max(referral.consents, key=lambda c: (c.recorded_at, c.id), default=None)
        if latest is None or referral.status is not S.READY_FOR_TRIAGE:
            raise  # it moved some other way: say how
        raise MovedMeanwhile(
            "kind",
            f"Consent given by {latest.given_by_name} was recorded by {who(latest.recorded_by)} "
            f"{when(latest.recorded_at)} while you were entering this, so nothing was saved. "
            "If this is a further consent, check it and save again",
            referral.status,
        ) from None


def record_consent(
    referral: Referral,
    details: ConsentDetails,
    *,
    by: User,
    today: date | None = None,
    seen: ReferralStatus | None = None,
) -> Consent:
    """Record consent. A referral awaiting consent then moves on to triage. Refused if it
    moved since the page showed it at ``seen`` (consent recorded meanwhile)."""
    today = today or service_today()
    _lock_for_consent(referral, seen)
    if referral.status.is_closed:
        raise RuleError("kind", "This referral is closed: consent cannot be recorded on it")
    if any(c.withdrawn for c in referral.consents):
        raise RuleError(
            "kind",
            "Consent was withdrawn on this referral: make a new referral if the family "
            "wants help again",
        )
    if not details.given_by_name:
        raise RuleError("given_by_name", "Enter the name of the person who gave consent")
    if details.kind is ConsentKind.PARENT_CARER and not details.relationship_to_child:
        raise RuleError("relationship_to_child", "Enter their relationship to the child")
    if details.given_on > today:
        raise RuleError("given_on", "The date consent was given must not be in the future")
    if details.given_on < referral.child.date_of_birth:
        raise RuleError("given_on", "The date consent was given must be after the child's birth")
    if details.kind is ConsentKind.GILLICK:
        _check_gillick(details, referral, today)
    check_lengths(details, CONSENT_TEXT_LIMITS)
    # Not linked to the referral until it is valid: a refused consent must not linger in
    # ``referral.consents``.
    consent = Consent(
        kind=details.kind,
        given_by_name=details.given_by_name,
        relationship_to_child=(
            details.relationship_to_child if details.kind is ConsentKind.PARENT_CARER else None
        ),
        given_on=details.given_on,
        method=details.method,
        gillick_assessed_on=details.gillick_assessed_on
        if details.kind is ConsentKind.GILLICK
        else None,
        gillick_assessment=details.gillick_assessment
        if details.kind is ConsentKind.GILLICK
        else None,
        recorded_by=by,
    )
    problem = consent_problem(consent, referral.child)
    if problem:
        raise RuleError("kind", problem)
    consent.referral = referral
    db.session.add(consent)
    db.session.flush()
    detail = f"referral {referral.id}"
    record(AuditAction.CREATE, AuditRecordType.CONSENT, consent.id, user=by, detail=detail)
    if referral.status is S.AWAITING_CONSENT:
        move_to(
            referral, S.READY_FOR_TRIAGE, by=by, reason=f"Consent recorded: {consent.kind.label}"
        )
    return consent


# Who withdraws consent on a case: its allocated practitioner or a senior clinician of
# its team (the roles below, within the case scope); a clinical lead reads only.
WITHDRAWS_CONSENT = frozenset({Role.SENIOR_CLINICIAN, Role.EMHP})
NOT_YOURS_TO_WITHDRAW = (
    "Only the practitioner allocated to this case or a senior clinician of the team can "
    "withdraw consent"
)


def may_withdraw_consent(user: User, referral: Referral) -> bool:
    """Whether ``user`` may withdraw consent on ``referral``: a senior clinician of its
    team, or the practitioner who holds it (the case scope: ``scoping.Kind.CASE``)."""
    return user.role in WITHDRAWS_CONSENT and scoping.in_scope(
        user, Referral, referral.id, scoping.Kind.CASE
    )


def withdraw_consent(referral: Referral, consent: Consent, *, by: User, reason: str) -> None:
    """Consent withdrawn: record why and stop all further activity (the referral is
    withdrawn, which closes it, and its planned sessions are cancelled). Only for those
    :func:`may_withdraw_consent` allows."""
    reason = (reason or "").strip()
    if not may_withdraw_consent(by, referral):
        raise RuleError("reason", NOT_YOURS_TO_WITHDRAW)
    lock_referral(referral, field="reason")
    db.session.refresh(consent)  # as saved by whoever held the lock before us
    if consent.referral_id != referral.id:
        raise RuleError("reason", "This consent belongs to another referral")
    if consent.withdrawn:
        raise RuleError(
            "reason",
            f"This consent has already been withdrawn (by {who(consent.withdrawn_by)} "
            f"{when(consent.withdrawn_at)}), so nothing was saved",
        )
    if not reason:
        raise RuleError("reason", "Enter why consent was withdrawn")
    if len(reason) > MAX_TEXT:
        raise RuleError("reason", f"Enter {MAX_TEXT} characters or fewer")
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by = by
    consent.withdrawal_reason = reason
    record(AuditAction.UPDATE, AuditRecordType.CONSENT, consent.id, user=by, detail="withdrawn")
    # Sessions cancels the planned sessions; closing the referral then ends the allocation.
    signals.consent_withdrawn.send(referral, consent=consent, by=by, reason=reason)
    if not referral.status.is_closed:
        move_to(referral, S.WITHDRAWN, by=by, reason=f"Consent withdrawn: {reason}")
    db.session.flush()
