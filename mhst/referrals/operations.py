"""The referral journey's rules: submission, eligibility, risk, consent and the state machine.

Every change to a referral goes through this module, so the rules hold whatever the
caller (a form, a crafted POST, a script). The **consent gate**: a referral cannot move
to triage, the waiting list, allocation or treatment without valid consent
(:data:`NEEDS_CONSENT`), and :func:`require_valid_consent` is the check sessions use too.
Exits (signposted, not accepted, stepped up, withdrawn) are never blocked by the gate:
sending a child somewhere better must always be possible.

Operations add to the session and flush; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context

from mhst.accounts.models import Role, User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core import nhs_number, signals
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.directory.models import Concern, DirectoryService
from mhst.extensions import db
from mhst.referrals import child_records
from mhst.referrals.locks import MovedMeanwhile, lock_referral, when, who
from mhst.referrals.models import (
    Child,
    ChildAgrees,
    Consent,
    ConsentKind,
    ConsentMethod,
    Duration,
    Ethnicity,
    Gender,
    Impact,
    Need,
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralRisk,
    ReferralSignpost,
    ReferralSource,
    ReferralStatus,
    RiskItem,
    YearGroup,
)
from mhst.schools.models import ParticipationStatus, School
from mhst.security import scoping

S = ReferralStatus

TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.SUBMITTED: frozenset({S.AWAITING_CONSENT, S.READY_FOR_TRIAGE, S.WITHDRAWN}),
    S.AWAITING_CONSENT: frozenset(
        {S.READY_FOR_TRIAGE, S.SIGNPOSTED, S.STEPPED_UP, S.NOT_ACCEPTED, S.WITHDRAWN}
    ),
    S.READY_FOR_TRIAGE: frozenset(
        {S.ACCEPTED, S.SIGNPOSTED, S.STEPPED_UP, S.NOT_ACCEPTED, S.WITHDRAWN}
    ),
    S.ACCEPTED: frozenset({S.ALLOCATED, S.SIGNPOSTED, S.STEPPED_UP, S.WITHDRAWN}),
    S.ALLOCATED: frozenset({S.IN_TREATMENT, S.ACCEPTED, S.STEPPED_UP, S.DISCHARGED, S.WITHDRAWN}),
    S.IN_TREATMENT: frozenset({S.DISCHARGED, S.STEPPED_UP, S.WITHDRAWN}),
    S.DISCHARGED: frozenset({S.ALLOCATED}),  # reopened by a senior clinician
    S.SIGNPOSTED: frozenset(),
    S.NOT_ACCEPTED: frozenset(),
    S.STEPPED_UP: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# Moving *to* these needs valid consent: consultation and triage, the waiting list,
# allocation and treatment.
NEEDS_CONSENT = frozenset({S.READY_FOR_TRIAGE, S.ACCEPTED, S.ALLOCATED, S.IN_TREATMENT})
# Moving to these needs a reason.
NEEDS_REASON = frozenset({S.SIGNPOSTED, S.STEPPED_UP, S.NOT_ACCEPTED, S.WITHDRAWN})
# Triage decisions that send the child elsewhere name at least one directory service.
NEEDS_SERVICES = frozenset({S.SIGNPOSTED, S.STEPPED_UP})
# Open referrals a senior clinician must look at: the triage queue.
TRIAGE_STATUSES = (S.SUBMITTED, S.AWAITING_CONSENT, S.READY_FOR_TRIAGE)
# A school's lead may withdraw their referral only until the team accepts it onto the
# waiting list; afterwards the work is the team's, and the lead asks the team.
LEAD_MAY_WITHDRAW = frozenset(TRIAGE_STATUSES)
ASK_THE_TEAM = (
    "The team has accepted this referral, so your school can no longer withdraw it. "
    "Contact the team if the family no longer want help"
)

GILLICK_AGES = range(12, 16)
SELF_CONSENT_AGE = 16
OLDEST_PLAUSIBLE_AGE = 30  # an age beyond this is a typing mistake, not an ineligible child
MAX_TEXT = 5000


class ConsentRequired(RuleError):
    """The consent gate refused a step."""

    def __init__(self, message: str):
        super().__init__("status", message)


# ---- ages and eligibility -------------------------------------------------------------


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on ``day`` (a birthday on 29 February counts from 1 March)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def service_age_range() -> tuple[int, int]:
    """The ages the service takes, inclusive (5 to 18 unless configured otherwise)."""
    if has_app_context():
        return current_app.config["SERVICE_MIN_AGE"], current_app.config["SERVICE_MAX_AGE"]
    return 5, 18


def ineligibility_reasons(
    *, date_of_birth: date, school: School, in_education: bool, on: date
) -> list[str]:
    """Why a child cannot be seen by the team, or an empty list if they can."""
    reasons = []
    youngest, oldest = service_age_range()
    age = age_on(date_of_birth, on)
    if not youngest <= age <= oldest:
        reasons.append(f"Aged {age}: the service is for children aged {youngest} to {oldest}")
    if school.participation_status is not ParticipationStatus.ACTIVE:
        status = school.participation_status.label.lower()
        reasons.append(f"{school.name} is not an active participating school ({status})")
    if not in_education:
        reasons.append("Not in education")
    return reasons


# ---- submission -----------------------------------------------------------------------


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
CONSENT_TEXT_LIMITS = {
    "given_by_name": 200,
    "relationship_to_child": 100,
    "gillick_assessment": MAX_TEXT,
}


def _check_lengths(details, limits: dict[str, int]) -> None:
    for name, limit in limits.items():
        value = getattr(details, name)
        if value and len(value) > limit:
            raise RuleError(name, f"Enter {limit} characters or fewer")


def check_child_details(child: ChildDetails, today: date) -> None:
    """The child's and parent's details a referral, or a correction, must have right."""
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
    if age_on(child.date_of_birth, today) < SELF_CONSENT_AGE and not (
        child.parent_carer_name and (child.parent_carer_phone or child.parent_carer_email)
    ):
        field = "parent_carer_name" if not child.parent_carer_name else "parent_carer_phone"
        raise RuleError(
            field,
            "Enter a parent or carer's name and a phone number or email: the team needs "
            "their consent for a child under 16",
        )
    _check_lengths(child, CHILD_TEXT_LIMITS)


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
    _check_lengths(details, REFERRAL_TEXT_LIMITS)


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
    by: User,
    today: date | None = None,
) -> Referral:
    """Record a referral: the child, what they need, the risk screen and eligibility.

    A referral for a child already known (``children.compare``) is linked to their
    record (no new child) and brings its details up to date. An ineligible referral is
    still recorded, with the reason, for signposting. A risk screen with anything ticked
    flags it for same-day senior review.
    """
    today = today or service_today()
    check_child_details(child_details, today)
    _check_referral(details, today)
    received_on = _received_on(details, child_details, today)
    reasons = ineligibility_reasons(
        date_of_birth=child_details.date_of_birth,
        school=school,
        in_education=details.in_education,
        on=received_on,
    )
    known = child_records.find_known_child(child_details, school)
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
    _add_event(referral, None, S.SUBMITTED, by=by, reason=_submission_note(referral))
    record(AuditAction.CREATE, AuditRecordType.REFERRAL, referral.id, user=by)
    child_records.after_referral(known, child_details, school, referral, by=by)
    _move(referral, S.AWAITING_CONSENT, by=by, reason="No consent recorded yet")
    return referral


def _submission_note(referral: Referral) -> str:
    notes = [f"Referred by: {referral.source.label}"]
    if not referral.eligible:
        notes.append(f"Not eligible: {referral.ineligible_reason}")
    if referral.high_risk:
        notes.append("Risk screen positive: same-day senior review")
    return ". ".join(notes)


# ---- the state machine ----------------------------------------------------------------


def _add_event(referral, from_status, to_status, *, by, reason) -> ReferralEvent:
    event = ReferralEvent(
        referral=referral, from_status=from_status, to_status=to_status, by_user=by, reason=reason
    )
    db.session.add(event)
    return event


def _move(referral: Referral, to: ReferralStatus, *, by: User, reason: str | None):
    """Change status, record the history and the audit event (no checks: callers check)."""
    event = _add_event(referral, referral.status, to, by=by, reason=reason)
    referral.status = to
    referral.status_changed_at = utcnow()
    today = service_today()
    if to is S.ACCEPTED and referral.accepted_on is None:
        referral.accepted_on = today
    referral.closed_on = today if to.is_closed else None
    if to.is_closed:
        # Casework ends the allocation; sessions cancels the booked sessions.
        signals.referral_closed.send(referral, by=by, reason=reason)
    detail = f"status: {to.value}"
    record(AuditAction.UPDATE, AuditRecordType.REFERRAL, referral.id, user=by, detail=detail)
    db.session.flush()
    return event


def transition(
    referral: Referral,
    to: ReferralStatus,
    *,
    by: User,
    reason: str | None = None,
    seen: ReferralStatus | None = None,
) -> ReferralEvent:
    """Move ``referral`` to ``to``: refused if it moved since the user saw it at
    ``seen``, if the move is not allowed from where it is, if a reason is missing, or by
    the consent gate. The referral's row is locked first and the rules checked on it as
    saved."""
    lock_referral(referral, seen=seen)
    reason = (reason or "").strip() or None
    if to not in set(S):
        raise RuleError("status", "Select a status from the list")
    to = S(to)  # a plain string names the status; checks and history need the member
    if to not in TRANSITIONS[referral.status]:
        raise RuleError(
            "status",
            f"A referral that is {referral.status.label.lower()} cannot be moved to "
            f"{to.label.lower()}",
        )
    if to in NEEDS_REASON and not reason:
        raise RuleError("reason", "Enter the reason")
    if reason and len(reason) > MAX_TEXT:
        raise RuleError("reason", f"Enter {MAX_TEXT} characters or fewer")
    if to in NEEDS_CONSENT:
        require_valid_consent(referral)
    return _move(referral, to, by=by, reason=reason)


# ---- consent --------------------------------------------------------------------------


@dataclass
class ConsentDetails:
    kind: ConsentKind
    given_by_name: str
    given_on: date
    method: ConsentMethod
    relationship_to_child: str | None = None
    gillick_assessed_on: date | None = None
    gillick_assessment: str | None = None


def consent_problem(consent: Consent, child: Child) -> str | None:
    """Why this consent does not let the team work with the child, or None if it does."""
    if consent.withdrawn:
        return "Consent was withdrawn"
    age = age_on(child.date_of_birth, consent.given_on)
    if consent.kind is ConsentKind.PARENT_CARER and age >= SELF_CONSENT_AGE:
        return f"The young person was {age}: from 16 they consent for themselves"
    if consent.kind is ConsentKind.YOUNG_PERSON and age < SELF_CONSENT_AGE:
        return f"The young person was {age}: under 16 a parent or carer consents"
    if consent.kind is ConsentKind.GILLICK:
        if age not in GILLICK_AGES:
            return f"The young person was {age}: a Gillick assessment is for ages 12 to 15"
        if not (consent.gillick_assessed_on and consent.gillick_assessment):
            return "A Gillick competence assessment must be recorded"
    return None


def has_valid_consent(referral: Referral) -> bool:
    return any(consent_problem(c, referral.child) is None for c in referral.consents)


def require_valid_consent(referral: Referral) -> None:
    """The consent gate: raise :class:`ConsentRequired` unless the referral has valid
    consent and none has been withdrawn."""
    if any(c.withdrawn for c in referral.consents):
        raise ConsentRequired("Consent was withdrawn: no further work can happen on this referral")
    if not has_valid_consent(referral):
        raise ConsentRequired(
            "Record valid consent first: without it the team cannot consult, triage, "
            "allocate or see the child"
        )


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
    _check_lengths(details, CONSENT_TEXT_LIMITS)
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
        _move(referral, S.READY_FOR_TRIAGE, by=by, reason=f"Consent recorded: {consent.kind.label}")
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
        _move(referral, S.WITHDRAWN, by=by, reason=f"Consent withdrawn: {reason}")
    db.session.flush()


# ---- risk -----------------------------------------------------------------------------


def review_risk(referral: Referral, *, by: User, notes: str) -> None:
    """A senior clinician's same-day review of a referral whose risk screen was positive.
    Safety comes first: a review needs no consent."""
    notes = (notes or "").strip()
    lock_row(Referral, referral.id)
    if not referral.high_risk:
        raise RuleError("notes", "This referral's risk screen did not flag any risk")
    if referral.risk_reviewed_at is not None:
        raise RuleError(
            "notes",
            "The risk on this referral has already been reviewed (by "
            f"{who(referral.risk_reviewed_by)} {when(referral.risk_reviewed_at)}), so nothing "
            "was saved",
        )
    if not notes:
        raise RuleError("notes", "Enter what you found and what you did")
    if len(notes) > MAX_TEXT:
        raise RuleError("notes", f"Enter {MAX_TEXT} characters or fewer")
    referral.risk_reviewed_at = utcnow()
    referral.risk_reviewed_by = by
    referral.risk_review_notes = notes
    record(
        AuditAction.UPDATE, AuditRecordType.REFERRAL, referral.id, user=by, detail="risk reviewed"
    )
    db.session.flush()


# ---- triage ---------------------------------------------------------------------------

TRIAGE_DECISIONS = (S.ACCEPTED, S.SIGNPOSTED, S.STEPPED_UP, S.NOT_ACCEPTED)


def triage(
    referral: Referral,
    decision: ReferralStatus,
    *,
    by: User,
    reason: str | None,
    services: Iterable[DirectoryService] = (),
    seen: ReferralStatus | None = None,
) -> ReferralEvent:
    """A senior clinician's decision: accept onto the waiting list, signpost, step up,
    or not accept. Signposting and stepping up name at least one directory service.
    Refused if the referral moved since the page showed it at ``seen``."""
    lock_referral(referral, seen=seen, field="decision")
    if decision not in TRIAGE_DECISIONS:
        raise RuleError("decision", "Select a decision from the list")
    decision = S(decision)  # a form's plain "accepted" must meet the same checks below
    services = list(dict.fromkeys(services))
    if decision in NEEDS_SERVICES and not services:
        raise RuleError("services", "Select at least one service from the directory")
    if decision is S.ACCEPTED:
        require_valid_consent(referral)
        reasons = ineligibility_reasons(
            date_of_birth=referral.child.date_of_birth,
            school=referral.school,
            in_education=referral.in_education,
            on=service_today(),
        )
        if reasons:
            raise RuleError(
                "decision",
                f"This referral is not eligible ({'; '.join(reasons)}): signpost or step up",
            )
        if referral.awaiting_risk_review:
            raise RuleError(
                "decision",
                "Review the risk first: a referral whose risk screen shows risk is reviewed "
                "by a senior clinician before it joins the waiting list",
            )
    event = transition(referral, decision, by=by, reason=reason)
    if decision in NEEDS_SERVICES:
        for service in services:
            db.session.add(ReferralSignpost(referral=referral, event=event, service=service))
        db.session.flush()
    return event


def lead_may_withdraw(referral: Referral) -> bool:
    """Whether a school's lead may still withdraw ``referral``: not once it is accepted."""
    return referral.status in LEAD_MAY_WITHDRAW


