"""Allocation, reallocation, discharge and reopening of a case: the rules.

A case is a referral from the point a senior clinician allocates it to a practitioner
(an EMHP or a senior clinician of the team that covers the child's school). Status
changes go through :func:`mhst.referrals.operations.transition`, so the consent gate
holds here too. Allocations are never deleted: reallocation and discharge end the
current one, so the history of who held the case is kept.

Operations add to the session and flush; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import selectinload

from mhst.accounts.models import User
from mhst.accounts.practitioners import PRACTITIONER_ROLES
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.casework.models import Discharge, DischargeReason
from mhst.core import signals
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, utcnow
from mhst.directory.models import DirectoryService
from mhst.extensions import db
from mhst.outcomes.definition_loader import available_measures
from mhst.outcomes.definitions import DefinitionError, MeasureDefinition
from mhst.outcomes.models import MeasureRecord
from mhst.outcomes.rules import PairedOutcome, outcome
from mhst.referrals import eligibility
from mhst.referrals import operations as referrals
from mhst.referrals.allocations import Allocation, current_allocation
from mhst.referrals.locks import MEANWHILE, lock_referral, when, who
from mhst.referrals.models import (
    OPEN_CASE_STATUSES,
    Referral,
    ReferralSignpost,
    ReferralStatus,
)
from mhst.sessions.models import Attendance, CareContact, contact_counts

S = ReferralStatus

MAX_TEXT = eligibility.MAX_TEXT
# Allocation takes a referral off the waiting list; reallocation moves an open case.
ALLOCATABLE_STATUSES = frozenset({S.ACCEPTED, *OPEN_CASE_STATUSES})

NOT_IN_TEAM = "Select a practitioner from the team"
NO_FINAL_MEASURES = "Enter why final measures were not collected"


def can_hold_case(referral: Referral, practitioner: User | None) -> bool:
    """Whether ``practitioner`` may hold ``referral``: an active EMHP or senior clinician
    of the team that covers the child's school."""
    return (
        practitioner is not None
        and practitioner.active
        and practitioner.role in PRACTITIONER_ROLES
        and referral.school.team_id is not None
        and practitioner.team_id == referral.school.team_id
    )


def _check_practitioner(referral: Referral, practitioner: User | None) -> None:
    if not can_hold_case(referral, practitioner):
        raise RuleError("practitioner", NOT_IN_TEAM)


