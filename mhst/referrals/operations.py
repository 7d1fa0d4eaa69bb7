"""The referral journey's rules: the state machine, the consent gate, the risk review,
triage and withdrawal. Beside it: :mod:`.submission` (a new referral), :mod:`.consent`
(recording and withdrawing consent), :mod:`.eligibility` (ages and limits) and
:mod:`.signposting` (the directory at triage).

Every change of a referral's status goes through :func:`transition` (or, inside this
package's operations modules, :func:`move_to`), so the rules hold whatever the caller (a
form, a crafted POST, a script). The **consent gate**: a referral cannot move
to triage, the waiting list, allocation or treatment without valid consent
(:data:`NEEDS_CONSENT`), and :func:`require_valid_consent` is the check sessions use too.
Exits (signposted, not accepted, stepped up, withdrawn) are never blocked by the gate:
sending a child somewhere better must always be possible.

Operations add to the session and flush; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable

from mhst.accounts.models import Role, User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core import signals
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.directory.models import DirectoryService
from mhst.extensions import db
from mhst.referrals.eligibility import (
    GILLICK_AGES,
    MAX_TEXT,
    SELF_CONSENT_AGE,
    age_on,
    ineligibility_reasons,
)
from mhst.referrals.locks import lock_referral, when, who
from mhst.referrals.models import (
    Child,
    Consent,
    ConsentKind,
    Referral,
    ReferralEvent,
    ReferralSignpost,
    ReferralStatus,
)

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


class ConsentRequired(RuleError):
    """The consent gate refused a step."""

    def __init__(self, message: str):
        super().__init__("status", message)


# ---- the state machine ----------------------------------------------------------------


def record_event(referral, from_status, to_status, *, by, reason) -> ReferralEvent:
    event = ReferralEvent(
        referral=referral, from_status=from_status, to_status=to_status, by_user=by, reason=reason
    )
    db.session.add(event)
    return event


def move_to(referral: Referral, to: ReferralStatus, *, by: User, reason: str | None):
    """Change status, record the history and the audit event (no checks: callers check)."""
    event = record_event(referral, referral.status, to, by=by, reason=reason)
    referral.status = to
    referral.status_changed_at = utcnow()
    today = service_today()
    if to is S.ACCEPTED and referral.accepted_on is None:
        referral.accepted_on = today
    referral.closed_on = today if to.is_closed else None
    signals.referral_status_changed.send(
        referral, from_status=event.from_status, to_status=to, by=by
    )
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
    return move_to(referral, to, by=by, reason=reason)


# ---- the consent gate ---------------------------------------------------------------


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
