"""Group programmes' rules: setting a group up, adding participants and recording
sessions (whether a group counts towards access: ``group_access``).

A targeted group's participants are the team's referred children (or, in a parents'
group, their parents or carers), each with valid consent; attendance is taken per
participant per session, one :class:`GroupAttendance` row each, which shows on the
child's record. A universal group names nobody: each session records a head count.

Views fetch the group through ``mhst.security.scoping`` first (a group is its team's).
These functions check the rest, write the audit log (record type
``AuditRecordType.GROUP``), flush and do not commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, true
from sqlalchemy.orm import joinedload, lazyload, selectinload

from mhst.accounts.models import Role, User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core import signals
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral, ReferralStatus
from mhst.referrals.operations import ConsentRequired, require_valid_consent
from mhst.schools.models import School
from mhst.sessions import safety
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupAudience,
    GroupKind,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
)
from mhst.sessions.group_times import GroupTiming, check_session_date, place_session

FACILITATOR_ROLES = (Role.EMHP, Role.SENIOR_CLINICIAN)
# Referrals that can join a group: on the waiting list, allocated or in treatment.
# A referral can join a group from the waiting list on, while its case is open.
OPEN_STATUSES = frozenset({ReferralStatus.ACCEPTED, *OPEN_CASE_STATUSES})
MAX_PLANNED_SESSIONS = 52
MAX_TARGETED_PARTICIPANTS = 12  # targeted groups are for up to about 8 children
MAX_HEAD_COUNT = 500
MAX_TITLE = 200
MAX_TOPIC = 200
MAX_DESCRIPTION = 2000


def participant_name(participant: GroupParticipant) -> str:
    """The child's name, or "<child's name> (parent or carer)" for a parent or carer."""
    name = participant.referral.child.full_name
    return f"{name} (parent or carer)" if participant.as_parent else name


# ---- setting a group up ---------------------------------------------------------------


@dataclass(frozen=True)
class GroupDetails:
    """What a practitioner records when setting a group up."""

    title: str
    kind: GroupKind
    audience: GroupAudience
    planned_sessions: int | None
    facilitator_ids: Iterable[int] = ()
    school_id: int | None = None
    is_virtual: bool = False
    description: str | None = None


def create_group(details: GroupDetails, *, by: User) -> GroupProgramme:
    """Set up a group for ``by``'s team.

    It meets at one of the team's schools, or (a parents' group only) online; at least
    one of the team's active EMHPs or senior clinicians facilitates it; it plans 1 to 52
    sessions.
    """
    if by.team_id is None or by.role not in FACILITATOR_ROLES:
        raise RuleError("title", "Only an EMHP or senior clinician in a team can set up a group")
    title = (details.title or "").strip()
    if not title:
        raise RuleError("title", "Enter the name of the group")
    if len(title) > MAX_TITLE:
        raise RuleError("title", f"The name of the group must be {MAX_TITLE} characters or fewer")
    if details.kind not in set(GroupKind):
        raise RuleError("kind", "Select whether the group is targeted or universal")
    if details.audience not in set(GroupAudience):
        raise RuleError("audience", "Select who the group is for")
    kind, audience = GroupKind(details.kind), GroupAudience(details.audience)
    school = _team_school(details.school_id, by.team_id)
    if details.is_virtual and audience is not GroupAudience.PARENTS:
        raise RuleError(
            "is_virtual",
            "Only a parents' group can meet online: select the school where the children's "
            "group meets",
        )
    if school is None and not details.is_virtual:
        raise RuleError(
            "school_id", "Select the school where the group meets, or say that it meets online"
        )
    planned = details.planned_sessions
    if planned is None or not 1 <= planned <= MAX_PLANNED_SESSIONS:
        raise RuleError(
            "planned_sessions",
            f"Enter the number of planned sessions, from 1 to {MAX_PLANNED_SESSIONS}",
        )
    facilitators = _team_facilitators(details.facilitator_ids, by.team_id)
    description = (details.description or "").strip() or None
    if description and len(description) > MAX_DESCRIPTION:
        raise RuleError(
            "description", f"The description must be {MAX_DESCRIPTION:,} characters or fewer"
        )
    group = GroupProgramme(
        title=title,
        kind=kind,
        audience=audience,
        team_id=by.team_id,
        school=school,
        is_virtual=bool(details.is_virtual),
        planned_sessions=planned,
        description=description,
        created_by_id=by.id,
        facilitators=facilitators,
    )
    db.session.add(group)
    db.session.flush()
    record(
        AuditAction.CREATE, AuditRecordType.GROUP, group.id, user=by, detail=f"{kind.value} group"
    )
    if school is not None:
        signals.school_visit_booked.send(school, by=by, what="a group", when=None)
    return group


