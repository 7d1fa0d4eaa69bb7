"""The demo teams' work beyond 1:1 sessions, each on its day through the operations:
groups with their participants and attendance, case-management supervision, and
whole-school activities. Children are named by family name (each is a demo story's).
Everything here is made up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import select

from mhst.demo.helpers import at
from mhst.demo.plan import Plan
from mhst.demo.referrals import Cast
from mhst.extensions import db
from mhst.schools.models import SchoolRoom
from mhst.sessions import group_operations as groups
from mhst.sessions.group_models import GroupAudience, GroupKind, GroupProgramme
from mhst.sessions.group_times import GroupTiming
from mhst.supervision import operations as supervision
from mhst.wholeschool import operations as wholeschool
from mhst.wholeschool.models import ActivityKind
from mhst.wholeschool.models import Principle as P

TARGETED, UNIVERSAL = GroupKind.TARGETED, GroupKind.UNIVERSAL
CHILDREN, PARENTS = GroupAudience.CHILDREN, GroupAudience.PARENTS


@dataclass(frozen=True)
class Meeting:
    on: int  # working days ago
    topic: str
    came: tuple[str, ...] = ()  # targeted: the participants who came, by family name
    head_count: int | None = None  # universal
    starts: time | None = None  # UK time; None: recorded without a time (all day)
    room: str | None = None  # one of the school's rooms (demo.booking.ROOMS)


@dataclass(frozen=True)
class DemoGroup:
    title: str
    kind: GroupKind
    audience: GroupAudience
    by: str  # who sets it up and records its sessions; facilitates with ``with_``
    urn: str | None  # the school it meets at; None: online
    created: int
    description: str
    meetings: tuple[Meeting, ...]
    members: tuple[tuple[str, int], ...] = ()  # (family name, joined working days ago)
    with_: tuple[str, ...] = ()
    planned: int = 6


GROUPS = (
    DemoGroup("Worry busters", TARGETED, CHILDREN, "jordan", "990002", 12,
              "Six weekly sessions on understanding and managing worry.",
              (Meeting(9, "What is worry?", ("Thackery", "Brightwell", "Varga"),
                       starts=time(12, 30), room="Wellbeing room"),
               Meeting(4, "Worry ladders", ("Brightwell", "Varga"),
                       starts=time(12, 30), room="Wellbeing room")),
              members=(("Brightwell", 11), ("Varga", 11), ("Thackery", 9)), with_=("amara",)),
    DemoGroup("Exam stress drop-in", UNIVERSAL, CHILDREN, "dev", "990003", 24,
              "Lunchtime sessions for Years 10 to 13 before the mock exams.",
              (Meeting(22, "Planning revision", head_count=32),
               Meeting(17, "Sleep and exams", head_count=28),
               Meeting(12, "Calm in the exam hall", head_count=25),
               Meeting(7, "Results day worries", head_count=30)), planned=4),
    DemoGroup("Supporting your anxious child", TARGETED, PARENTS, "callum", "990004", 22,
              "Six sessions for parents and carers, based on parent-led CBT.",
              (Meeting(19, "How anxiety works", ("Thornton", "Adair")),
               Meeting(14, "Noticing anxious thoughts", ("Thornton",)),
               Meeting(9, "Facing fears together", ("Thornton", "Adair", "Wynne")),
               Meeting(4, "Problem solving", ("Adair", "Wynne"))),
              members=(("Thornton", 21), ("Adair", 20), ("Wynne", 12)), with_=("ananya",)),
    DemoGroup("Calm evenings", UNIVERSAL, PARENTS, "leon", None, 25,
              "An online evening session for parents and carers on sleep and worry.",
              (Meeting(23, "Bedtime routines", head_count=14),
               Meeting(13, "Worries at bedtime", head_count=11),
               Meeting(3, "Screens and sleep", head_count=9)), planned=3),
)  # fmt: skip

# (supervisor, practitioner, held working days ago, (family name, decision) of each case)
SUPERVISIONS = (
    ("sam", "jordan", 55, (("Pemberton", "Parent-led CBT is going well; review the goals at "
                            "session 5."),)),
    ("sam", "jordan", 33, (("Pemberton", "Plan discharge after the review session."),
                           ("Fairholme", "Continue guided self-help; repeat the GBO at session 4."),
                           ("Ashdown", "Behavioural activation started; check the activity "
                            "diary."))),
    ("sam", "jordan", 12, (("Fairholme", "No reliable change yet: revisit the formulation with "
                            "Ruby."),)),
    ("sam", "jordan", 2, (("Thackery", "Follow up the missed session with the family; continue "
                           "BA."),
                          ("Quennell", "Assessment done: start CBT for sleep next week."))),
    ("sam", "amara", 70, (("Hartigan", "Good progress: plan the review for session 6."),)),
    ("rhiannon", "dev", 75, (("Dunmore", "Keep going with behavioural activation; ESQ at the "
                              "end."),)),
    ("rhiannon", "dev", 29, (("Sallow", "The worry diary is working; review the GBO at "
                              "session 6."),)),
    ("rhiannon", "dev", 4, (("Ashgrove", "No new self-harm; safety plan shared with school."),)),
    ("bronwen", "callum", 95, (("Castleton", "Parent-led CBT on track."),)),
    ("bronwen", "callum", 35, (("Ashby", "Two missed sessions: phone the family and offer a "
                                "call instead."),)),
    ("bronwen", "ananya", 14, (("Pritchard", "Mood improving; add sleep routine work."),)),
    ("gwen", "leon", 50, (("Lowther", "Goals nearly met: plan the ending."),)),
    ("gwen", "leon", 8, (("Dunstan", "The sleep diary shows progress; continue."),)),
)  # fmt: skip

# (school URN, kind, held working days ago, theme, who, attendance, principles)
ACTIVITIES = (
    ("990001", ActivityKind.ASSEMBLY, 42, "Managing worry", "jordan", 210,
     (P.CURRICULUM, P.STUDENT_VOICE)),
    ("990002", ActivityKind.STAFF_TRAINING, 18, "Low mood: spotting the signs", "sam", 45,
     (P.STAFF_DEVELOPMENT, P.IDENTIFYING_NEED)),
    ("990001", ActivityKind.PARENT_INFORMATION_SESSION, 4, "Helping your child sleep well",
     "jordan", 18, (P.WORKING_WITH_PARENTS,)),
    ("990003", ActivityKind.WORKSHOP, 9, "Exam stress", "dev", 60,
     (P.CURRICULUM, P.TARGETED_SUPPORT)),
    ("990005", ActivityKind.HEALTH_FAIR, 24, "Friendships and belonging", "ananya", 300,
     (P.ETHOS_AND_ENVIRONMENT, P.STUDENT_VOICE)),
    ("990006", ActivityKind.MENTAL_HEALTH_WEEK_TOOLKIT, 11, "Kindness week", "leon", 150,
     (P.LEADERSHIP, P.CURRICULUM)),
)  # fmt: skip


def _by_family(cast: Cast, family: str):
    return next(r for name, r in cast.referrals.items() if name.split()[-1] == family)


def _add_group(plan: Plan, cast: Cast, spec: DemoGroup) -> None:
    made: dict[str, GroupProgramme] = {}

    def create() -> None:
        by = cast.people[spec.by]
        made["group"] = groups.create_group(
            groups.GroupDetails(
                title=spec.title,
                kind=spec.kind,
                audience=spec.audience,
                planned_sessions=spec.planned,
                facilitator_ids=[cast.people[key].id for key in (spec.by, *spec.with_)],
                school_id=cast.schools[spec.urn].id if spec.urn else None,
                is_virtual=spec.urn is None,
                description=spec.description,
            ),
            by=by,
        )

    def join(family: str) -> None:
        groups.add_participant(
            made["group"],
            _by_family(cast, family),
            as_parent=spec.audience is PARENTS,
            by=cast.people[spec.by],
        )

    def meet(meeting: Meeting) -> None:
        group = made["group"]
        came = {_by_family(cast, family).id for family in meeting.came}
        groups.record_session(
            group,
            held_on=cast.day(meeting.on),
            topic=meeting.topic,
            attended_ids=[p.id for p in group.participants if p.referral_id in came],
            head_count=meeting.head_count,
            timing=_timing(spec, meeting, cast),
            by=cast.people[spec.by],
        )

    plan.add(at(cast.day(spec.created), 8, 30), create)
    for family, joined in spec.members:
        plan.add(at(cast.day(joined), 8, 45), lambda family=family: join(family))
    for meeting in spec.meetings:
        plan.add(at(cast.day(meeting.on), 16, 0), lambda meeting=meeting: meet(meeting))


def _timing(spec: DemoGroup, meeting: Meeting, cast: Cast) -> GroupTiming | None:
    """A meeting's time and room (a lunchtime group shows in the diaries at its time)."""
    if meeting.starts is None:
        return None
    room_id = None
    if meeting.room:
        school_id = cast.schools[spec.urn].id
        room_id = db.session.scalar(
            select(SchoolRoom.id).filter_by(school_id=school_id, name=meeting.room)
        )
    return GroupTiming(start_time=meeting.starts, duration_minutes=45, room_id=room_id)


def add_teamwork_steps(plan: Plan, cast: Cast) -> None:
    for spec in GROUPS:
        _add_group(plan, cast, spec)
    for supervisor, practitioner, held, cases in SUPERVISIONS:
        held_on = cast.day(held)
        plan.add(
            at(held_on, 16, 30),
            lambda supervisor=supervisor, practitioner=practitioner, held_on=held_on, cases=cases: (
                supervision.record_supervision(
                    supervisor=cast.people[supervisor],
                    practitioner=cast.people[practitioner],
                    held_on=held_on,
                    cases=[(_by_family(cast, family), decision) for family, decision in cases],
                    by=cast.people[supervisor],
                )
            ),
        )
    for urn, kind, held, theme, who, attendance, principles in ACTIVITIES:
        held_on = cast.day(held)
        details = wholeschool.ActivityDetails(
            kind=kind,
            held_on=held_on,
            theme=theme,
            delivered_by=f"{cast.people[who].full_name}, {cast.schools[urn].team.name}",
            principles=principles,
            attendance=attendance,
        )
        plan.add(
            at(held_on, 17, 30),
            lambda urn=urn, who=who, details=details: wholeschool.log_activity(
                cast.schools[urn], details, by=cast.people[who]
            ),
        )
