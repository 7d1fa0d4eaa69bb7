"""Whether a group counts towards access: computed from its attendance, never typed.
Sessions entered in error count for nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, func, select, true

from mhst.extensions import db
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupKind,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
    group_session_counts,
)

# What counts a group towards access (the public rule, quoted on the group's page).
ACCESS_MINIMUM_CHILDREN = 2
ACCESS_MINIMUM_SESSIONS = 2
ACCESS_RULE = (
    "One public service counts a group towards access only with at least 2 children or "
    "young people over at least 2 sessions"
)


@dataclass
class GroupTally:
    """What a group has done so far, and so whether it counts towards access.

    ``sessions_counted`` is, for a targeted group, the sessions at least one participant
    came to; for a universal group, the sessions with a head count of 2 or more.
    ``children`` (targeted groups) is how many different children came to at least one
    session, each child counted once whether they or their parent or carer came.
    """

    kind: GroupKind
    sessions_held: int = 0
    sessions_counted: int = 0
    participants: int = 0
    children: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def counts_towards_access(self) -> bool:
        if self.kind is GroupKind.UNIVERSAL:
            return self.sessions_counted >= ACCESS_MINIMUM_SESSIONS
        return (
            self.children >= ACCESS_MINIMUM_CHILDREN
            and self.sessions_counted >= ACCESS_MINIMUM_SESSIONS
        )

    @property
    def explanation(self) -> str:
        """Why the group counts, or does not count yet, in words."""
        verdict = (
            "It counts towards access"
            if self.counts_towards_access
            else "It does not count towards access yet"
        )
        sessions = _plural(self.sessions_counted, "session")
        if self.kind is GroupKind.UNIVERSAL:
            return f"{verdict}: {sessions} with a head count of 2 or more."
        children = _plural(self.children, "child or young person", "children or young people")
        return (
            f"{verdict}: {children} came to at least one session, and "
            f"{sessions} had at least one of them there."
        )


def _plural(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"


def group_tallies(groups: Iterable[GroupProgramme]) -> dict[int, GroupTally]:
    """Each group's tally (by group id), in a fixed number of queries however many."""
    groups = list(groups)
    tallies = {group.id: GroupTally(kind=group.kind) for group in groups}
    if not tallies:
        return tallies
    ids = list(tallies)
    sessions = db.session.execute(
        select(
            GroupSession.group_id,
            func.count(),
            func.sum(case((GroupSession.head_count >= ACCESS_MINIMUM_CHILDREN, 1), else_=0)),
        )
        .where(GroupSession.group_id.in_(ids), group_session_counts())
        .group_by(GroupSession.group_id)
    )
    for group_id, held, big_enough in sessions:
        tallies[group_id].sessions_held = held
        if tallies[group_id].kind is GroupKind.UNIVERSAL:
            tallies[group_id].sessions_counted = int(big_enough or 0)
    participants = db.session.execute(
        select(GroupParticipant.group_id, func.count())
        .where(GroupParticipant.group_id.in_(ids))
        .group_by(GroupParticipant.group_id)
    )
    for group_id, number in participants:
        tallies[group_id].participants = number
    attended = GroupAttendance.attended == true()
    with_someone = db.session.execute(
        select(GroupSession.group_id, func.count(func.distinct(GroupSession.id)))
        .join(GroupAttendance, GroupAttendance.session_id == GroupSession.id)
        .where(GroupSession.group_id.in_(ids), attended, group_session_counts())
        .group_by(GroupSession.group_id)
    )
    for group_id, number in with_someone:
        if tallies[group_id].kind is GroupKind.TARGETED:
            tallies[group_id].sessions_counted = number
    children = db.session.execute(
        select(GroupParticipant.group_id, func.count(func.distinct(GroupParticipant.referral_id)))
        .join(GroupAttendance, GroupAttendance.participant_id == GroupParticipant.id)
        .join(GroupSession, GroupSession.id == GroupAttendance.session_id)
        .where(GroupParticipant.group_id.in_(ids), attended, group_session_counts())
        .group_by(GroupParticipant.group_id)
    )
    for group_id, number in children:
        tallies[group_id].children = number
    return tallies


def counts_towards_access(group: GroupProgramme) -> bool:
    """Whether ``group`` counts towards access: computed from its attendance, never typed.

    The rule ("at least 2 children or young people over at least 2 sessions"):

    - a **targeted** group counts when at least 2 different children or young people
      (a parent or carer attending counts for their child) came to at least one session
      each, and at least 2 sessions had at least one participant there;
    - a **universal** group, which records only a head count, counts when at least 2 of
      its sessions had a head count of 2 or more.
    """
    return group_tallies([group])[group.id].counts_towards_access
