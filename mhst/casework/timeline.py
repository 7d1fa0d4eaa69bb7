"""A child's record as one timeline: referral events, consent, the risk review,
allocations, 1:1 sessions, group attendance, supervision decisions, outcome measures and
discharges.

:func:`timeline` reads each source in one query, whatever the record's size, and
returns entries newest first. Clinical notes, risk updates and supervision decisions
are included only when asked for (``include_notes``): for staff who may see the case's
notes (a case in their ``mhst.security.scoping`` reach), never for a school's lead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from mhst.accounts.models import User
from mhst.amendments.operations import versions_for
from mhst.audit.models import AuditRecordType
from mhst.casework.models import Discharge
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.extensions import db
from mhst.outcomes.definitions import DefinitionError, Respondent, available_measures
from mhst.outcomes.models import MeasureRecord, MeasureScore
from mhst.outcomes.scoring import score_text
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import Consent, Referral, ReferralEvent
from mhst.sessions.corrections import texts_with_versions
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
)
from mhst.sessions.models import Attendance, CareContact
from mhst.supervision.models import SupervisionCase, SupervisionRecord

SYSTEM = "The system"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened on a child's record.

    ``has_time`` is False for things recorded by date only (group sessions,
    supervision): ``when`` is then the start of that day in UK time.
    """

    when: datetime
    # "status", "consent", "risk", "allocation", "session", "group", "supervision",
    # "measure", "discharge"
    kind: str
    title: str
    detail: str | None
    by: str
    has_time: bool = True
    # The care contact a "session" entry shows (its notes' reading is audited), or the
    # measure record of a "measure" entry.
    record_id: int | None = field(default=None, compare=False)
    # A "measure" entry links to its record (which shows any notes) when the viewer may
    # see the case's notes: the case's id, else None.
    link_case_id: int | None = field(default=None, compare=False)
    # Ties at the same moment: a record comes before the status change it caused.
    order: int = field(default=0, compare=False)
    sequence: int = field(default=0, compare=False)
    # Clinical texts shown with their amendments: (label, current text, versions).
    texts: tuple = field(default=(), compare=False)
    entered_in_error: bool = field(default=False, compare=False)  # shown struck through


def _name(user: User | None) -> str:
    return user.full_name if user is not None else SYSTEM


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=SERVICE_TIME_ZONE)


def _joined(*parts: str | None, sep: str = ". ") -> str | None:
    return sep.join(part for part in parts if part) or None


# ---- each source, one query -----------------------------------------------------------


def _status_entries(referral: Referral) -> list[TimelineEntry]:
    events = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .options(joinedload(ReferralEvent.by_user))
        .order_by(ReferralEvent.occurred_at, ReferralEvent.id)
    )
    entries = []
    for event in events:
        if event.from_status is None:
            title = event.to_status.label
        else:
            title = f"{event.from_status.label} to {event.to_status.label.lower()}"
        entries.append(
            TimelineEntry(
                event.occurred_at, "status", title, event.reason, _name(event.by_user), order=1
            )
        )
    return entries


def _consent_summary(consent: Consent) -> str:
    who = consent.given_by_name
    if consent.relationship_to_child:
        who = f"{who} ({consent.relationship_to_child})"
    method = consent.method.label
    return f"{consent.kind.label}: {who}, {method[0].lower()}{method[1:]}"


def _consent_entries(referral: Referral) -> list[TimelineEntry]:
    consents = db.session.scalars(
        select(Consent)
        .where(Consent.referral_id == referral.id)
        .options(joinedload(Consent.recorded_by), joinedload(Consent.withdrawn_by))
        .order_by(Consent.id)
    )
    entries = []
    for consent in consents:
        entries.append(
            TimelineEntry(
                consent.recorded_at,
                "consent",
                "Consent recorded",
                _consent_summary(consent),
                _name(consent.recorded_by),
            )
        )
        if consent.withdrawn:
            entries.append(
                TimelineEntry(
                    consent.withdrawn_at,
                    "consent",
                    "Consent withdrawn",
                    consent.withdrawal_reason,
                    _name(consent.withdrawn_by),
                )
            )
    return entries


def _risk_entries(referral: Referral) -> list[TimelineEntry]:
    if referral.risk_reviewed_at is None:
        return []
    reviewer = referral.risk_reviewed_by
    return [
        TimelineEntry(
            referral.risk_reviewed_at,
            "risk",
            "Risk reviewed",
            referral.risk_review_notes,
            _name(reviewer),
        )
    ]


