"""The care parts of a child's timeline: 1:1 sessions, group attendance, supervision
decisions and outcome measures, each read in one query for all the referrals asked for
(``mhst.casework.timeline`` assembles them with the referral's own history)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from mhst.accounts.models import User
from mhst.amendments.operations import versions_for
from mhst.audit.models import AuditRecordType
from mhst.casework.timeline_entry import SYSTEM, Sources, TimelineEntry, joined, name_of, start_of
from mhst.extensions import db
from mhst.outcomes.definition_loader import available_measures
from mhst.outcomes.definitions import DefinitionError, Respondent
from mhst.outcomes.models import MeasureRecord, MeasureScore
from mhst.outcomes.scoring import score_text
from mhst.sessions.corrections import texts_with_versions
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
)
from mhst.sessions.models import Attendance, CareContact
from mhst.supervision.models import SupervisionCase, SupervisionRecord


def session_title(contact: CareContact) -> str:
    stage = contact.stage.label
    if contact.attendance is None:
        return f"{stage} session planned"
    if contact.attendance is Attendance.ATTENDED:
        if contact.who_attended is not None and contact.who_attended.value == "parent_carer":
            return f"{stage} session: attended by the parent or carer only"
        return f"{stage} session: attended"
    return f"{stage} session: {contact.attendance.label.lower()}"


def _session_detail(contact: CareContact) -> str | None:
    place = contact.mode.label
    if contact.location and not contact.mode.remote:
        place = f"{place} ({contact.location})"
    parts = [
        f"Who attended: {contact.who_attended.label}" if contact.who_attended else None,
        f"{place}, {contact.duration_minutes} minutes",
        f"Pathway: {contact.pathway.label}" if contact.pathway else None,
        f"Reason: {contact.cancellation_reason}" if contact.cancellation_reason else None,
    ]
    return joined(*parts, sep="\n")


def session_entries(sources: Sources) -> list[TimelineEntry]:
    contacts = db.session.scalars(
        select(CareContact)
        .where(CareContact.referral_id.in_(sources.ids))
        .options(joinedload(CareContact.practitioner))
        .order_by(CareContact.starts_at, CareContact.id)
    ).all()
    # The notes and risk updates, with their amendments, of the sessions whose notes the
    # viewer may read: one query for them all.
    readable = [contact.id for contact in contacts if sources.notes(contact.referral_id)]
    versions = versions_for(AuditRecordType.CARE_CONTACT, readable) if readable else {}
    return [
        TimelineEntry(
            contact.starts_at,
            "session",
            session_title(contact),
            _session_detail(contact),
            name_of(contact.practitioner),
            record_id=contact.id,
            referral_id=contact.referral_id,
            texts=texts_with_versions(contact, versions)
            if sources.notes(contact.referral_id)
            else (),
            entered_in_error=contact.in_error,
        )
        for contact in contacts
    ]


def group_entries(sources: Sources) -> list[TimelineEntry]:
    recorder = aliased(User)
    rows = db.session.execute(
        select(
            GroupAttendance.attended,
            GroupParticipant.as_parent,
            GroupParticipant.referral_id,
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
        .where(GroupParticipant.referral_id.in_(sources.ids))
        .order_by(GroupSession.held_on, GroupSession.id)
    )
    entries = []
    for attended, as_parent, referral_id, held_on, topic, title, recorded_by, in_error in rows:
        verb = "Attended" if attended else "Did not attend"
        session = f"group session '{topic}'" if topic else "a group session"
        text = f"{verb} {session} of {title}"
        if as_parent:
            text = f"Parent or carer: {text[0].lower()}{text[1:]}"
        entries.append(
            TimelineEntry(
                start_of(held_on),
                "group",
                text,
                None,
                recorded_by or SYSTEM,
                has_time=False,
                referral_id=referral_id,
                entered_in_error=in_error is not None,
            )
        )
    return entries


def supervision_entries(sources: Sources) -> list[TimelineEntry]:
    supervisor, practitioner = aliased(User), aliased(User)
    rows = db.session.execute(
        select(
            SupervisionCase.decision,
            SupervisionCase.referral_id,
            SupervisionRecord.held_on,
            supervisor.full_name,
            practitioner.full_name,
            SupervisionCase.id,
            SupervisionRecord.id,
            SupervisionRecord.recorded_by_id,
        )
        .join(SupervisionRecord, SupervisionRecord.id == SupervisionCase.record_id)
        .outerjoin(supervisor, supervisor.id == SupervisionRecord.supervisor_id)
        .outerjoin(practitioner, practitioner.id == SupervisionRecord.practitioner_id)
        .where(SupervisionCase.referral_id.in_(sources.ids))
        .order_by(SupervisionRecord.held_on, SupervisionCase.id)
    )
    return [
        TimelineEntry(
            start_of(held_on),
            "supervision",
            f"Discussed in supervision with {practitioner_name or SYSTEM}",
            None,
            supervisor_name or SYSTEM,
            has_time=False,
            referral_id=referral_id,
            record_id=record_id,
            **_decision(decision, case_id, author_id, sources.notes(referral_id)),
        )
        for (
            decision,
            referral_id,
            held_on,
            supervisor_name,
            practitioner_name,
            case_id,
            record_id,
            author_id,
        ) in rows
    ]


def _decision(decision: str, case_id: int, author_id: int, shown: bool) -> dict:
    """The supervision decision, kept as versions, for those who may read it."""
    key = (AuditRecordType.SUPERVISION_CASE, case_id, "decision")
    return {"text": decision, "text_key": key, "author_id": author_id} if shown else {}


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


def measure_entries(sources: Sources) -> list[TimelineEntry]:
    records = (
        db.session.scalars(
            select(MeasureRecord)
            .where(MeasureRecord.referral_id.in_(sources.ids))
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
            start_of(measure.completed_on),
            "measure",
            f"{names.get(measure.measure_code, measure.measure_code)} recorded"
            # The scores are the case's clinical text: only where its notes may be seen.
            + (f": {scores_text(measure.scores)}" if sources.notes(measure.referral_id) else "")
            + f" ({respondent_text(measure.respondent)})",
            None,
            name_of(measure.recorded_by),
            has_time=False,
            record_id=measure.id,
            link_case_id=measure.referral_id if sources.notes(measure.referral_id) else None,
            referral_id=measure.referral_id,
        )
        for measure in records
    ]