def withdraw_referral(
    referral: Referral, *, by: User, reason: str, seen: ReferralStatus | None = None
) -> ReferralEvent:
    """The referrer or the family no longer want help from the team. A school's lead
    may withdraw only until the team accepts the referral (:data:`LEAD_MAY_WITHDRAW`)."""
    if by.role is Role.SCHOOL_MENTAL_HEALTH_LEAD:
        lock_referral(referral, seen=seen)  # refused as transition() would if it moved
        if not referral.status.is_closed and not lead_may_withdraw(referral):
            raise RuleError("reason", ASK_THE_TEAM)
    return transition(referral, S.WITHDRAWN, by=by, reason=reason, seen=seen)


# ---- the directory at triage ----------------------------------------------------------

RISK_CONCERNS = {
    RiskItem.SELF_HARM: Concern.SELF_HARM,
    RiskItem.THOUGHTS_OF_SUICIDE: Concern.SELF_HARM,
    RiskItem.EATING_DIFFICULTIES: Concern.EATING_DISORDERS,
    RiskItem.UNUSUAL_EXPERIENCES: Concern.PSYCHOSIS,
    RiskItem.SUBSTANCE_USE: Concern.SUBSTANCE_MISUSE,
}


def directory_area(area_name: str) -> str | None:
    """The directory's area key for a service area's name (the directory is LLR's):
    "Leicester City" is ``city``, "Rutland" ``rutland``, anything else in
    Leicestershire ``county``; an area it cannot place matches any area."""
    name = area_name.lower()
    if "city" in name:
        return "city"
    if "rutland" in name:
        return "rutland"
    if "leicestershire" in name or "county" in name:
        return "county"
    return None


