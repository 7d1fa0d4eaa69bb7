"""The rows of the extract's four files, each from a fixed number of queries.

Only coded columns are read: no names, NHS numbers, parents' details or free text are
ever selected, and the date of birth is read only to work out the age at referral.
Every builder returns its rows (header first) and the ids of the referrals it read, so
the download can audit each child's record it exported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from mhst.casework.models import Discharge
from mhst.core.formatting import iso_date
from mhst.extensions import db
from mhst.extract import columns as c
from mhst.extract.period import Period, uk_date_and_time
from mhst.extract.pseudonyms import Pseudonymiser
from mhst.organisation.models import Team
from mhst.outcomes.models import MeasureRecord, MeasureScore
from mhst.outcomes.scoring import score_text
from mhst.referrals.models import (
    CLOSED_STATUSES,
    Child,
    Need,
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralStatus,
)
from mhst.schools.models import School
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
    group_session_counts,
)
from mhst.sessions.models import (
    NOT_CONTACTS,
    Attendance,
    CareContact,
    WhoAttended,
    contact_counts,
)

Row = list[object]


@dataclass
class FileRows:
    spec: c.ExtractFile
    rows: list[Row] = field(default_factory=list)
    referral_ids: set[int] = field(default_factory=set)

    @property
    def with_header(self) -> list[Row]:
        return [self.spec.header, *self.rows]


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# ---- referrals.csv ----------------------------------------------------------------------


def _last_event_before(moment):
    """The id of the referral's last status event before ``moment`` (correlated)."""
    return (
        select(ReferralEvent.id)
        .where(ReferralEvent.referral_id == Referral.id, ReferralEvent.occurred_at < moment)
        .order_by(ReferralEvent.occurred_at.desc(), ReferralEvent.id.desc())
        .limit(1)
        .correlate(Referral)
        .scalar_subquery()
    )


def _referrals_in(period: Period):
    """Referrals received by the end of the period and not closed all through it: open at
    its start, or moved (received, reopened) during it."""
    at_start = aliased(ReferralEvent)
    at_end = aliased(ReferralEvent)
    closed = sorted(CLOSED_STATUSES)
    return (
        select(
            Referral.id,
            Referral.child_id,
            Referral.source,
            Referral.received_on,
            Referral.accepted_on,
            Child.date_of_birth,
            Child.gender,
            Child.ethnicity,
            School.urn,
            Team.id.label("team_id"),
            Team.name.label("team_name"),
            at_end.to_status.label("status_at_end"),
            at_end.occurred_at.label("status_changed_at"),
            Discharge.reason.label("discharge_reason"),
        )
        .select_from(Referral)
        .join(Child, Child.id == Referral.child_id)
        .join(School, School.id == Referral.school_id)
        .outerjoin(Team, Team.id == School.team_id)
        .outerjoin(at_end, at_end.id == _last_event_before(period.ends_before))
        .outerjoin(at_start, at_start.id == _last_event_before(period.starts_at))
        .outerjoin(Discharge, Discharge.event_id == at_end.id)
        .where(
            Referral.received_on <= period.end,
            or_(
                at_start.id.is_(None),
                at_start.to_status.not_in(closed),
                at_end.id != at_start.id,
            ),
        )
    )


