"""The booking rules for 1:1 sessions ahead of time: school days and rooms.

* A session face to face in school is held on a school day: not on a Saturday or Sunday
  (the UK date), and not on a closure of the child's school's area
  (``mhst.organisation.term_dates``: entered, or the English default). Video, telephone
  and face to face elsewhere may be on any day. Logging a session that already happened
  is never refused for this: the record says what happened.
* A session face to face in school is booked in one of the child's school's rooms; a
  room is in one session at a time (cancelled sessions and ones entered in error do not
  count). The room's row is locked before the check, as the practitioner's is, so two
  bookings of one room arriving together are checked one after the other.

Messages name the times and the closure, never another child.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.core import signals
from mhst.core.formatting import format_date, format_time
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.extensions import db
from mhst.organisation.term_dates import closure_on
from mhst.referrals.models import Referral
from mhst.schools.models import SchoolRoom
from mhst.sessions.change_models import ChangeKind
from mhst.sessions.changes import log_change
from mhst.sessions.models import Attendance, CareContact, ContactMode, contact_counts

# Sessions that did not take place leave the room free.
NOT_HELD = frozenset(
    {Attendance.CANCELLED_BY_FAMILY, Attendance.CANCELLED_BY_SERVICE, Attendance.CASE_CLOSED}
)

DATE, ROOM = "session_date", "room_id"
MAX_DURATION = 480  # minutes: as mhst.sessions.operations (no session is longer)
SUGGESTION = "choose a school day, or book a video or telephone session"
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def local_day(starts_at: datetime) -> date:
    return starts_at.astimezone(SERVICE_TIME_ZONE).date()


def school_day_problem(area_id: int, day: date) -> str | None:
    """Why ``day`` is not a school day in the area, or None if it is."""
    if day.weekday() >= 5:
        return (
            f"{format_date(day)} is a {WEEKDAY_NAMES[day.weekday()]}: sessions face to face "
            f"in school are on school days. Please {SUGGESTION}"
        )
    closure = closure_on(area_id, day)
    if closure is not None:
        return (
            f"Schools are closed on {format_date(day)} ({closure.label}, "
            f"{closure.dates_text}): please {SUGGESTION}"
        )
    return None


def check_school_day(referral: Referral, mode: ContactMode, starts_at: datetime) -> None:
    """A session face to face in school must be on a school day of the school's area."""
    if mode is not ContactMode.FACE_TO_FACE_SCHOOL:
        return
    problem = school_day_problem(referral.school.area_id, local_day(starts_at))
    if problem:
        raise RuleError(DATE, problem)


def school_rooms(school_id: int, *, active_only: bool = True) -> list[SchoolRoom]:
    stmt = select(SchoolRoom).where(SchoolRoom.school_id == school_id)
    if active_only:
        stmt = stmt.where(SchoolRoom.active.is_(True))
    return list(db.session.scalars(stmt.order_by(SchoolRoom.name, SchoolRoom.id)))


class NoRooms(RuleError):
    """The child's school has no room recorded: the form links to the school's rooms."""

    def __init__(self, school):
        super().__init__(
            ROOM,
            f"{school.name} has no rooms recorded for sessions: add a room on the school's "
            "page, or choose another way of holding the session",
        )
        self.school_id = school.id


def room_for(referral: Referral, room_id) -> SchoolRoom:
    """The room chosen, which must be an active room of the child's school."""
    if not school_rooms(referral.school_id):
        raise NoRooms(referral.school)
    if room_id in (None, ""):
        raise RuleError(ROOM, "Select the room in school where the session will be")
    try:
        room_id = int(room_id)
    except (TypeError, ValueError):
        raise RuleError(ROOM, "Select a room from the list") from None
    room = db.session.get(SchoolRoom, room_id)
    if room is None or room.school_id != referral.school_id or not room.active:
        raise RuleError(ROOM, "Select a room from the list")
    return room


def first_clash(
    where, starts_at: datetime, minutes: int, *, except_id: int | None = None
) -> CareContact | None:
    """The first session matching ``where`` (the same practitioner, the same room) held at
    any time from ``starts_at`` for ``minutes``: cancelled sessions, and ones entered in
    error, leave the time free."""
    ends_at = starts_at + timedelta(minutes=minutes)
    stmt = select(CareContact).where(
        where,
        contact_counts(),
        CareContact.starts_at < ends_at,
        # No session is longer than MAX_DURATION: earlier ones cannot reach this one.
        CareContact.starts_at > starts_at - timedelta(minutes=MAX_DURATION),
    )
    if except_id is not None:
        stmt = stmt.where(CareContact.id != except_id)
    for other in db.session.scalars(stmt.order_by(CareContact.starts_at)):
        other_ends = other.starts_at + timedelta(minutes=other.duration_minutes)
        if other.attendance not in NOT_HELD and other_ends > starts_at:
            return other
    return None


def span(contact: CareContact) -> str:
    """ "from 10:00 to 10:45 on 5 January 2027": when a clashing session is held."""
    ends = contact.starts_at + timedelta(minutes=contact.duration_minutes)
    return (
        f"from {format_time(contact.starts_at)} to {format_time(ends)} on "
        f"{format_date(contact.starts_at)}"
    )


def check_room_free(
    room: SchoolRoom, starts_at: datetime, minutes: int, *, except_id: int | None = None
) -> None:
    """A room holds one session at a time. Locks the room's row first."""
    lock_row(SchoolRoom, room.id)
    other = first_clash(CareContact.room_id == room.id, starts_at, minutes, except_id=except_id)
    if other is not None:
        raise RuleError(
            ROOM, f"{room.name} is already booked {span(other)}: choose another room or time"
        )


def record_cancellation(contact: CareContact, attendance: Attendance, reason: str, *, by) -> None:
    """A booked session cancelled before it starts: the reason, kept in its history."""
    contact.cancellation_reason = reason
    when = f"{format_date(contact.starts_at)} at {format_time(contact.starts_at)}"
    log_change(
        ChangeKind.CANCELLED,
        by=by,
        reason=reason,
        from_value=f"Booked: {when}",
        to_value=attendance.label,
        care_contact_id=contact.id,
    )


def tell_school_of_visit(contact: CareContact, *, by: User, weeks: int = 1) -> None:
    """A session face to face in school is a visit the school's lead is told about (no
    child named: the receivers say only what, when and where). A course of ``weeks``
    weekly sessions is told once, from its first session."""
    if contact.mode is ContactMode.FACE_TO_FACE_SCHOOL:
        signals.school_visit_booked.send(
            contact.referral.school,
            by=by,
            what="a 1:1 session" if weeks == 1 else "weekly 1:1 sessions",
            when=contact.starts_at,
            weeks=weeks,
        )
