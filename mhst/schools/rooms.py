"""The rooms a school provides for the team's face-to-face sessions: added by the team,
the school's lead or an administrator; made inactive (never deleted) when no longer
used, so sessions booked in them keep their room."""

from __future__ import annotations

from sqlalchemy import func, select

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.schools.models import School, SchoolRoom

NAME_MAX = 100


def rooms_of(school_id: int) -> list[SchoolRoom]:
    """The school's rooms, active first, A to Z."""
    return list(
        db.session.scalars(
            select(SchoolRoom)
            .where(SchoolRoom.school_id == school_id)
            .order_by(SchoolRoom.active.desc(), SchoolRoom.name, SchoolRoom.id)
        )
    )


def add_room(school: School, name: str, *, by) -> SchoolRoom:
    name = " ".join((name or "").split())
    if not name:
        raise RuleError("name", "Enter the room's name, like Wellbeing room")
    if len(name) > NAME_MAX:
        raise RuleError("name", f"The room's name must be {NAME_MAX} characters or fewer")
    lock_row(School, school.id)  # two people adding one room: the second is told
    taken = db.session.scalar(
        select(SchoolRoom.id).where(
            SchoolRoom.school_id == school.id, func.lower(SchoolRoom.name) == name.lower()
        )
    )
    if taken is not None:
        raise RuleError("name", f"{school.name} already has a room called {name}")
    room = SchoolRoom(school_id=school.id, name=name, active=True)
    db.session.add(room)
    db.session.flush()
    audit.record(
        AuditAction.CREATE, AuditRecordType.SCHOOL, school.id, user=by, detail=f"room {name} added"
    )
    return room


def set_active(room: SchoolRoom, active: bool, *, by) -> SchoolRoom:
    room.active = active
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.SCHOOL,
        room.school_id,
        user=by,
        detail=f"room {room.name} {'in use again' if active else 'no longer used'}",
    )
    db.session.flush()
    return room