def referral_rows(period: Period, pseudonyms: Pseudonymiser) -> FileRows:
    """Two queries: the referrals, then their needs."""
    statement = _referrals_in(period)
    result = FileRows(c.REFERRALS)
    records = db.session.execute(statement.order_by(Referral.received_on, Referral.id)).all()
    included = statement.with_only_columns(Referral.id).subquery()
    needs: dict[int, list[Need]] = {}
    for referral_id, need in db.session.execute(
        select(ReferralNeed.referral_id, ReferralNeed.need).join(
            included, included.c.id == ReferralNeed.referral_id
        )
    ):
        needs.setdefault(referral_id, []).append(need)
    order = list(Need)
    for r in records:
        status = r.status_at_end or ReferralStatus.SUBMITTED
        closed_on = uk_date_and_time(r.status_changed_at)[0] if status in CLOSED_STATUSES else None
        accepted_on = r.accepted_on if r.accepted_on and r.accepted_on <= period.end else None
        discharged = status is ReferralStatus.DISCHARGED and r.discharge_reason
        result.rows.append(
            [
                pseudonyms.person(r.child_id),
                pseudonyms.referral(r.id),
                f"EE{r.urn}",
                r.team_id or "",
                r.team_name or "",
                r.source.value,
                c.SOURCE_OF_REFERRAL_CODE[r.source],
                iso_date(r.received_on),
                iso_date(accepted_on),
                iso_date(closed_on),
                status.value,
                r.discharge_reason.value if discharged else "",
                age_on(r.date_of_birth, r.received_on),
                r.gender.value,
                c.GENDER_IDENTITY_CODE[r.gender],
                r.ethnicity.value if r.ethnicity else c.ETHNIC_CATEGORY_NOT_KNOWN,
                ";".join(need.value for need in sorted(needs.get(r.id, []), key=order.index)),
            ]
        )
        result.referral_ids.add(r.id)
    return result


# ---- care_contacts.csv and coded_activities.csv -----------------------------------------


def _contacts_in(period: Period):
    return (
        select(
            CareContact.id,
            CareContact.referral_id,
            Referral.child_id,
            CareContact.starts_at,
            CareContact.duration_minutes,
            CareContact.stage,
            CareContact.mode,
            CareContact.pathway,
            CareContact.attendance,
            CareContact.who_attended,
        )
        .select_from(CareContact)
        .join(Referral, Referral.id == CareContact.referral_id)
        .where(
            CareContact.starts_at >= period.starts_at,
            CareContact.starts_at < period.ends_before,
            contact_counts(),  # a session entered in error is no contact
        )
        .order_by(CareContact.starts_at, CareContact.id)
    )


def care_contact_rows(period: Period, pseudonyms: Pseudonymiser) -> FileRows:
    """Two queries: the 1:1 contacts with an outcome recorded, then group attendance."""
    result = FileRows(c.CARE_CONTACTS)
    contacts = db.session.execute(
        _contacts_in(period).where(
            CareContact.attendance.is_not(None), CareContact.attendance.not_in(NOT_CONTACTS)
        )
    ).all()
    for contact in contacts:
        day, start = uk_date_and_time(contact.starts_at)
        who = contact.who_attended
        result.rows.append(
            [
                c.INDIVIDUAL,
                pseudonyms.contact(contact.id),
                "",
                pseudonyms.referral(contact.referral_id),
                pseudonyms.person(contact.child_id),
                day.isoformat(),
                start.isoformat(),
                contact.duration_minutes,
                contact.mode.value,
                c.CONSULTATION_MECHANISM_CODE[contact.mode],
                contact.attendance.value,
                c.ATTENDANCE_CODE[contact.attendance],
                c.LOCATION_TYPE[contact.mode],
                c.YES if who is WhoAttended.PARENT_CARER else c.NO,
                who.value if who else "",
                contact.stage.value,
                "",
            ]
        )
        result.referral_ids.add(contact.referral_id)
    _add_group_rows(result, period, pseudonyms)
    return result


