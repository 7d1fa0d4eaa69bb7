"""Correcting a group session, leaving history: its date corrected, who came (or the
head count) changed, or the session deleted as entered in error (kept, struck through,
counted nowhere). Each correction needs a reason, is refused if someone changed the
session since it was read (``ensure_current``: the session's version moves with every
correction, attendance included), and leaves a ``SessionChange`` row and an audit
entry on the group."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.formatting import format_date
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.core.versions import ensure_current
from mhst.extensions import db
from mhst.sessions import safety
from mhst.sessions.change_models import ChangeKind
from mhst.sessions.changes import checked_reason, log_change
from mhst.sessions.group_models import GroupAttendance, GroupKind, GroupSession
from mhst.sessions.group_operations import came, checked_attendance, participant_name
from mhst.sessions.group_times import check_session_date, place_session, timing_of


def _changed(session: GroupSession, kind: ChangeKind, by: User, reason: str, old, new) -> None:
    log_change(
        kind, by=by, reason=reason, from_value=old, to_value=new, group_session_id=session.id
    )
    session.updated_at = utcnow()  # the session's version moves with every correction
    record(
        AuditAction.UPDATE,
        AuditRecordType.GROUP,
        session.group_id,
        user=by,
        detail=f"session {session.id}: {kind.label.lower()}",
    )
    db.session.flush()


def _check_open(session: GroupSession) -> None:
    if session.in_error:
        raise RuleError("reason", "This session was deleted as entered in error")


def correct_date(
    session: GroupSession,
    *,
    held_on: date | None,
    reason: str | None,
    by: User,
    read_version: int | None,
) -> GroupSession:
    """Correct the date of a recorded session (the same rules as recording one). A timed
    session keeps its UK start time, length and room on the new date, checked again for
    clashes."""
    ensure_current(session, read_version, {"held_on": (session.held_on, held_on)})
    _check_open(session)
    if held_on == session.held_on:
        raise RuleError("held_on", "Change the date, or go back")
    held_on = check_session_date(session.group, held_on, except_id=session.id)
    timing = timing_of(session)
    if timing is not None:
        placed = place_session(session.group, held_on, timing, by=by, except_id=session.id)
        session.starts_at = placed.starts_at
    present = [a.participant for a in session.attendances if a.attended]
    safety.check_group_attendance(came(present, {p.id for p in present}), held_on)
    reason = checked_reason(reason)
    old = format_date(session.held_on)
    session.held_on = held_on
    _changed(session, ChangeKind.DATE_CORRECTED, by, reason, old, format_date(held_on))
    return session


def came_text(session: GroupSession) -> str:
    """Who came to a session, as the history shows it."""
    if session.group.kind is GroupKind.UNIVERSAL:
        return f"Head count {session.head_count}"
    names = [participant_name(a.participant) for a in session.attendances if a.attended]
    return ", ".join(sorted(names)) or "Nobody came"


def change_attendance(
    session: GroupSession,
    *,
    attended_ids: Iterable[int],
    head_count: int | None,
    reason: str | None,
    by: User,
    read_version: int | None,
) -> GroupSession:
    """Change who came to a recorded session (a universal group: how many came)."""
    group = session.group
    participants, attended, head_count = checked_attendance(group, attended_ids, head_count)
    safety.check_group_attendance(came(participants, attended), session.held_on)
    old = came_text(session)
    sent = {p.id: participant_name(p) for p in participants if p.id in attended}
    ensure_current(
        session,
        read_version,
        {
            "attended": (old, ", ".join(sorted(sent.values())) or "Nobody came"),
            "head_count": (session.head_count, head_count),
        },
    )
    _check_open(session)
    rows = {row.participant_id: row for row in session.attendances}
    before = {pid for pid, row in rows.items() if row.attended}
    if (group.kind is GroupKind.UNIVERSAL and head_count == session.head_count) or (
        group.kind is GroupKind.TARGETED and attended == before
    ):
        raise RuleError("attended", "Change who came, or go back")
    reason = checked_reason(reason)
    session.head_count = head_count
    for participant in participants:
        row = rows.get(participant.id)
        if row is None:  # joined the group after the session was recorded
            if participant.referral.received_on > session.held_on:
                continue  # not referred yet on the session's date: no row
            row = GroupAttendance(participant=participant, attended=False)
            session.attendances.append(row)
        row.attended = participant.id in attended
    _changed(session, ChangeKind.GROUP_ATTENDANCE_CHANGED, by, reason, old, came_text(session))
    return session


def enter_in_error(
    session: GroupSession, *, reason: str | None, by: User, read_version: int | None
) -> GroupSession:
    """Delete a session entered in error: it stays, struck through, and counts nowhere
    (the group's tally, reports, the national extract); its date is free again."""
    ensure_current(session, read_version, {})
    _check_open(session)
    reason = checked_reason(reason, "this deletion")
    session.entered_in_error_at = utcnow()
    what = f"{format_date(session.held_on)}: {session.topic or 'no topic'}, {came_text(session)}"
    _changed(session, ChangeKind.ENTERED_IN_ERROR, by, reason, what, "Entered in error")
    return session
