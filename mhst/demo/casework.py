"""Invented casework on top of the demo's referrals: each story's case allocated, its 1:1
sessions logged (with the outcome measures taken at them) and booked, and its discharge,
each on its day, through the casework, sessions and outcomes operations (which score
the measures from the invented answers).

A practitioner is never in two sessions at once: each session takes a free hour of its
practitioner's day. No demo session starts between 13:00 and 15:00, which the browser
tests use for their own sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from mhst.casework import operations as casework
from mhst.casework.models import DischargeReason
from mhst.demo.helpers import at
from mhst.demo.plan import Plan
from mhst.demo.referrals import Cast
from mhst.demo.stories import Care, Story
from mhst.extensions import db
from mhst.letters import operations as letters
from mhst.letters.models import LetterKind
from mhst.organisation.term_dates import school_day_after
from mhst.outcomes.recording import record_measure
from mhst.sessions import booking
from mhst.sessions import operations as sessions
from mhst.sessions.models import Attendance, CareContact, ContactMode, ContactStage

SESSION_MINUTES = 45
HOURS = (9, 10, 11, 12, 15, 16)
ATTENDANCE = {
    "A": Attendance.ATTENDED,
    "D": Attendance.DID_NOT_ATTEND,
    "F": Attendance.CANCELLED_BY_FAMILY,
    "S": Attendance.CANCELLED_BY_SERVICE,
}


@dataclass
class Diary:
    """The hours each practitioner's sessions take, day by day."""

    taken: set[tuple[str, date, int]] = field(default_factory=set)

    def book(self, who: str, day: date, first_choice: int) -> datetime:
        for turn in range(len(HOURS)):
            hour = HOURS[(first_choice + turn) % len(HOURS)]
            if (who, day, hour) not in self.taken:
                self.taken.add((who, day, hour))
                return at(day, hour)
        raise ValueError(f"{who} has no free hour on {day}")


def _stage(care: Care, index: int, discharged: bool) -> ContactStage:
    if index == 0:
        return ContactStage.ASSESSMENT
    if discharged and index == len(care.attendance) - 1:
        return ContactStage.REVIEW
    return ContactStage.TREATMENT


def _details(story: Story, cast: Cast, starts_at: datetime, stage: ContactStage, **outcome):
    care = story.care
    return sessions.SessionDetails(
        starts_at=starts_at,
        duration_minutes=SESSION_MINUTES,
        stage=stage,
        mode=care.mode,
        location=None if care.mode.remote else cast.schools[story.urn].name,
        pathway=care.pathway,
        **outcome,
    )


def _log(cast: Cast, story: Story, index: int, starts_at: datetime, discharged: bool) -> None:
    care = story.care
    attendance = ATTENDANCE[care.attendance[index]]
    attended = attendance is Attendance.ATTENDED
    by = cast.people[care.by]
    referral = cast.referral(story)
    raised = care.risk if index == len(care.attendance) - 1 else None
    contact = sessions.log_session(
        referral,
        _details(
            story,
            cast,
            starts_at,
            _stage(care, index, discharged),
            attendance=attendance,
            who_attended=care.who if attended else None,
            clinical_notes=care.notes if index == 0 else None,
            risk_update=raised,
            new_risk=raised is not None,
        ),
        by=by,
    )
    measures = [m for m in care.measures if m.session == index]
    if measures and not attended:
        raise ValueError(f"{story.name}: a measure at a session that was not attended")
    for measure in measures:
        record_measure(
            referral,
            measure.code,
            completed_on=starts_at.date(),
            respondent=measure.respondent,
            by_item=True,
            answers=dict(enumerate(measure.answers, start=1)),
            item_texts=dict(enumerate(care.goals, start=1)),
            care_contact=contact,
            by=by,
        )


def _free_room(school_id: int, starts_at: datetime) -> int | None:
    """The first of the school's rooms free for the session (None if none is)."""
    ends_at = starts_at + timedelta(minutes=SESSION_MINUTES)
    for room in booking.school_rooms(school_id):
        taken = db.session.scalar(
            select(CareContact.id).where(
                CareContact.room_id == room.id,
                CareContact.starts_at < ends_at,
                CareContact.starts_at > starts_at - timedelta(minutes=SESSION_MINUTES),
            )
        )
        if taken is None:
            return room.id
    return None


def _book(cast: Cast, story: Story, starts_at: datetime, stage: ContactStage) -> CareContact:
    details = _details(story, cast, starts_at, stage)
    if details.mode is ContactMode.FACE_TO_FACE_SCHOOL:
        details.room_id = _free_room(cast.schools[story.urn].id, starts_at)
    return sessions.book_session(cast.referral(story), details, by=cast.people[story.care.by])


def _booking_day(story: Story, day: date) -> date:
    """A booking in school is on a school day (the demo areas use the default dates)."""
    if story.care.mode is ContactMode.FACE_TO_FACE_SCHOOL:
        return school_day_after(day)
    return day


def _discharge(cast: Cast, story: Story) -> None:
    closing = story.closed
    referral, by = cast.referral(story), cast.people[story.care.by]
    casework.discharge(
        referral,
        by=by,
        reason=closing.reason,
        summary=closing.text,
        services=[cast.services[key] for key in closing.services],
        final_measures_note=closing.no_final_measures,
    )
    _discharge_letters(referral, by)


def _discharge_letters(referral, by) -> None:
    """The discharge letter to the parent, and the advice for the school, shared with the
    school's lead (the PDFs are dated the day the demo is loaded)."""
    letters.produce(
        referral,
        LetterKind.DISCHARGE_PARENT,
        by=by,
        recipient_name=referral.child.parent_carer_name or "The parent or carer",
        recipient_address=None,
        contact=None,
    )
    advice = letters.produce(
        referral,
        LetterKind.SCHOOL_ADVICE,
        by=by,
        recipient_name="The Mental Health Lead",
        recipient_address=referral.school.name,
        contact=None,
    )
    letters.share_with_school(advice, by=by)


def add_case_steps(plan: Plan, cast: Cast, story: Story, diary: Diary, number: int) -> None:
    """Allocation, sessions, bookings and discharge of the story's case, if it has one."""
    care = story.care
    if care is None:
        return
    allocated = at(cast.day(care.allocated), 15, 45)
    plan.add(
        allocated,
        lambda: casework.allocate(
            cast.referral(story), cast.people[care.by], by=cast.senior(story)
        ),
    )
    discharged = story.closed is not None and isinstance(story.closed.reason, DischargeReason)
    last = allocated
    for index, days_ago in enumerate(care.session_days() if care.first is not None else []):
        starts_at = diary.book(care.by, cast.day(days_ago), number)
        last = starts_at + timedelta(minutes=SESSION_MINUTES + 15)  # logged after it ends
        plan.add(
            last,
            lambda index=index, starts_at=starts_at: _log(
                cast, story, index, starts_at, discharged
            ),
        )
    for position, days_ahead in enumerate(care.planned):
        starts_at = diary.book(care.by, _booking_day(story, cast.day(-days_ahead)), number)
        stage = ContactStage.ASSESSMENT if not care.attendance and position == 0 else None
        plan.add(
            last + timedelta(minutes=5),
            lambda starts_at=starts_at, stage=stage: _book(
                cast, story, starts_at, stage or ContactStage.TREATMENT
            ),
        )
    if discharged:
        plan.add(at(cast.day(story.closed.on), 17, 15), lambda: _discharge(cast, story))
