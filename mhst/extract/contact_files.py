"""The parts of ``care_contacts.csv`` (1:1 contacts, then group rows) and
``coded_activities.csv``, read in batches (see :mod:`mhst.extract.files`)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Select, select

from mhst.extract import columns as c
from mhst.extract.files import FileRows, Part, Rows, among, collect, fetch, plain
from mhst.extract.period import Period, uk_day_and_time_text
from mhst.extract.pseudonyms import Pseudonymiser
from mhst.referrals.models import Referral
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
    Pathway,
    WhoAttended,
    contact_counts,
)

# ---- 1:1 contacts -----------------------------------------------------------------------


def _in_period(period: Period):
    return (
        CareContact.starts_at >= period.starts_at,
        CareContact.starts_at < period.ends_before,
        contact_counts(),  # a session entered in error is no contact
    )


def _with_outcome():
    return CareContact.attendance.is_not(None), CareContact.attendance.not_in(NOT_CONTACTS)


def _coded():
    return CareContact.attendance == Attendance.ATTENDED, CareContact.pathway.is_not(None)


def _ordered_ids(*conditions) -> Select:
    return select(CareContact.id).where(*conditions).order_by(CareContact.starts_at, CareContact.id)


def _contacts(ids: list[int]) -> list[tuple]:
    """One query: the batch's contacts, in the file's order, as plain tuples."""
    return fetch(
        select(
            CareContact.id,
            CareContact.referral_id,
            Referral.child_id,
            plain(CareContact.starts_at),
            CareContact.duration_minutes,
            plain(CareContact.stage),
            plain(CareContact.mode),
            plain(CareContact.pathway),
            plain(CareContact.attendance),
            plain(CareContact.who_attended),
        )
        .select_from(CareContact)
        .join(Referral, Referral.id == CareContact.referral_id)
        .where(among(CareContact.id, ids))
        .order_by(CareContact.starts_at, CareContact.id)
    ).all()


def _contact_rows(ids: list[int], period: Period, pseudonyms: Pseudonymiser) -> Rows:
    contact, referral, person = pseudonyms.contact, pseudonyms.referral, pseudonyms.person
    mechanism, attendance_code, location = (
        c.CONSULTATION_MECHANISM_CODE,
        c.ATTENDANCE_CODE,
        c.LOCATION_TYPE,
    )
    proxy = WhoAttended.PARENT_CARER.value
    for id_, referral_id, child_id, starts_at, minutes, stage, mode, _, attended, who in _contacts(
        ids
    ):
        day, start = uk_day_and_time_text(starts_at)
        yield (
            [
                c.INDIVIDUAL,
                contact(id_),
                "",
                referral(referral_id),
                person(child_id),
                day,
                start,
                minutes,
                mode,
                mechanism[mode],
                attended,
                attendance_code[attended],
                location[mode],
                c.YES if who == proxy else c.NO,
                who or "",
                stage,
                "",
            ],
            referral_id,
        )


PATHWAY_LABELS = {pathway.value: pathway.label for pathway in Pathway}


def _coded_rows(ids: list[int], period: Period, pseudonyms: Pseudonymiser) -> Rows:
    contact, referral, person = pseudonyms.contact, pseudonyms.referral, pseudonyms.person
    for id_, referral_id, child_id, starts_at, minutes, _, _, pathway, _, _ in _contacts(ids):
        yield (
            [
                contact(id_),
                referral(referral_id),
                person(child_id),
                uk_day_and_time_text(starts_at)[0],
                pathway,
                PATHWAY_LABELS[pathway],
                "",
                minutes,
            ],
            referral_id,
        )


# ---- group sessions ---------------------------------------------------------------------


def _attended(period: Period):
    return (
        GroupAttendance.attended.is_(True),
        GroupSession.held_on >= period.start,
        GroupSession.held_on <= period.end,
        group_session_counts(),
    )


def _group_session_ids(period: Period) -> Select:
    """The group sessions in the period that someone attended (a batch holds whole
    sessions, so each session's count of participants is whole)."""
    return (
        select(GroupSession.id)
        .where(
            *_attended(period)[1:],
            select(GroupAttendance.session_id)
            .where(GroupAttendance.session_id == GroupSession.id, _attended(period)[0])
            .exists(),
        )
        .order_by(GroupSession.held_on, GroupSession.id)
    )


def _group_rows(ids: list[int], period: Period, pseudonyms: Pseudonymiser) -> Rows:
    """One row per participant at each group session of the batch that they attended;
    the participant count is everyone who attended that session."""
    attended = fetch(
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
        .where(GroupAttendance.attended.is_(True), among(GroupSession.id, ids))
        .order_by(GroupSession.held_on, GroupSession.id, GroupParticipant.id)
    ).all()
    participants = Counter(row.id for row in attended)
    for row in attended:
        virtual = row.is_virtual
        who = WhoAttended.PARENT_CARER if row.as_parent else WhoAttended.CHILD
        yield (
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
            ],
            row.referral_id,
        )


CARE_CONTACTS = (
    Part(lambda period: _ordered_ids(*_in_period(period), *_with_outcome()), _contact_rows),
    Part(_group_session_ids, _group_rows),
)
CODED_ACTIVITIES = (Part(lambda period: _ordered_ids(*_in_period(period), *_coded()), _coded_rows),)


def care_contact_rows(period: Period, pseudonyms: Pseudonymiser) -> FileRows:
    """``care_contacts.csv`` in memory."""
    return collect(c.CARE_CONTACTS, CARE_CONTACTS, period, pseudonyms)