def _check_text(field: str, text: str, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RuleError(field, missing)
    if len(text) > MAX_TEXT:
        raise RuleError(field, f"Enter {MAX_TEXT:,} characters or fewer")
    return text


def _end(allocation: Allocation, reason: str) -> None:
    allocation.ended_at = utcnow()
    allocation.end_reason = reason
    # The partial unique index allows one current allocation per referral: end this one
    # in the database before another is added.
    db.session.flush()


def _start(
    referral: Referral, practitioner: User, *, by: User, reallocated: bool = False
) -> Allocation:
    allocation = Allocation(referral=referral, practitioner=practitioner, allocated_by=by)
    db.session.add(allocation)
    db.session.flush()
    signals.case_allocated.send(referral, practitioner=practitioner, by=by, reallocated=reallocated)
    return allocation


def allocate(
    referral: Referral,
    practitioner: User | None,
    *,
    by: User,
    seen: ReferralStatus | None = None,
    seen_allocation: int | None = None,
) -> Allocation:
    """Allocate an accepted referral to a practitioner (it moves to ALLOCATED), or
    reallocate an open case to someone else (its status stays; the current allocation
    ends with a reason and is kept as history). Refused if the referral moved, or was
    (re)allocated, since the page showed it (``seen``, ``seen_allocation``)."""
    lock_referral(referral, seen=seen, field="practitioner")
    _check_not_reallocated(referral, seen_allocation)
    if referral.status not in ALLOCATABLE_STATUSES:
        raise RuleError(
            "practitioner",
            f"A referral that is {referral.status.label.lower()} cannot be allocated: only "
            "referrals accepted onto the waiting list, or open cases, can be",
        )
    _check_practitioner(referral, practitioner)
    current = current_allocation(referral)
    if current is not None and current.practitioner_id == practitioner.id:
        raise RuleError(
            "practitioner",
            f"This case is already allocated to {practitioner.full_name}: select someone else "
            "to reallocate it",
        )
    if referral.status is S.ACCEPTED:
        referrals.transition(
            referral, S.ALLOCATED, by=by, reason=f"Allocated to {practitioner.full_name}"
        )
    else:
        # Same status, so no history event: the allocation rows and the audit log say it.
        referrals.require_valid_consent(referral)
    if current is not None:
        _end(current, f"Reallocated to {practitioner.full_name}")
    allocation = _start(referral, practitioner, by=by, reallocated=current is not None)
    detail = (
        f"reallocated from user {current.practitioner_id} to user {practitioner.id}"
        if current is not None
        else f"allocated to user {practitioner.id}"
    )
    record(AuditAction.UPDATE, AuditRecordType.REFERRAL, referral.id, user=by, detail=detail)
    return allocation


def _check_not_reallocated(referral: Referral, seen_allocation: int | None) -> None:
    """Refuse if the case's current allocation is not the one the page showed (0: none)."""
    if seen_allocation is None:
        return
    current = current_allocation(referral)
    if (current.id if current is not None else 0) != seen_allocation:
        now = (
            f"allocated to {current.practitioner.full_name} by {who(current.allocated_by)} "
            f"{when(current.allocated_at)}"
            if current is not None
            else "no longer allocated"
        )
        raise RuleError("practitioner", f"This case was {now} {MEANWHILE}")


def end_allocation_of_closed_referral(referral: Referral) -> None:
    """A closed referral leaves its practitioner's caseload (the history is kept).

    Runs when referrals announce the close (``signals.referral_closed``), inside the
    closing operation. A discharged case is left alone: :func:`discharge` ends its
    allocation itself, with its own reason."""
    if referral.status is S.DISCHARGED:
        return
    db.session.execute(
        update(Allocation)
        .where(Allocation.referral_id == referral.id, Allocation.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=f"Referral {referral.status.label.lower()}")
        .execution_options(synchronize_session="fetch")
    )


def discharge(
    referral: Referral,
    *,
    by: User,
    reason: DischargeReason,
    summary: str,
    services: Iterable[DirectoryService] = (),
    final_measures_note: str | None = None,
    seen: ReferralStatus | None = None,
) -> Discharge:
    """Close an open case with a reason, a closing summary and any onward services.
    Planned sessions are cancelled as "case closed" (by the sessions receiver of
    ``signals.referral_closed``) and the allocation ends; the case is then read-only
    until a senior clinician reopens it.

    Final measures: unless a measure was recorded on or after the day of the last attended
    session (:func:`final_measure_recorded`), ``final_measures_note`` must say why none
    was collected. With a final measure the note is not kept. Refused if the case moved
    (was discharged by someone else, say) since the page showed it at ``seen``."""
    lock_referral(referral, seen=seen, field="reason")
    if referral.status not in OPEN_CASE_STATUSES:
        raise RuleError(
            "reason",
            f"A case that is {referral.status.label.lower()} cannot be discharged: only an "
            "allocated case or one in treatment can be",
        )
    if reason not in set(DischargeReason):
        raise RuleError("reason", "Select a reason for the discharge")
    reason = DischargeReason(reason)
    summary = _check_text("summary", summary, "Enter a closing summary")
    if final_measure_recorded(referral):
        final_measures_note = None
    else:
        final_measures_note = _check_text(
            "final_measures_note", final_measures_note, NO_FINAL_MEASURES
        )
    services = list(dict.fromkeys(services))
    event = referrals.transition(
        referral, S.DISCHARGED, by=by, reason=f"Discharged: {reason.label}"
    )
    db.session.flush()
    closing = Discharge(
        referral=referral,
        event_id=event.id,
        reason=reason,
        summary=summary,
        final_measures_note=final_measures_note,
        discharged_by=by,
    )
    db.session.add(closing)
    for service in services:
        db.session.add(ReferralSignpost(referral=referral, event=event, service=service))
    current = current_allocation(referral)
    if current is not None:
        _end(current, "Discharged")
    db.session.flush()
    detail = f"referral {referral.id}"
    record(AuditAction.CREATE, AuditRecordType.DISCHARGE, closing.id, user=by, detail=detail)
    return closing


# ---- final measures ---------------------------------------------------------------------


def final_measure_recorded(referral: Referral) -> bool:
    """Whether the case has a final measure: one completed on or after the (UK) date of
    its last attended session, or, when no session was attended, any measure at all."""
    last_session = db.session.scalar(
        select(func.max(CareContact.starts_at)).where(
            CareContact.referral_id == referral.id,
            CareContact.attendance == Attendance.ATTENDED,
            contact_counts(),
        )
    )
    since = []
    if last_session is not None:
        since.append(
            MeasureRecord.completed_on >= last_session.astimezone(SERVICE_TIME_ZONE).date()
        )
    return bool(
        db.session.scalar(select(exists().where(MeasureRecord.referral_id == referral.id, *since)))
    )


@dataclass(frozen=True)
class MeasureSummary:
    """One measure, from one kind of respondent, on a case: its first and latest records
    and the paired outcome of the two (``None`` with only one record)."""

    code: str
    name: str
    respondent: str
    records: int
    first: MeasureRecord
    latest: MeasureRecord
    definition: MeasureDefinition | None
    outcome: PairedOutcome | None

    @property
    def outcome_text(self) -> str:
        if self.records == 1:
            return "Not paired: recorded once"
        if self.outcome is None:
            return "Not known: the measure's definition is not available"
        result = self.outcome
        if result.reliable_improvement:
            text = "Reliable improvement"
        elif result.reliable_deterioration:
            text = "Reliable deterioration"
        elif result.reliable_improvement is None:
            text = "Paired (this measure has no reliable change value)"
        else:
            text = "No reliable change"
        for scale, recovered in result.recovery.items():
            what = "recovered" if recovered else "not recovered"
            text += f"; {scale.replace('_', ' ')}: {what}"
        return text


def _scores(record: MeasureRecord) -> dict[str, float]:
    return {s.scale: s.score for s in record.scores}


def measure_summaries(referral: Referral) -> list[MeasureSummary]:
    """Each measure recorded on the case, by measure and respondent (a child's ratings
    are paired with the child's), in the order first recorded; two queries."""
    records = db.session.scalars(
        select(MeasureRecord)
        .where(MeasureRecord.referral_id == referral.id)
        .options(selectinload(MeasureRecord.scores))
        .order_by(MeasureRecord.completed_on, MeasureRecord.recorded_at, MeasureRecord.id)
    ).all()
    try:
        definitions = available_measures()
    except DefinitionError:  # a broken service file: show the scores without outcomes
        definitions = {}
    grouped: dict[tuple[str, str], list[MeasureRecord]] = {}
    for measure in records:
        grouped.setdefault((measure.measure_code, measure.respondent), []).append(measure)
    summaries = []
    for (code, respondent), group in grouped.items():
        definition = definitions.get(code)
        paired_outcome = (
            outcome(definition, [_scores(group[0]), _scores(group[-1])])
            if definition is not None and len(group) > 1
            else None
        )
        summaries.append(
            MeasureSummary(
                code=code,
                name=definition.name if definition is not None else code,
                respondent=respondent,
                records=len(group),
                first=group[0],
                latest=group[-1],
                definition=definition,
                outcome=paired_outcome,
            )
        )
    return summaries


def last_allocation(referral: Referral) -> Allocation | None:
    """The most recent allocation of the referral, current or ended."""
    return db.session.scalars(
        select(Allocation)
        .where(Allocation.referral_id == referral.id)
        .order_by(Allocation.allocated_at.desc(), Allocation.id.desc())
        .limit(1)
    ).one_or_none()


def reopen(
    referral: Referral,
    *,
    by: User,
    reason: str,
    practitioner: User | None = None,
    seen: ReferralStatus | None = None,
) -> Allocation:
    """Reopen a discharged case, with a reason: it is allocated again, to ``practitioner``
    or, when none is given, to whoever held it last (if they still can). Refused if the
    case moved since the page showed it at ``seen``."""
    lock_referral(referral, seen=seen, field="reason")
    if referral.status is not S.DISCHARGED:
        raise RuleError(
            "reason",
            f"A case that is {referral.status.label.lower()} cannot be reopened: only a "
            "discharged case can be",
        )
    reason = _check_text("reason", reason, "Enter why the case is being reopened")
    if practitioner is None:
        last = last_allocation(referral)
        practitioner = last.practitioner if last is not None else None
        if not can_hold_case(referral, practitioner):
            who = practitioner.full_name if practitioner is not None else "No one"
            raise RuleError(
                "practitioner",
                f"{who} can no longer hold this case: choose a practitioner of the team "
                "to allocate it to",
            )
    _check_practitioner(referral, practitioner)
    # The history shows the move from discharged to allocated: the reason is the user's.
    referrals.transition(referral, S.ALLOCATED, by=by, reason=reason)
    allocation = _start(referral, practitioner, by=by)
    record(
        AuditAction.UPDATE,
        AuditRecordType.REFERRAL,
        referral.id,
        user=by,
        detail=f"reopened, allocated to user {practitioner.id}",
    )
    return allocation