def _team_school(school_id: int | None, team_id: int) -> School | None:
    if school_id is None:
        return None
    school = db.session.get(School, school_id)
    if school is None or school.team_id != team_id:
        raise RuleError("school_id", "Select one of your team's schools from the list")
    return school


def _team_facilitators(ids: Iterable[int], team_id: int) -> list[User]:
    wanted = list(dict.fromkeys(ids or ()))
    if not wanted:
        raise RuleError("facilitator_ids", "Select at least one facilitator")
    users = db.session.scalars(
        select(User).where(User.id.in_(wanted)).order_by(User.full_name, User.id)
    ).all()
    fits = [
        user
        for user in users
        if user.active and user.role in FACILITATOR_ROLES and user.team_id == team_id
    ]
    if len(fits) != len(wanted):
        raise RuleError(
            "facilitator_ids",
            "Select facilitators from your team's EMHPs and senior clinicians",
        )
    return fits


def facilitator_choices(team_id: int) -> list[User]:
    """The people who may facilitate a group of ``team_id``: its active EMHPs and senior
    clinicians."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.team_id == team_id, User.active == true(), User.role.in_(FACILITATOR_ROLES))
            .order_by(User.full_name, User.id)
        )
    )


# ---- participants ---------------------------------------------------------------------


def candidate_referrals(group: GroupProgramme) -> list[Referral]:
    """The team's open referrals with valid consent that are not yet in ``group``, by
    child's name: the children (or their parents) who can join it."""
    already = select(GroupParticipant.referral_id).where(GroupParticipant.group_id == group.id)
    referrals = db.session.scalars(
        select(Referral)
        .join(School, School.id == Referral.school_id)
        .where(
            School.team_id == group.team_id,
            Referral.status.in_(OPEN_STATUSES),
            Referral.id.not_in(already.scalar_subquery()),
        )
        .options(
            joinedload(Referral.child),
            joinedload(Referral.school),
            selectinload(Referral.consents),
            lazyload(Referral.need_links),
            lazyload(Referral.risk_links),
        )
    ).unique()
    usable = [r for r in referrals if _consent_problem(r) is None]
    return sorted(usable, key=lambda r: (r.child.family_name, r.child.given_name, r.id))


def _consent_problem(referral: Referral) -> str | None:
    try:
        require_valid_consent(referral)
    except ConsentRequired as refused:
        return refused.message
    return None


def add_participant(
    group: GroupProgramme, referral: Referral, *, as_parent: bool, by: User
) -> GroupParticipant:
    """Add a referred child (or, ``as_parent``, their parent or carer) to a targeted group.

    The referral must be the group's team's, open (accepted, allocated or in treatment)
    and have valid consent. A parents' group takes the parent or carer of the referred
    child; nobody joins twice; a targeted group takes at most 12 participants.
    """
    if group.kind is not GroupKind.TARGETED:
        raise RuleError(
            "referral_id",
            "A universal group records a head count for each session, not named participants",
        )
    if referral.school.team_id != group.team_id:
        raise RuleError("referral_id", "Select a child referred to this group's team")
    name = referral.child.full_name
    if referral.status not in OPEN_STATUSES:
        raise RuleError(
            "referral_id",
            f"{name}'s referral is {referral.status.label.lower()}: only a child on the "
            "waiting list, allocated or in treatment can join a group",
        )
    problem = _consent_problem(referral)
    if problem:
        raise RuleError("referral_id", problem)
    if group.audience is GroupAudience.PARENTS and not as_parent:
        raise RuleError(
            "as_parent",
            "This is a parents' group: add the child's parent or carer, not the child",
        )
    existing = db.session.scalars(
        select(GroupParticipant.referral_id).where(GroupParticipant.group_id == group.id)
    ).all()
    if referral.id in existing:
        who = f"{name}'s parent or carer" if as_parent else name
        raise RuleError("referral_id", f"{who} is already in this group")
    if len(existing) >= MAX_TARGETED_PARTICIPANTS:
        raise RuleError(
            "referral_id",
            f"This group already has {len(existing)} participants: a targeted group can have "
            f"up to {MAX_TARGETED_PARTICIPANTS}",
        )
    participant = GroupParticipant(group=group, referral=referral, as_parent=bool(as_parent))
    db.session.add(participant)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        AuditRecordType.GROUP,
        group.id,
        user=by,
        detail=f"participant added: referral {referral.id}" + (" (parent or carer)" * as_parent),
    )
    return participant


