"""The booking rules for 1:1 sessions ahead of time: school days and rooms.

* A session face to face in school is held on a school day: not on a Saturday or Sunday
  (the UK date), and not on a closure of the child's school's area
  (``mhst.organisation.term_dates``: entered, or the English default). Video, telephone
  and face to face elsewhere may be on any day. Logging a session that already happened
  is never refused for this: the record says what happened.
* A session face to face in school is booked in one of the child's school's rooms; a
  room is in one session at a time, 1:1 or group (cancelled sessions and ones entered in
  error do not count; :func:`first_clash` is the one check, for groups too). The room's
  row is locked before the check, as the practitioner's is, so two bookings of one room
  arriving together are checked one after the other.

Messages name the times and the closure, never another child.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from mhst.sessions.group_models import GroupSession, group_facilitator, group_session_counts
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
    return active_room(referral.school_id, room_id)


def active_room(school_id: int, room_id) -> SchoolRoom:
    """The room ``room_id`` (as a form sends it), which must be one of the school's
    active rooms; else a RuleError on the room's field."""
    try:
        room = db.session.get(SchoolRoom, int(room_id))
    except (TypeError, ValueError):
        room = None
    if room is None or room.school_id != school_id or not room.active:
        raise RuleError(ROOM, "Select a room from the list")
    return room


@dataclass(frozen=True)
class Clash:
    """A session in the way: a 1:1 session, or a group session recorded with its time."""

    starts_at: datetime
    duration_minutes: int
    group: bool = False

    @property
    def what(self) -> str:
        return "group session" if self.group else "session"


def first_clash(
    starts_at: datetime,
    minutes: int,
    *,
    practitioner_id: int | None = None,
    room_id: int | None = None,
    except_contact_id: int | None = None,
    except_group_session_id: int | None = None,
) -> Clash | None:
    """The first session of the practitioner (a 1:1 session they hold, or a session of a
    group they facilitate), or in the room, held at any time from ``starts_at`` for
    ``minutes``; None if the time is free. The one check for both 1:1 sessions and
    groups, either way round. Cancelled 1:1 sessions, sessions entered in error and
    group sessions recorded without a time leave the time free."""
    if (practitioner_id is None) == (room_id is None):
        raise ValueError("first_clash: give a practitioner or a room")
    ends_at = starts_at + timedelta(minutes=minutes)
    # No session is longer than MAX_DURATION: earlier ones cannot reach this one.
    earliest = starts_at - timedelta(minutes=MAX_DURATION)
    if practitioner_id is not None:
        contact_where = CareContact.practitioner_id == practitioner_id
        group_where = GroupSession.group_id.in_(
            select(group_facilitator.c.group_id).where(
                group_facilitator.c.user_id == practitioner_id
            )
        )
    else:
        contact_where = CareContact.room_id == room_id
        group_where = GroupSession.room_id == room_id
    contacts = select(CareContact).where(
        contact_where,
        contact_counts(),
        CareContact.starts_at < ends_at,
        CareContact.starts_at > earliest,
    )
    if except_contact_id is not None:
        contacts = contacts.where(CareContact.id != except_contact_id)
    groups = select(GroupSession).where(
        group_where,
        group_session_counts(),
        GroupSession.starts_at.is_not(None),
        GroupSession.starts_at < ends_at,
        GroupSession.starts_at > earliest,
    )
    if except_group_session_id is not None:
        groups = groups.where(GroupSession.id != except_group_session_id)
    found = [
        Clash(other.starts_at, other.duration_minutes)
        for other in db.session.scalars(contacts)
        if other.attendance not in NOT_HELD
    ] + [
        Clash(other.starts_at, other.duration_minutes, group=True)
        for other in db.session.scalars(groups)
    ]
    clashes = [c for c in found if c.starts_at + timedelta(minutes=c.duration_minutes) > starts_at]
    return min(clashes, key=lambda clash: (clash.starts_at, clash.group), default=None)


def span(clash: Clash) -> str:
    """ "from 10:00 to 10:45 on 5 January 2027": when a clashing session is held."""
    ends = clash.starts_at + timedelta(minutes=clash.duration_minutes)
    return (
        f"from {format_time(clash.starts_at)} to {format_time(ends)} on "
        f"{format_date(clash.starts_at)}"
    )


def check_room_free(
    room: SchoolRoom,
    starts_at: datetime,
    minutes: int,
    *,
    except_id: int | None = None,
    except_group_session_id: int | None = None,
) -> None:
    """A room holds one session at a time, 1:1 or group (``except_id``: the 1:1 session
    being moved). Locks the room's row first."""
    lock_row(SchoolRoom, room.id)
    other = first_clash(
        starts_at,
        minutes,
        room_id=room.id,
        except_contact_id=except_id,
        except_group_session_id=except_group_session_id,
    )
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
