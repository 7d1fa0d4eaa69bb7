"""Invented referrals for the demo: a few children at the demo team's two schools, at
different points of the journey, made through the domain operations so that each has
its history and audit trail. Loaded once: nothing is added if any referral exists."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from mhst.accounts.models import User
from mhst.core.time import service_today
from mhst.demo.helpers import birthday
from mhst.extensions import db
from mhst.referrals import operations
from mhst.referrals.models import (
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
    RiskItem,
    YearGroup,
)
from mhst.schools.models import School

# (given, family, age, year group, gender, school URN, source, needs, risks,
#  days since referral, what happens next)
DEMO_REFERRALS = (
    ("Ellis", "Marchbank", 9, YearGroup.YEAR_4, Gender.MALE, "990001", ReferralSource.SCHOOL,
     [Need.WORRY, Need.SLEEP_DIFFICULTIES], [], 6, "consent"),
    ("Poppy", "Alderwood", 10, YearGroup.YEAR_5, Gender.FEMALE, "990001", ReferralSource.SCHOOL,
     [Need.ANXIETY_AND_AVOIDANCE], [], 3, None),
    ("Kai", "Brennard", 14, YearGroup.YEAR_9, Gender.MALE, "990002", ReferralSource.GP,
     [Need.LOW_MOOD], [RiskItem.SELF_HARM], 1, None),
    ("Imogen", "Thackery", 13, YearGroup.YEAR_8, Gender.FEMALE, "990002", ReferralSource.SCHOOL,
     [Need.LOW_MOOD, Need.WORRY], [], 35, "accept"),
    ("Rafi", "Okonjo", 8, YearGroup.YEAR_3, Gender.MALE, "990001", ReferralSource.PARENT_CARER,
     [Need.CHALLENGING_BEHAVIOUR, Need.FAMILY_RELATIONSHIPS], [], 12, "accept"),
    ("Nell", "Ashcombe", 16, YearGroup.YEAR_11, Gender.NOT_STATED, "990002",
     ReferralSource.SELF_REFERRAL_ONLINE, [Need.WORRY], [], 20, "withdraw"),
)  # fmt: skip


def load_demo_referrals(users: dict[str, User]) -> None:
    """``users`` maps the demo emails to their accounts."""
    if db.session.scalar(select(func.count(Referral.id))):
        return
    today = service_today()
    schools = {s.urn: s for s in db.session.scalars(select(School).where(School.urn.like("9900%")))}
    lead = users["school.lead@mhst.example"]
    emhp = users["emhp@mhst.example"]
    senior = users["senior.clinician@mhst.example"]
    for given, family, age, year, gender, urn, source, needs, risks, days, then in DEMO_REFERRALS:
        by = lead if source is ReferralSource.SCHOOL and urn == "990001" else emhp
        received = today - timedelta(days=days)
        referral = operations.submit_referral(
            schools[urn],
            operations.ChildDetails(
                given_name=given,
                family_name=family,
                date_of_birth=birthday(age, today),
                gender=gender,
                year_group=year,
                parent_carer_name=f"Alex {family}",
                parent_carer_relationship="Parent",
                parent_carer_phone="01632 960123",
            ),
            operations.ReferralDetails(
                needs=needs,
                duration=Duration.ONE_TO_THREE_MONTHS,
                impact=Impact.QUITE_A_LOT,
                needs_detail=f"{given} has found the last few weeks hard at school and at home.",
                already_tried="Check-ins with the pastoral team.",
                risks=risks,
                risk_detail="Told a friend about cutting; the school followed its safeguarding "
                "procedure the same day."
                if risks
                else None,
                discussed_with_team=True,
                child_agrees=ChildAgrees.YES,
                source=source,
                received_on=received,
                referrer_name=None if source is ReferralSource.SCHOOL else "Invented referrer",
            ),
            by=by,
        )
        if then in ("consent", "accept", "withdraw"):
            own = age >= operations.SELF_CONSENT_AGE
            operations.record_consent(
                referral,
                operations.ConsentDetails(
                    kind=ConsentKind.YOUNG_PERSON if own else ConsentKind.PARENT_CARER,
                    given_by_name=f"{given} {family}" if own else f"Alex {family}",
                    relationship_to_child=None if own else "Parent",
                    given_on=received,
                    method=ConsentMethod.PHONE,
                ),
                by=emhp,
            )
        if then == "accept" and referral.eligible:
            operations.triage(
                referral,
                ReferralStatus.ACCEPTED,
                by=senior,
                reason="Mild to moderate difficulties that Li-CBT can help with.",
            )
            referral.accepted_on = received + timedelta(days=2)
        if then == "withdraw":
            operations.withdraw_consent(
                referral,
                referral.consents[0],
                by=emhp,
                reason="Nell now gets support from her college's counsellor.",
            )
    db.session.flush()