# ---- sessions -------------------------------------------------------------------------


def checked_attendance(
    group: GroupProgramme, attended_ids: Iterable[int], head_count: int | None
) -> tuple[list[GroupParticipant], set[int], int | None]:
    """For a targeted group, its participants and those of them who came; for a
    universal group, the head count (0 to 500)."""
    attended = set(attended_ids or ())
    participants = db.session.scalars(
        select(GroupParticipant)
        .where(GroupParticipant.group_id == group.id)
        .options(joinedload(GroupParticipant.referral).joinedload(Referral.child))
        .order_by(GroupParticipant.id)
    ).all()
    if group.kind is GroupKind.UNIVERSAL:
        if attended:
            raise RuleError(
                "attended",
                "A universal group has no named participants: enter how many came instead",
            )
        if head_count is None or not 0 <= head_count <= MAX_HEAD_COUNT:
            raise RuleError(
                "head_count",
                f"Enter how many children or young people came, from 0 to {MAX_HEAD_COUNT}",
            )
        return list(participants), attended, head_count
    if not participants:
        raise RuleError("attended", "Add the group's participants before recording a session")
    strangers = attended - {p.id for p in participants}
    if strangers:
        raise RuleError(
            "attended",
            "Someone marked as attended is not in this group: tick only this group's participants",
        )
    return list(participants), attended, None


def came(participants: Iterable[GroupParticipant], attended: set[int]):
    """(name, referral) of each participant marked as having come."""
    return [(participant_name(p), p.referral) for p in participants if p.id in attended]


def record_session(
    group: GroupProgramme,
    *,
    held_on: date | None,
    topic: str | None,
    attended_ids: Iterable[int] = (),
    head_count: int | None = None,
    timing: GroupTiming | None = None,
    by: User,
) -> GroupSession:
    """Record one session of ``group``: for a targeted group, whether each participant
    came (one attendance row per participant, ``attended_ids`` naming those who came);
    for a universal group, how many came (0 to 500).

    The date, and the optional start time, length and room, follow ``group_times``
    (``check_session_date``, ``place_session``: no clash for a facilitator or the room).
    Anyone named who is not a participant of this group, or whose referral was received
    after the date, refuses the whole session: nothing is saved. Participants referred
    after the date get no attendance row.
    """
    held_on = check_session_date(group, held_on)
    topic = (topic or "").strip() or None
    if topic and len(topic) > MAX_TOPIC:
        raise RuleError("topic", f"The topic must be {MAX_TOPIC} characters or fewer")
    participants, attended, head_count = checked_attendance(group, attended_ids, head_count)
    safety.check_group_attendance(came(participants, attended), held_on)
    placed = place_session(group, held_on, timing, by=by)
    session = GroupSession(
        group=group, held_on=held_on, topic=topic, head_count=head_count, recorded_by_id=by.id
    )
    session.starts_at, session.duration_minutes = placed.starts_at, placed.duration_minutes
    session.room = placed.room
    # A child referred after the session's date was not a participant yet: no row.
    session.attendances = [
        GroupAttendance(participant=p, attended=p.id in attended)
        for p in participants
        if p.referral.received_on <= held_on
    ]
    db.session.add(session)
    db.session.flush()
    detail = f"session recorded: {held_on}"
    record(AuditAction.UPDATE, AuditRecordType.GROUP, group.id, user=by, detail=detail)
    return session