def _allocation_entries(referral: Referral) -> list[TimelineEntry]:
    allocations = db.session.scalars(
        select(Allocation)
        .where(Allocation.referral_id == referral.id)
        .options(joinedload(Allocation.practitioner), joinedload(Allocation.allocated_by))
        .order_by(Allocation.allocated_at, Allocation.id)
    )
    entries = []
    for allocation in allocations:
        practitioner = _name(allocation.practitioner)
        entries.append(
            TimelineEntry(
                allocation.allocated_at,
                "allocation",
                f"Allocated to {practitioner}",
                None,
                _name(allocation.allocated_by),
            )
        )
        if allocation.ended_at is not None:
            entries.append(
                TimelineEntry(
                    allocation.ended_at,
                    "allocation",
                    f"Allocation to {practitioner} ended",
                    allocation.end_reason,
                    SYSTEM,
                )
            )
    return entries


def session_title(contact: CareContact) -> str:
    stage = contact.stage.label
    if contact.attendance is None:
        return f"{stage} session planned"
    if contact.attendance is Attendance.ATTENDED:
        if contact.who_attended is not None and contact.who_attended.value == "parent_carer":
            return f"{stage} session: attended by the parent or carer only"
        return f"{stage} session: attended"
    return f"{stage} session: {contact.attendance.label.lower()}"


def _session_detail(contact: CareContact, include_notes: bool) -> str | None:
    place = contact.mode.label
    if contact.location and not contact.mode.remote:
        place = f"{place} ({contact.location})"
    parts = [
        f"Who attended: {contact.who_attended.label}" if contact.who_attended else None,
        f"{place}, {contact.duration_minutes} minutes",
        f"Pathway: {contact.pathway.label}" if contact.pathway else None,
        f"Reason: {contact.cancellation_reason}" if contact.cancellation_reason else None,
    ]
    return _joined(*parts, sep="\n")


def _session_entries(referral: Referral, include_notes: bool) -> list[TimelineEntry]:
    contacts = db.session.scalars(
        select(CareContact)
        .where(CareContact.referral_id == referral.id)
        .options(joinedload(CareContact.practitioner))
        .order_by(CareContact.starts_at, CareContact.id)
    ).all()
    ids = [contact.id for contact in contacts]
    versions = versions_for(AuditRecordType.CARE_CONTACT, ids) if include_notes and ids else {}
    return [
        TimelineEntry(
            contact.starts_at,
            "session",
            session_title(contact),
            _session_detail(contact, include_notes),
            _name(contact.practitioner),
            record_id=contact.id,
            texts=texts_with_versions(contact, versions) if include_notes else (),
            entered_in_error=contact.in_error,
        )
        for contact in contacts
    ]


def _group_entries(referral: Referral) -> list[TimelineEntry]:
    recorder = aliased(User)
    rows = db.session.execute(
        select(
            GroupAttendance.attended,
            GroupParticipant.as_parent,
            GroupSession.held_on,
            GroupSession.topic,
            GroupProgramme.title,
            recorder.full_name,
            GroupSession.entered_in_error_at,
        )
        .join(GroupParticipant, GroupParticipant.id == GroupAttendance.participant_id)
        .join(GroupSession, GroupSession.id == GroupAttendance.session_id)
        .join(GroupProgramme, GroupProgramme.id == GroupSession.group_id)
        .outerjoin(recorder, recorder.id == GroupSession.recorded_by_id)
        .where(GroupParticipant.referral_id == referral.id)
        .order_by(GroupSession.held_on, GroupSession.id)
    )
    entries = []
    for attended, as_parent, held_on, topic, title, recorded_by, in_error in rows:
        verb = "Attended" if attended else "Did not attend"
        session = f"group session '{topic}'" if topic else "a group session"
        text = f"{verb} {session} of {title}"
        if as_parent:
            text = f"Parent or carer: {text[0].lower()}{text[1:]}"
        entries.append(
            TimelineEntry(
                _start_of(held_on),
                "group",
                text,
                None,
                recorded_by or SYSTEM,
                has_time=False,
                entered_in_error=in_error is not None,
            )
        )
    return entries


