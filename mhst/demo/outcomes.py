"""Invented outcome measures for the demo, so the caseload shows each "measures due" state
and the reports have paired outcomes. Everything here is made up.

On top of the casework demo (Imogen Thackery's case gets a Goal Based Outcomes baseline at
her assessment: not due), four more children of the demo EMHP, made through the domain
operations so each has its history and audit trail:

* Ruby: GBO baseline and a review with no reliable change, then 3 sessions: review due;
* Theo: GBO baseline, review and latest rating, a reliable improvement: not due;
* Leo: parent-rated GBO with a reliable improvement and an ESQ at the last session, then
  discharged (goals met);
* Zara: assessed, no measure yet: baseline due.

Scores are computed by :func:`mhst.outcomes.scoring.score` from the invented answers.
Loaded once: nothing is added if any measure record exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from mhst.accounts.models import User
from mhst.audit.models import AuditAction
from mhst.audit.operations import record
from mhst.casework import operations as casework
from mhst.casework.models import DischargeReason
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.demo.helpers import at, birthday
from mhst.extensions import db
from mhst.outcomes.definitions import MeasureDefinition, Respondent, available_measures
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.outcomes.scoring import score
from mhst.referrals import operations as referrals
from mhst.referrals.models import (
    OPEN_CASE_STATUSES,
    Child,
    ChildAgrees,
    ConsentKind,
    ConsentMethod,
    Duration,
    Gender,
    Impact,
    Need,
    Referral,
    ReferralSource,
    ReferralStatus,
    YearGroup,
)
from mhst.schools.models import School
from mhst.sessions import operations as sessions
from mhst.sessions.models import (
    Attendance,
    CareContact,
    ContactMode,
    ContactStage,
    Pathway,
    WhoAttended,
)

EMHP = "emhp@mhst.example"
SENIOR = "senior.clinician@mhst.example"
LEAD = "school.lead@mhst.example"

CHILD, PARENT = Respondent.CHILD, Respondent.PARENT_CARER


@dataclass(frozen=True)
class DemoMeasure:
    code: str
    days_ago: int
    respondent: Respondent
    answers: tuple[int | None, ...]  # item 1 first


@dataclass(frozen=True)
class DemoCase:
    given: str
    family: str
    age: int
    year: YearGroup
    gender: Gender
    urn: str
    needs: tuple[Need, ...]
    pathway: Pathway
    referred_days_ago: int
    hour: int  # each child's sessions at their own hour: the EMHP is never double-booked
    sessions: tuple[int, ...]  # days ago, each attended; the first is the assessment
    goals: tuple[str, ...]  # the Goal Based Outcomes goals, in the family's words
    measures: tuple[DemoMeasure, ...]
    who_attends: WhoAttended = WhoAttended.CHILD
    discharge: str | None = None  # the closing summary, if the case is discharged


# The ESQ answers 1 (certainly true) to 3 (not true): a satisfied family.
ESQ_SATISFIED = (1, 1, 1, 1, 1, 2, 1, 1, 2, 1, 1, 1)

DEMO_CASES = (
    DemoCase(
        "Ruby", "Fairholme", 14, YearGroup.YEAR_9, Gender.FEMALE, "990002",
        (Need.WORRY, Need.ANXIETY_AND_AVOIDANCE), Pathway.GUIDED_SELF_HELP_ANXIETY, 75, 13,
        (56, 49, 42, 35, 28, 21, 14),
        ("Speak up in class", "Go to lunch in the hall"),
        (
            DemoMeasure("GBO", 56, CHILD, (4, 3)),  # 3.5
            DemoMeasure("GBO", 35, CHILD, (4, 4)),  # 4.0: no reliable change
        ),
    ),
    DemoCase(
        "Theo", "Ashdown", 12, YearGroup.YEAR_7, Gender.MALE, "990002",
        (Need.LOW_MOOD,), Pathway.BEHAVIOURAL_ACTIVATION, 60, 14,
        (45, 38, 31, 24, 17, 10),
        ("Sleep before 10pm", "Join a lunchtime club", "Message a friend at the weekend"),
        (
            DemoMeasure("GBO", 45, CHILD, (2, 1, 3)),  # 2.0
            DemoMeasure("GBO", 24, CHILD, (4, 3, 5)),  # 4.0
            DemoMeasure("GBO", 10, CHILD, (7, 6, 8)),  # 7.0: up 5, a reliable improvement
        ),
    ),
    DemoCase(
        "Leo", "Pemberton", 8, YearGroup.YEAR_3, Gender.MALE, "990001",
        (Need.ANXIETY_AND_AVOIDANCE,), Pathway.PARENT_LED_CBT_ANXIETY, 100, 15,
        (84, 77, 70, 63, 56, 49, 42),
        ("Goes into class without tears", "Sleeps in his own bed"),
        (
            DemoMeasure("GBO", 84, PARENT, (2, 3)),  # 2.5
            DemoMeasure("GBO", 63, PARENT, (5, 5)),  # 5.0
            DemoMeasure("GBO", 42, PARENT, (8, 9)),  # 8.5: up 6, a reliable improvement
            DemoMeasure("ESQ", 42, PARENT, ESQ_SATISFIED),
        ),
        who_attends=WhoAttended.PARENT_CARER,
        discharge="Leo's parents use the plan each morning; he goes into class on his own "
        "most days and sleeps in his own bed. School to keep the morning check-in.",
    ),
    DemoCase(
        "Zara", "Quennell", 15, YearGroup.YEAR_10, Gender.FEMALE, "990002",
        (Need.SLEEP_DIFFICULTIES,), Pathway.CBT_SLEEP, 20, 9,
        (2,),
        ("Sleep before 11pm on school nights",),
        (),
    ),
)  # fmt: skip

# Imogen Thackery (the casework demo's case): a baseline at her assessment.
IMOGEN_GOALS = ("Speak up in class", "Sleep before 10pm", "See friends at the weekend")
IMOGEN_BASELINE = (3, 2, 4)  # 3.0


def record_demo_measure(
    referral: Referral,
    definition: MeasureDefinition,
    completed_on: date,
    respondent: Respondent,
    answers: tuple[int | None, ...],
    *,
    goals: tuple[str, ...] = (),
    contact: CareContact | None = None,
    by: User,
) -> MeasureRecord:
    """A measure recorded by item, its scores computed from the answers."""
    given = dict(enumerate(answers, start=1))
    scores = score(definition, given)
    texts = dict(enumerate(goals, start=1)) if definition.ships_item_text else {}
    measure = MeasureRecord(
        referral=referral,
        measure_code=definition.code,
        completed_on=completed_on,
        respondent=respondent,
        care_contact=contact,
        by_item=True,
        recorded_by=by,
        answers=[
            MeasureAnswer(item_number=number, value=value, item_text=texts.get(number))
            for number, value in given.items()
            if value is not None
        ],
        scores=[
            MeasureScore(scale=scale, position=position, score=Decimal(str(value)))
            for position, (scale, value) in enumerate(scores.items(), start=1)
        ],
    )
    db.session.add(measure)
    db.session.flush()
    record(
        AuditAction.CREATE, "measure_record", measure.id, user=by, detail=f"referral {referral.id}"
    )
    return measure


def _open_case(spec: DemoCase, schools: dict[str, School], users: dict[str, User]) -> Referral:
    """Referred, consented, accepted and allocated to the demo EMHP."""
    today = service_today()
    emhp, senior = users[EMHP], users[SENIOR]
    received = today - timedelta(days=spec.referred_days_ago)
    referral = referrals.submit_referral(
        schools[spec.urn],
        referrals.ChildDetails(
            given_name=spec.given,
            family_name=spec.family,
            date_of_birth=birthday(spec.age, today),
            gender=spec.gender,
            year_group=spec.year,
            parent_carer_name=f"Jo {spec.family}",
            parent_carer_relationship="Parent",
            parent_carer_phone="01632 960456",
        ),
        referrals.ReferralDetails(
            needs=list(spec.needs),
            duration=Duration.ONE_TO_THREE_MONTHS,
            impact=Impact.QUITE_A_LOT,
            needs_detail=f"{spec.given} has found school hard this term.",
            already_tried="Time with the pastoral team.",
            risks=[],
            risk_detail=None,
            discussed_with_team=True,
            child_agrees=ChildAgrees.YES,
            source=ReferralSource.SCHOOL,
            received_on=received,
            referrer_name=None,
        ),
        by=users[LEAD] if spec.urn == "990001" else emhp,
    )
    own = spec.age >= referrals.SELF_CONSENT_AGE
    referrals.record_consent(
        referral,
        referrals.ConsentDetails(
            kind=ConsentKind.YOUNG_PERSON if own else ConsentKind.PARENT_CARER,
            given_by_name=f"{spec.given} {spec.family}" if own else f"Jo {spec.family}",
            relationship_to_child=None if own else "Parent",
            given_on=received,
            method=ConsentMethod.PHONE,
        ),
        by=emhp,
    )
    referrals.triage(
        referral,
        ReferralStatus.ACCEPTED,
        by=senior,
        reason="Mild to moderate difficulties that Li-CBT can help with.",
    )
    referral.accepted_on = received + timedelta(days=3)
    casework.allocate(referral, emhp, by=senior)
    return referral


def _log(referral: Referral, spec: DemoCase, days_ago: int, stage: ContactStage, by: User):
    return sessions.log_session(
        referral,
        sessions.SessionDetails(
            starts_at=at(service_today() - timedelta(days=days_ago), spec.hour),
            duration_minutes=45,
            stage=stage,
            mode=ContactMode.FACE_TO_FACE_SCHOOL,
            location=referral.school.name,
            pathway=spec.pathway,
            attendance=Attendance.ATTENDED,
            who_attended=spec.who_attends,
        ),
        by=by,
    )


def _demo_case(spec, definitions, schools, users) -> None:
    emhp = users[EMHP]
    referral = _open_case(spec, schools, users)
    contacts = {}
    for position, days_ago in enumerate(spec.sessions):
        stage = ContactStage.ASSESSMENT if position == 0 else ContactStage.TREATMENT
        if spec.discharge and position == len(spec.sessions) - 1:
            stage = ContactStage.REVIEW
        contacts[days_ago] = _log(referral, spec, days_ago, stage, emhp)
    for measure in spec.measures:
        record_demo_measure(
            referral,
            definitions[measure.code],
            service_today() - timedelta(days=measure.days_ago),
            measure.respondent,
            measure.answers,
            goals=spec.goals,
            contact=contacts.get(measure.days_ago),
            by=emhp,
        )
    if spec.discharge:
        casework.discharge(
            referral, by=emhp, reason=DischargeReason.GOALS_MET, summary=spec.discharge
        )


def _imogen_baseline(definitions, emhp: User) -> None:
    case = db.session.scalars(
        select(Referral)
        .join(Child)
        .where(Child.family_name == "Thackery", Referral.status.in_(OPEN_CASE_STATUSES))
    ).first()
    if case is None:
        return
    assessment = db.session.scalars(
        select(CareContact)
        .where(
            CareContact.referral_id == case.id,
            CareContact.attendance == Attendance.ATTENDED,
        )
        .order_by(CareContact.starts_at)
    ).first()
    if assessment is None:
        return
    record_demo_measure(
        case,
        definitions["GBO"],
        assessment.starts_at.astimezone(SERVICE_TIME_ZONE).date(),
        CHILD,
        IMOGEN_BASELINE,
        goals=IMOGEN_GOALS,
        contact=assessment,
        by=emhp,
    )


def load_demo_outcomes() -> None:
    if db.session.scalar(select(func.count(MeasureRecord.id))):
        return
    users = {
        u.email: u
        for u in db.session.scalars(select(User).where(User.email.in_([EMHP, SENIOR, LEAD])))
    }
    if len(users) < 3:
        return
    schools = {s.urn: s for s in db.session.scalars(select(School).where(School.urn.like("9900%")))}
    if not {spec.urn for spec in DEMO_CASES} <= set(schools):
        return
    definitions = available_measures()
    _imogen_baseline(definitions, users[EMHP])
    for spec in DEMO_CASES:
        _demo_case(spec, definitions, schools, users)
    db.session.flush()
