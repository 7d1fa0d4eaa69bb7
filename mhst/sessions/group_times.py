"""When a group session was held: its date, its start time, length and room in school,
and the clashes refused (issue 15).

A time is optional. Sessions recorded with their date only (all those recorded before
times were kept) show as "time not recorded" and are never in a clash. A timed session
is checked as a 1:1 session is, with the one check :func:`booking.first_clash`: each
facilitator is in one session at a time (a 1:1 session they hold, or another group's
session they facilitate), and a room of the school holds one session at a time. The
facilitators' rows, then the room's, are locked first, so two recordings arriving
together are checked one after the other.

Why no school-day rule (weekends, closures of the school's area)? That rule is for
booking ahead: a 1:1 session booked face to face in school is refused on a closure
(``booking.check_school_day``), while a 1:1 session logged after it happened is not,
because the record must say what happened. Group sessions cannot be booked ahead: a
session is recorded once it has started (its date today or earlier, its start time
not after now), so every timed group session is a record of the past. A group that
really met on a Saturday or an INSET day must be storable, so the rule never refuses
one. If groups are ever booked ahead, a start after now should take
``booking.school_day_problem`` as a 1:1 booking does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from mhst.accounts.models import User
from mhst.core.formatting import format_date
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, service_today, utcnow
from mhst.extensions import db
from mhst.schools.models import SchoolRoom
from mhst.sessions import booking
from mhst.sessions import operations as rules
from mhst.sessions.group_models import GroupProgramme, GroupSession, group_session_counts

TIME, DURATION, ROOM = "start_time", "duration_minutes", "room_id"
# How far before a group was set up its sessions may be recorded (a group that ran
# before it was entered in the service).
EARLIEST_SESSION = timedelta(days=365)


@dataclass(frozen=True)
class GroupTiming:
    """What the form sends: a UK start time (None: not recorded), minutes and a room."""

    start_time: time | None = None
    duration_minutes: int | None = None
    room_id: int | str | None = None


@dataclass(frozen=True)
class Placed:
    """A session's checked start (UTC), length and room; all None when untimed."""

    starts_at: datetime | None = None
    duration_minutes: int | None = None
    room: SchoolRoom | None = None


def earliest_session_date(group: GroupProgramme) -> date:
    created = (group.created_at or utcnow()).astimezone(SERVICE_TIME_ZONE).date()
    return created - EARLIEST_SESSION


def check_session_date(
    group: GroupProgramme, held_on: date | None, *, except_id: int | None = None
) -> date:
    """A session's date: today or earlier, no more than a year before the group was set
    up, and not a date already recorded for this group (sessions entered in error do not
    count). The group's row is locked first, so two sessions recorded for one date at the
    same moment are checked one after the other (and the database's unique index holds
    whatever happens)."""
    if held_on is None:
        raise RuleError("held_on", "Enter the date of the session")
    if held_on > service_today():
        raise RuleError("held_on", "The date of the session must be today or in the past")
    earliest = earliest_session_date(group)
    if held_on < earliest:
        raise RuleError(
            "held_on",
            f"The date of the session must be on or after {format_date(earliest)}, a year before "
            "the group was set up",
        )
    lock_row(GroupProgramme, group.id)
    same_day = select(func.count()).where(
        GroupSession.group_id == group.id, GroupSession.held_on == held_on, group_session_counts()
    )
    if except_id is not None:
        same_day = same_day.where(GroupSession.id != except_id)
    if db.session.scalar(same_day):
        raise RuleError(
            "held_on",
            f"A session on {format_date(held_on)} has already been recorded for this group",
        )
    return held_on


def timing_of(session: GroupSession) -> GroupTiming | None:
    """A recorded session's timing, as the form would send it (None if untimed)."""
    if session.starts_at is None:
        return None
    local = session.starts_at.astimezone(SERVICE_TIME_ZONE)
    return GroupTiming(local.time(), session.duration_minutes, session.room_id)


def group_room(group: GroupProgramme, room_id) -> SchoolRoom | None:
    """The room chosen (optional), which must be an active room of the group's school."""
    if room_id in (None, ""):
        return None
    if group.is_virtual or group.school_id is None:
        raise RuleError(ROOM, "This group meets online: leave the room in school empty")
    return booking.active_room(group.school_id, room_id)


def check_facilitators_free(
    group: GroupProgramme,
    starts_at: datetime,
    minutes: int,
    *,
    by: User,
    except_id: int | None = None,
) -> None:
    """Each facilitator is in one session at a time. Their rows are locked in id order
    (the same order everywhere, so two recordings never wait on each other)."""
    for facilitator in sorted(group.facilitators, key=lambda user: user.id):
        lock_row(User, facilitator.id)
        other = booking.first_clash(
            starts_at, minutes, practitioner_id=facilitator.id, except_group_session_id=except_id
        )
        if other is None:
            continue
        when = f"a {other.what} {booking.span(other)}"
        if facilitator.id == by.id:
            message = f"You already have {when}: check the start time and length"
        else:
            message = (
                f"{facilitator.full_name} already has {when}: check the start time and length, "
                "or who facilitated"
            )
        raise RuleError(TIME, message)


def place_session(
    group: GroupProgramme,
    held_on: date,
    timing: GroupTiming | None,
    *,
    by: User,
    except_id: int | None = None,
) -> Placed:
    """The session's start on ``held_on``, length and room, checked (``except_id``: the
    session being corrected, which does not clash with itself). No start time: untimed,
    and a room cannot be given without one."""
    if timing is None or timing.start_time is None:
        if timing is not None and timing.room_id not in (None, ""):
            raise RuleError(TIME, "Enter the start time of the session, so the room can be kept")
        return Placed()
    if not isinstance(timing.start_time, time):
        raise RuleError(TIME, "Enter a real time in the 24-hour clock, like 14:30")
    starts_at = datetime.combine(held_on, timing.start_time, tzinfo=SERVICE_TIME_ZONE)
    if starts_at > utcnow():
        raise RuleError(
            TIME,
            "The start time must be now or earlier: record a group session once it has started",
        )
    minutes = rules._check_duration(timing.duration_minutes)
    room = group_room(group, timing.room_id)
    starts_at = starts_at.astimezone(UTC)
    check_facilitators_free(group, starts_at, minutes, by=by, except_id=except_id)
    if room is not None:
        booking.check_room_free(room, starts_at, minutes, except_group_session_id=except_id)
    return Placed(starts_at, minutes, room)
