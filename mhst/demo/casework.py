"""Invented casework for the demo, on top of the demo referrals: one case allocated to the
demo EMHP with an assessment, a treatment session that was missed and one booked for next
week; a targeted group with two sessions; a supervision. Made through the operations, so
each has its history; loaded once (nothing is added if any allocation exists)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from mhst.accounts.models import User
from mhst.casework import operations as casework
from mhst.core.time import service_today
from mhst.demo.helpers import at
from mhst.extensions import db
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import Child, Referral, ReferralStatus
from mhst.sessions import group_operations as groups
from mhst.sessions import operations as sessions
from mhst.sessions.group_models import GroupAudience, GroupKind
from mhst.sessions.models import Attendance, ContactMode, ContactStage, Pathway, WhoAttended
from mhst.supervision import operations as supervision


def load_demo_casework(users: dict[str, User]) -> None:
    if db.session.scalar(select(func.count(Allocation.id))):
        return
    emhp = users["emhp@mhst.example"]
    senior = users["senior.clinician@mhst.example"]
    waiting = db.session.scalars(
        select(Referral)
        .join(Child)
        .where(Referral.status == ReferralStatus.ACCEPTED)
        .order_by(Child.family_name)
    ).all()
    case = next((r for r in waiting if r.child.family_name == "Thackery"), None)
    if case is None:
        return
    today = service_today()
    casework.allocate(case, emhp, by=senior)
    school = case.school.name
    for days_ago, stage, attendance, notes in (
        (14, ContactStage.ASSESSMENT, Attendance.ATTENDED, "Assessment: low mood for three "
         "months; goals agreed with Imogen. Behavioural activation suits."),
        (7, ContactStage.TREATMENT, Attendance.DID_NOT_ATTEND, None),
    ):  # fmt: skip
        sessions.log_session(
            case,
            sessions.SessionDetails(
                starts_at=at(today - timedelta(days=days_ago), 10),
                duration_minutes=45,
                stage=stage,
                mode=ContactMode.FACE_TO_FACE_SCHOOL,
                location=school,
                pathway=Pathway.BEHAVIOURAL_ACTIVATION,
                attendance=attendance,
                who_attended=WhoAttended.CHILD if attendance is Attendance.ATTENDED else None,
                clinical_notes=notes,
            ),
            by=emhp,
        )
    sessions.book_session(
        case,
        sessions.SessionDetails(
            starts_at=at(today + timedelta(days=5), 11),
            duration_minutes=45,
            stage=ContactStage.TREATMENT,
            mode=ContactMode.FACE_TO_FACE_SCHOOL,
            location=school,
            pathway=Pathway.BEHAVIOURAL_ACTIVATION,
        ),
        by=emhp,
    )
    group = groups.create_group(
        groups.GroupDetails(
            title="Worry busters",
            kind=GroupKind.TARGETED,
            audience=GroupAudience.CHILDREN,
            planned_sessions=6,
            facilitator_ids=[emhp.id],
            school_id=case.school_id,
            description="Six weekly sessions on understanding and managing worry.",
        ),
        by=emhp,
    )
    groups.add_participant(group, case, as_parent=False, by=emhp)
    supervision.record_supervision(
        supervisor=senior,
        practitioner=emhp,
        held_on=today - timedelta(days=3),
        cases=[(case, "Follow up the missed session with the family; continue BA.")],
        by=senior,
    )
    db.session.flush()
