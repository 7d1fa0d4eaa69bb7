"""Today's sessions for the demo EMHP (Jordan Patel), so that the home page and the diary
show a working day whenever the demo is loaded: Zara's session at the first free hour
(logged as attended if it has begun, else booked) and Oscar's at the last free hour
(booked, if it is still ahead). Face to face in school, or by video call where the
booking rules refuse a school visit today (a weekend, a school holiday).

Not part of the dated history (:mod:`mhst.demo.plan`): these happen today, stamped now.
"""

from __future__ import annotations

from datetime import datetime

from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.demo.casework import HOURS, SESSION_MINUTES, Diary
from mhst.demo.helpers import at
from mhst.demo.referrals import Cast
from mhst.demo.stories import CITY_NORTH, Story
from mhst.extensions import db
from mhst.sessions import operations as sessions
from mhst.sessions.models import Attendance, ContactMode, ContactStage, WhoAttended

WHO = "jordan"
FIRST, LAST = ("Zara", "Quennell"), ("Oscar", "Featherstone")


def _story(name: tuple[str, str]) -> Story:
    return next(s for s in CITY_NORTH if (s.given, s.family) == name)


def _add(cast: Cast, story: Story, starts_at: datetime, stage: ContactStage) -> None:
    """Log the session if it has begun, else book it; in school, else by video call."""
    begun = starts_at <= utcnow()
    for mode in (ContactMode.FACE_TO_FACE_SCHOOL, ContactMode.VIDEO):
        details = sessions.SessionDetails(
            starts_at=starts_at,
            duration_minutes=SESSION_MINUTES,
            stage=stage,
            mode=mode,
            location=None if mode.remote else cast.schools[story.urn].name,
            pathway=story.care.pathway,
            **(
                {"attendance": Attendance.ATTENDED, "who_attended": WhoAttended.CHILD}
                if begun
                else {}
            ),
        )
        operation = sessions.log_session if begun else sessions.book_session
        try:
            with db.session.begin_nested():
                operation(cast.referral(story), details, by=cast.people[WHO])
            return
        except RuleError:
            continue


def add_todays_sessions(cast: Cast, diary: Diary) -> None:
    today = service_today()
    free = [hour for hour in HOURS if (WHO, today, hour) not in diary.taken]
    if not free:
        return
    first = at(today, free[0])
    diary.taken.add((WHO, today, free[0]))
    _add(cast, _story(FIRST), first, ContactStage.TREATMENT)
    later = [hour for hour in free[1:] if at(today, hour) > utcnow()]
    if later:
        diary.taken.add((WHO, today, later[-1]))
        _add(cast, _story(LAST), at(today, later[-1]), ContactStage.ASSESSMENT)