def concerns_for(referral: Referral) -> list[Concern]:
    """The directory concerns a referral raises: general mental health for every need,
    and the specialist concern for each risk ticked."""
    concerns = [Concern.GENERAL_MENTAL_HEALTH]
    for risk in referral.risks:
        concern = RISK_CONCERNS.get(risk)
        if concern and concern not in concerns:
            concerns.append(concern)
    return concerns


def proposed_services(referral: Referral, *, today: date | None = None) -> list[DirectoryService]:
    """Directory services that fit the child's age, area and needs, most specific first."""
    from mhst.directory.operations import propose_services

    age = age_on(referral.child.date_of_birth, today or service_today())
    return propose_services(
        age=age, area=directory_area(referral.school.area.name), concerns=concerns_for(referral)
    )


@dataclass(frozen=True)
class UrgentRoute:
    name: str
    description: str


# The urgent routes of seed 003 ("Urgent/crisis intervention"), shown even before the
# directory is imported: a high-risk referral must never show an empty list.
URGENT_ROUTES = (
    UrgentRoute(
        "999 and A&E",
        "If there is an immediate or life-threatening emergency, call 999 or attend A&E.",
    ),
    UrgentRoute(
        "NHS 111 (select option 2)",
        "If you need to speak to someone urgently regarding mental health, call NHS 111 then "
        "select option 2. The lines are open 24/7.",
    ),
    UrgentRoute(
        "CAMHS Crisis Team",
        "The CAMHS Crisis & home treatment team support CYP in Crisis. Access via GP or NHS 111 "
        "option 2. 7 days a week 8.00 to 22.00",
    ),
)