def _add_group_rows(result: FileRows, period: Period, pseudonyms: Pseudonymiser) -> None:
    """One row per participant at each group session in the period that they attended; the
    participant count is everyone who attended that session."""
    attended = db.session.execute(
        select(
            GroupSession.id,
            GroupSession.held_on,
            GroupProgramme.is_virtual,
            GroupProgramme.school_id,
            GroupParticipant.referral_id,
            GroupParticipant.as_parent,
            Referral.child_id,
        )
        .select_from(GroupAttendance)
        .join(GroupSession, GroupSession.id == GroupAttendance.session_id)
        .join(GroupProgramme, GroupProgramme.id == GroupSession.group_id)
        .join(GroupParticipant, GroupParticipant.id == GroupAttendance.participant_id)
        .join(Referral, Referral.id == GroupParticipant.referral_id)
        .where(
            GroupAttendance.attended.is_(True),
            and_(GroupSession.held_on >= period.start, GroupSession.held_on <= period.end),
            group_session_counts(),
        )
        .order_by(GroupSession.held_on, GroupSession.id, GroupParticipant.id)
    ).all()
    participants = Counter(row.id for row in attended)
    for row in attended:
        virtual = row.is_virtual
        who = WhoAttended.PARENT_CARER if row.as_parent else WhoAttended.CHILD
        result.rows.append(
            [
                c.GROUP,
                "",
                pseudonyms.group_session(row.id),
                pseudonyms.referral(row.referral_id),
                pseudonyms.person(row.child_id),
                row.held_on.isoformat(),
                "",
                "",
                "virtual_group" if virtual else "group_in_person",
                c.GROUP_VIRTUAL_MECHANISM if virtual else c.GROUP_IN_PERSON_MECHANISM,
                Attendance.ATTENDED.value,
                c.ATTENDANCE_CODE[Attendance.ATTENDED],
                "remote" if virtual else ("school" if row.school_id else "other"),
                c.YES if row.as_parent else c.NO,
                who.value,
                "",
                participants[row.id],
            ]
        )
        result.referral_ids.add(row.referral_id)


def coded_activity_rows(period: Period, pseudonyms: Pseudonymiser) -> FileRows:
    """One query: attended 1:1 contacts with their intervention recorded."""
    result = FileRows(c.CODED_ACTIVITIES)
    contacts = db.session.execute(
        _contacts_in(period).where(
            CareContact.attendance == Attendance.ATTENDED, CareContact.pathway.is_not(None)
        )
    ).all()
    for contact in contacts:
        result.rows.append(
            [
                pseudonyms.contact(contact.id),
                pseudonyms.referral(contact.referral_id),
                pseudonyms.person(contact.child_id),
                uk_date_and_time(contact.starts_at)[0].isoformat(),
                contact.pathway.value,
                contact.pathway.label,
                "",
                contact.duration_minutes,
            ]
        )
        result.referral_ids.add(contact.referral_id)
    return result


# ---- outcome_scores.csv -----------------------------------------------------------------


def outcome_score_rows(period: Period, pseudonyms: Pseudonymiser) -> FileRows:
    """One query: every scale score of the measures completed in the period."""
    result = FileRows(c.OUTCOME_SCORES)
    scores = db.session.execute(
        select(
            MeasureRecord.id,
            MeasureRecord.referral_id,
            Referral.child_id,
            MeasureRecord.measure_code,
            MeasureRecord.completed_on,
            MeasureRecord.respondent,
            MeasureRecord.by_item,
            MeasureRecord.care_contact_id,
            MeasureScore.scale,
            MeasureScore.score,
        )
        .select_from(MeasureRecord)
        .join(MeasureScore, MeasureScore.record_id == MeasureRecord.id)
        .join(Referral, Referral.id == MeasureRecord.referral_id)
        .where(MeasureRecord.completed_on >= period.start, MeasureRecord.completed_on <= period.end)
        .order_by(MeasureRecord.completed_on, MeasureRecord.id, MeasureScore.position)
    ).all()
    for score in scores:
        result.rows.append(
            [
                pseudonyms.assessment(score.id),
                pseudonyms.referral(score.referral_id),
                pseudonyms.person(score.child_id),
                score.measure_code,
                "",
                score.scale,
                score_text(score.score),
                score.completed_on.isoformat(),
                score.respondent.value,
                "items" if score.by_item else "totals",
                pseudonyms.contact(score.care_contact_id),
            ]
        )
        result.referral_ids.add(score.referral_id)
    return result


BUILDERS = (referral_rows, care_contact_rows, coded_activity_rows, outcome_score_rows)
