"""Submitting a referral: the child's and the referral's details checked, the child
found or recorded, and the referral started on its way (waiting for consent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core import nhs_number, signals
from mhst.core.locking import lock_keys
from mhst.core.rules import RuleError
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import child_records
from mhst.referrals.eligibility import (
    MAX_TEXT,
    OLDEST_PLAUSIBLE_AGE,
    SELF_CONSENT_AGE,
    age_on,
    check_lengths,
    ineligibility_reasons,
)
from mhst.referrals.models import (
    ChildAgrees,
    Duration,
    Ethnicity,
    Gender,
    Impact,
    Need,
    Referral,
    ReferralNeed,
    ReferralRisk,
    ReferralSource,
    RiskItem,
    YearGroup,
)
from mhst.referrals.operations import S, move_to, record_event
from mhst.schools.models import School


@dataclass
class ChildDetails:
    given_name: str
    family_name: str
    date_of_birth: date
    gender: Gender
    year_group: YearGroup
    ethnicity: Ethnicity | None = None
    nhs_number: str | None = None
    parent_carer_name: str | None = None
    parent_carer_relationship: str | None = None
    parent_carer_phone: str | None = None
    parent_carer_email: str | None = None


@dataclass
class ReferralDetails:
    needs: list[Need]
    duration: Duration
    impact: Impact
    needs_detail: str
    already_tried: str
    risks: list[RiskItem]
    discussed_with_team: bool
    child_agrees: ChildAgrees
    source: ReferralSource = ReferralSource.SCHOOL
    received_on: date | None = None  # today when not given
    in_education: bool = True
    need_other: str | None = None
    risk_detail: str | None = None
    referrer_name: str | None = None
    referrer_contact: str | None = None
    # A young person of 12 to 15 asked to be seen without their parents being told
    # (online self-referral): no parent's details needed; consent by Gillick assessment.
    parents_not_told: bool = False


# The longest text each field may hold (the columns' sizes): longer text is refused with
# a message rather than failing in the database (PostgreSQL refuses it, SQLite keeps it).
CHILD_TEXT_LIMITS = {
    "given_name": 100,
    "family_name": 100,
    "parent_carer_name": 200,
    "parent_carer_relationship": 100,
    "parent_carer_phone": 40,
    "parent_carer_email": 254,
}
REFERRAL_TEXT_LIMITS = {
    "need_other": 500,
    "needs_detail": MAX_TEXT,
    "already_tried": MAX_TEXT,
    "risk_detail": MAX_TEXT,
    "referrer_name": 200,
    "referrer_contact": 254,
}


def check_child_details(child: ChildDetails, today: date, *, parent_needed: bool = True) -> None:
    """The child's and parent's details a referral, or a correction, must have right
    (a parent's contact under 16 unless ``parent_needed`` is False: see
    ``ReferralDetails.parents_not_told``)."""
    if not child.given_name:
        raise RuleError("given_name", "Enter the child's first name")
    if not child.family_name:
        raise RuleError("family_name", "Enter the child's last name")
    if child.date_of_birth > today:
        raise RuleError("date_of_birth", "Date of birth must be in the past")
    if age_on(child.date_of_birth, today) >= OLDEST_PLAUSIBLE_AGE:
        raise RuleError(
            "date_of_birth",
            f"Date of birth must be within the last {OLDEST_PLAUSIBLE_AGE} years: check the year",
        )
    if nhs_number.normalise(child.nhs_number or ""):  # only spaces or dashes: not given
        message = nhs_number.problem(child.nhs_number)
        if message:
            raise RuleError("nhs_number", message)
    if (
        parent_needed
        and age_on(child.date_of_birth, today) < SELF_CONSENT_AGE
        and not (child.parent_carer_name and (child.parent_carer_phone or child.parent_carer_email))
    ):
        field = "parent_carer_name" if not child.parent_carer_name else "parent_carer_phone"
        raise RuleError(
            field,
            "Enter a parent or carer's name and a phone number or email: the team needs "
            "their consent for a child under 16",
        )
    check_lengths(child, CHILD_TEXT_LIMITS)


def _check_referral(details: ReferralDetails, today: date) -> None:
    if not details.needs:
        raise RuleError("needs", "Select what the child needs help with")
    if Need.OTHER in details.needs and not details.need_other:
        raise RuleError("need_other", "Describe the other need")
    if not details.needs_detail:
        raise RuleError("needs_detail", "Describe what you have noticed")
    if not details.already_tried:
        raise RuleError("already_tried", "Enter what has been tried already, or 'nothing yet'")
    if details.source is ReferralSource.SCHOOL and not details.discussed_with_team:
        raise RuleError(
            "discussed_with_team",
            "Discuss the child with the Mental Health Support Team before you refer",
        )
    if details.source is not ReferralSource.SCHOOL and not details.referrer_name:
        raise RuleError("referrer_name", "Enter who made the referral")
    if details.received_on is not None and details.received_on > today:
        raise RuleError(
            "received_on", "The date the referral was received must not be in the future"
        )
    check_lengths(details, REFERRAL_TEXT_LIMITS)


def _received_on(details: ReferralDetails, child_details: ChildDetails, today: date) -> date:
    received_on = details.received_on or today
    if received_on < child_details.date_of_birth:
        raise RuleError(
            "received_on", "The date the referral was received must be after the child's birth"
        )
    return received_on


def submit_referral(
    school: School,
    child_details: ChildDetails,
    details: ReferralDetails,
    *,
    by: User | None,
    today: date | None = None,
) -> Referral:
    """Record a referral: the child, what they need, the risk screen and eligibility.

    A referral for a child already known (``children.compare``) is linked to their
    record (no new child) and brings its details up to date. An ineligible referral is
    still recorded, with the reason, for signposting. A risk screen with anything ticked
    flags it for same-day senior review.

    ``by`` is None for a referral the public sent online (mhst.selfreferral): a known
    child is then never linked to, nor their record updated, since anyone can type a
    name: the new record is flagged as a possible duplicate of theirs for staff to
    resolve, as a clash of NHS numbers is.
    """
    today = today or service_today()
    check_child_details(child_details, today, parent_needed=not details.parents_not_told)
    _check_referral(details, today)
    received_on = _received_on(details, child_details, today)
    reasons = ineligibility_reasons(
        date_of_birth=child_details.date_of_birth,
        school=school,
        in_education=details.in_education,
        on=received_on,
    )
    # Two referrals of one new child at the same moment: the second waits here for the
    # first to commit, then finds the child it recorded instead of making a second record.
    lock_keys(db.session, child_records.identity_keys(child_details, school))
    known = child_records.find_known_child(child_details, school)
    if by is None and known.child is not None:
        known = child_records.Match(conflict=known.child)
    child = known.child or child_records.new_child(child_details, school, conflict=known.conflict)
    referral = Referral(
        child=child,
        school=school,
        source=details.source,
        referrer_name=details.referrer_name or None,
        referrer_contact=details.referrer_contact or None,
        received_on=received_on,
        submitted_by=by,
        in_education=details.in_education,
        need_other=details.need_other if Need.OTHER in details.needs else None,
        duration=details.duration,
        impact=details.impact,
        needs_detail=details.needs_detail,
        already_tried=details.already_tried,
        risk_detail=details.risk_detail or None,
        discussed_with_team=details.discussed_with_team,
        child_agrees=details.child_agrees,
        eligible=not reasons,
        ineligible_reason="; ".join(reasons) or None,
        high_risk=bool(details.risks),
        status=S.SUBMITTED,
        need_links=[ReferralNeed(need=need) for need in dict.fromkeys(details.needs)],
        risk_links=[ReferralRisk(risk=risk) for risk in dict.fromkeys(details.risks)],
    )
    db.session.add(referral)
    db.session.flush()
    record_event(referral, None, S.SUBMITTED, by=by, reason=_submission_note(referral))
    record(AuditAction.CREATE, AuditRecordType.REFERRAL, referral.id, user=by, actor=_actor(by))
    child_records.after_referral(known, child_details, school, referral, by=by)
    move_to(referral, S.AWAITING_CONSENT, by=by, reason="No consent recorded yet")
    signals.referral_received.send(referral, by=by)
    return referral


PUBLIC_ACTOR = "online self-referral form"


def _actor(by: User | None) -> str | None:
    return PUBLIC_ACTOR if by is None else None


def _submission_note(referral: Referral) -> str:
    notes = [f"Referred by: {referral.source.label}"]
    if not referral.eligible:
        notes.append(f"Not eligible: {referral.ineligible_reason}")
    if referral.high_risk:
        notes.append("Risk screen positive: same-day senior review")
    return ". ".join(notes)
