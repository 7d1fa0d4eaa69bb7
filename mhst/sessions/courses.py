"""Repeat booking: a course of weekly Li-CBT sessions booked in one step.

All or nothing: every week is checked with the rules of a single booking (the
practitioner free, the room free, a school day for face to face in school, within a year
ahead); if any week fails, none is booked and the refusal lists each failing date and
why. Each week keeps the UK wall-clock time of the first (a course crossing the change
to or from summer time stays at 10:00). A course face to face in school may skip the
weeks the school is closed (a holiday, a closure day) and continue after them: the
first week is never skipped, as it is the date the practitioner chose.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from mhst.accounts.models import User
from mhst.core.formatting import format_date
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.referrals.models import Referral
from mhst.sessions import booking
from mhst.sessions import operations as rules
from mhst.sessions.models import CareContact, ContactMode

MAX_WEEKS = 12
MAX_SKIPPED_WEEKS = 8  # a summer holiday is about 6 weeks: a course resumes after it
WEEKS = "repeat_weeks"  # the form field


class CourseRefused(RuleError):
    """Some weeks of a course cannot be booked: one message per failing date."""

    def __init__(self, failures: list[tuple[str, str]]):
        self.failures = failures
        super().__init__(failures[0][0], failures[0][1])

    def field_messages(self) -> list[tuple[str, str]]:
        return self.failures


def check_weeks(weeks) -> int:
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise RuleError(WEEKS, f"Enter a number of weeks from 1 to {MAX_WEEKS}")
    return weeks


class Course(list):
    """The sessions booked, in order, and the weeks skipped as the school was closed."""

    def __init__(self, booked=(), skipped=()):
        super().__init__(booked)
        self.skipped = list(skipped)


def course_dates(starts_at, weeks: int) -> list:
    """The start of each week's session, at the same UK wall-clock time."""
    local = starts_at.astimezone(SERVICE_TIME_ZONE)
    return [
        (local.replace(tzinfo=None) + timedelta(weeks=week)).replace(tzinfo=SERVICE_TIME_ZONE)
        for week in range(weeks)
    ]


def book_course(
    referral: Referral,
    details: rules.SessionDetails,
    weeks: int,
    skip_closed: bool = False,
    *,
    by: User,
) -> Course:
    """Book ``weeks`` weekly sessions from ``details.starts_at``; returns them in order.
    A single week is an ordinary booking (its refusal is shown against its field). With
    ``skip_closed``, a session face to face in school skips the weeks the school is
    closed and the course goes on after them."""
    weeks = check_weeks(weeks)
    if weeks == 1:
        return Course([rules.book_session(referral, details, by=by)])
    rules.check_case(referral)  # the case's own refusal is said once, not for every week
    dates, skipped = _weeks_to_book(referral, details, weeks, skip_closed)
    booked, failures = [], []
    for starts_at in dates:
        try:
            week = replace(details, starts_at=starts_at)
            booked.append(rules.book_session(referral, week, by=by, tell_school=False))
        except RuleError as error:
            if not failures and error.field not in (rules.DATE, rules.TIME, "room_id"):
                raise  # the same for every week: a field's own mistake
            failures.append((error.field, f"{format_date(starts_at)}: {error.message}"))
    if failures:
        raise CourseRefused(failures)
    booking.tell_school_of_visit(booked[0], by=by, weeks=len(booked))  # once for the course
    return Course(booked, skipped)


def _weeks_to_book(referral: Referral, details, weeks: int, skip_closed: bool):
    """The dates to book and those skipped: closed weeks after the first are skipped (up
    to MAX_SKIPPED_WEEKS) when asked, for a session face to face in school."""
    if not skip_closed or details.mode is not ContactMode.FACE_TO_FACE_SCHOOL:
        return course_dates(details.starts_at, weeks), []
    candidates = course_dates(details.starts_at, weeks + MAX_SKIPPED_WEEKS)
    dates, skipped = [candidates[0]], []
    for starts_at in candidates[1:]:
        if len(dates) == weeks:
            break
        closed = booking.school_day_problem(referral.school.area_id, booking.local_day(starts_at))
        if closed and len(skipped) < MAX_SKIPPED_WEEKS:
            skipped.append(starts_at)
        else:
            dates.append(starts_at)
    return dates, skipped


def course_summary(contacts: list[CareContact]) -> str:
    """ "6 sessions booked: 5 January to 9 February" (or the one session's date), and the
    weeks a course skipped as the school was closed."""
    first, last = contacts[0].starts_at, contacts[-1].starts_at
    if len(contacts) == 1:
        return f"1 session booked: {format_date(first)}"
    text = f"{len(contacts)} sessions booked: {_short(first)} to {_short(last)}"
    skipped = getattr(contacts, "skipped", ())
    if skipped:
        days = ", ".join(_short(moment) for moment in skipped)
        text += f". Not booked on {days}, when the school is closed"
    return text


def _short(moment) -> str:
    """The day and month, with the year only if it is not this one."""
    local = moment.astimezone(SERVICE_TIME_ZONE)
    text = f"{local.day} {local.strftime('%B')}"
    return text if local.year == service_today().year else f"{text} {local.year}"