def _supervision_entries(referral: Referral, include_notes: bool) -> list[TimelineEntry]:
    supervisor, practitioner = aliased(User), aliased(User)
    rows = db.session.execute(
        select(
            SupervisionCase.decision,
            SupervisionRecord.held_on,
            supervisor.full_name,
            practitioner.full_name,
        )
        .join(SupervisionRecord, SupervisionRecord.id == SupervisionCase.record_id)
        .outerjoin(supervisor, supervisor.id == SupervisionRecord.supervisor_id)
        .outerjoin(practitioner, practitioner.id == SupervisionRecord.practitioner_id)
        .where(SupervisionCase.referral_id == referral.id)
        .order_by(SupervisionRecord.held_on, SupervisionCase.id)
    )
    return [
        TimelineEntry(
            _start_of(held_on),
            "supervision",
            f"Discussed in supervision with {practitioner_name or SYSTEM}",
            decision if include_notes else None,
            supervisor_name or SYSTEM,
            has_time=False,
        )
        for decision, held_on, supervisor_name, practitioner_name in rows
    ]


RESPONDENTS = {
    Respondent.CHILD: "child",
    Respondent.PARENT_CARER: "parent or carer",
    Respondent.PRACTITIONER: "practitioner",
}


def respondent_text(respondent: Respondent | str) -> str:
    return RESPONDENTS.get(respondent, str(respondent))


def scores_text(scores: Iterable[MeasureScore]) -> str:
    """A record's scores in the definition's order: "care 1.22, total 1.25"."""
    return ", ".join(
        f"{s.scale.replace('_', ' ')} {score_text(s.score)}"
        for s in sorted(scores, key=lambda s: s.position)
    )


def _measure_names() -> dict[str, str]:
    try:
        return {code: measure.name for code, measure in available_measures().items()}
    except DefinitionError:  # a broken service file: name measures by their codes
        return {}


def _measure_entries(referral: Referral, include_notes: bool) -> list[TimelineEntry]:
    records = (
        db.session.scalars(
            select(MeasureRecord)
            .where(MeasureRecord.referral_id == referral.id)
            .options(joinedload(MeasureRecord.scores), joinedload(MeasureRecord.recorded_by))
            .order_by(MeasureRecord.completed_on, MeasureRecord.id)
        )
        .unique()
        .all()
    )
    if not records:
        return []
    names = _measure_names()
    return [
        TimelineEntry(
            _start_of(measure.completed_on),
            "measure",
            f"{names.get(measure.measure_code, measure.measure_code)} recorded: "
            f"{scores_text(measure.scores)} ({respondent_text(measure.respondent)})",
            None,
            _name(measure.recorded_by),
            has_time=False,
            record_id=measure.id,
            link_case_id=referral.id if include_notes else None,
        )
        for measure in records
    ]


def _discharge_detail(discharge: Discharge) -> str:
    return _joined(
        f"Reason: {discharge.reason.label}",
        discharge.summary,
        f"Final measures not collected: {discharge.final_measures_note}"
        if discharge.final_measures_note
        else None,
        sep="\n",
    )


def _discharge_entries(referral: Referral) -> list[TimelineEntry]:
    discharges = db.session.scalars(
        select(Discharge)
        .where(Discharge.referral_id == referral.id)
        .options(joinedload(Discharge.discharged_by))
        .order_by(Discharge.discharged_at, Discharge.id)
    )
    return [
        TimelineEntry(
            discharge.discharged_at,
            "discharge",
            "Discharge summary",
            _discharge_detail(discharge),
            _name(discharge.discharged_by),
        )
        for discharge in discharges
    ]


def timeline(referral: Referral, *, include_notes: bool = True) -> list[TimelineEntry]:
    """Everything on the child's record for this referral, newest first, in a fixed
    number of queries (one per source)."""
    entries = [
        *_consent_entries(referral),
        *_risk_entries(referral),
        *_allocation_entries(referral),
        *_session_entries(referral, include_notes),
        *_group_entries(referral),
        *_supervision_entries(referral, include_notes),
        *_measure_entries(referral, include_notes),
        *_discharge_entries(referral),
        *_status_entries(referral),
    ]
    numbered = [dataclasses.replace(entry, sequence=number) for number, entry in enumerate(entries)]
    return sorted(numbered, key=lambda e: (e.when, e.order, e.sequence), reverse=True)


def oldest_first(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    return list(reversed(entries))
