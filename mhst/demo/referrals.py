"""Invented referrals: each story's referral received, its risk reviewed, consent
recorded, triaged and, for some, withdrawn, each on its day, made through the referral
operations so that each has its history. The casework that follows is
:mod:`mhst.demo.casework`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.core.time import service_today
from mhst.demo.helpers import at, birthday, get_or_create, working_day
from mhst.demo.plan import Plan
from mhst.demo.staff import TEAM_PEOPLE, practitioners
from mhst.demo.stories import Story
from mhst.directory.importer import level_order, parse_age
from mhst.directory.models import Concern, DirectoryService, DirectoryServiceConcern, DirectoryTable
from mhst.extensions import db
from mhst.referrals import consent as referral_consent
from mhst.referrals import eligibility, operations
from mhst.referrals import submission as referral_submission
from mhst.referrals.models import (
    ChildAgrees,
    ConsentKind,
    ConsentMethod,
    Duration,
    Impact,
    Referral,
    ReferralSource,
    ReferralStatus,
    RiskItem,
)
from mhst.schools.models import LeadKind, School, SchoolLeadAssignment

# The directory services the stories name, by the natural key of their rows in the LLR
# directory (seed 003): (level of need, name, age, concern). When the directory has not
# been imported yet, each is added with its key only; `flask import-directory` fills in
# the rest of the row later.
SERVICES = {
    "camhs": (
        "High level intervention",
        "Children and Adolescent Mental Health Service (CAMHS)",
        "Up to 18",
        Concern.GENERAL_MENTAL_HEALTH,
    ),
    "early help": (
        "Low level intervention",
        "Early intervention service - counselling/group offer",
        "5 to 18",
        Concern.GENERAL_MENTAL_HEALTH,
    ),
    "laura": ("Low level intervention", "The Laura Centre", "5 to 25", Concern.BEREAVEMENT),
    "tellmi": (
        "Low level intervention",
        "Tellmi - text based therapy",
        "All age",
        Concern.GENERAL_MENTAL_HEALTH,
    ),
}
PARENT_NAMES = ("Alex", "Jo", "Sam", "Chris", "Robin", "Jamie", "Kim")
REFERRERS = {
    ReferralSource.GP: "Dr Imelda Fairweather, Beacon Street Surgery",
    ReferralSource.SCHOOL_NURSE: "Morwenna Tate, school nurse",
}
RISK_DETAIL = {
    RiskItem.SELF_HARM: "Told a friend about cutting; the school followed its safeguarding "
    "procedure the same day.",
    RiskItem.THOUGHTS_OF_SUICIDE: "Wrote in a lesson about not wanting to be here; the school "
    "nurse followed the safeguarding procedure the same day.",
}
REVIEW_NOTES = (
    "Spoke to the parent and the school's safeguarding lead the same day: safe today, "
    "safety plan agreed."
)


def demo_services() -> dict[str, DirectoryService]:
    services = {}
    for key, (level, name, age_text, concern) in SERVICES.items():
        low, high, _ = parse_age(age_text)
        defaults = {
            "level_order": level_order(level),
            "description": "Added by the demo data: import the directory for the full entry.",
            "covers_city": True,
            "covers_county": True,
            "covers_rutland": True,
            "age_text": age_text,
            "min_age": low,
            "max_age": high,
            "referral_routes": [],
            "concern_links": [DirectoryServiceConcern(concern=concern)],
        }
        services[key] = get_or_create(
            DirectoryService,
            defaults,
            table_kind=DirectoryTable.CHILDREN,
            level_of_need=level,
            name=name,
            area_text="LLR",
        )
    return services


@dataclass
class Cast:
    """The demo's people, places and services, and the referrals made so far."""

    people: dict[str, User]
    schools: dict[str, School]
    leads: dict[int, User]  # each school's named Mental Health Lead, by school id
    services: dict[str, DirectoryService]
    today: date
    referrals: dict[str, Referral] = field(default_factory=dict)  # by the story's key

    @classmethod
    def load(cls) -> Cast:
        schools = {
            s.urn: s for s in db.session.scalars(select(School).where(School.urn.like("9900%")))
        }
        leads = dict(
            db.session.execute(
                select(SchoolLeadAssignment.school_id, User)
                .join(User, User.id == SchoolLeadAssignment.user_id)
                .where(
                    SchoolLeadAssignment.kind == LeadKind.LEAD,
                    SchoolLeadAssignment.ended_at.is_(None),
                )
            ).all()
        )
        return cls(practitioners(), schools, leads, demo_services(), service_today())

    def day(self, working_days: int) -> date:
        return working_day(working_days, self.today)

    def referral(self, story: Story) -> Referral:
        return self.referrals[story.key]

    def senior(self, story: Story) -> User:
        return self.people[TEAM_PEOPLE[self.schools[story.urn].team.name][0]]

    def recorder(self, story: Story) -> User:
        """The team's EMHP who records consent and referrals from outside the school."""
        return self.people[TEAM_PEOPLE[self.schools[story.urn].team.name][1]]


def parent_name(story: Story) -> str:
    return f"{PARENT_NAMES[len(story.family) % len(PARENT_NAMES)]} {story.family}"


def _submit(cast: Cast, story: Story, received: date) -> None:
    school = cast.schools[story.urn]
    from_school = story.source is ReferralSource.SCHOOL
    referrer = {ReferralSource.SELF_REFERRAL_ONLINE: story.name}.get(
        story.source, REFERRERS.get(story.source, parent_name(story))
    )
    born = (
        cast.referrals[story.again_after].child.date_of_birth
        if story.again_after
        else birthday(story.age, received)
    )
    cast.referrals[story.key] = referral_submission.submit_referral(
        school,
        referral_submission.ChildDetails(
            given_name=story.given,
            family_name=story.family,
            date_of_birth=born,
            gender=story.gender,
            year_group=story.year,
            parent_carer_name=parent_name(story),
            parent_carer_relationship="Parent",
            parent_carer_phone="01632 960123",
        ),
        referral_submission.ReferralDetails(
            needs=list(story.needs),
            duration=Duration.ONE_TO_THREE_MONTHS,
            impact=Impact.QUITE_A_LOT,
            needs_detail=f"{story.given} {story.detail}",
            already_tried="Check-ins with the pastoral team.",
            risks=list(story.risks),
            risk_detail=" ".join(RISK_DETAIL[risk] for risk in story.risks) or None,
            discussed_with_team=True,
            child_agrees=ChildAgrees.YES,
            source=story.source,
            received_on=received,
            referrer_name=None if from_school else referrer,
        ),
        by=cast.leads.get(school.id, cast.recorder(story)) if from_school else cast.recorder(story),
        today=received,
    )


def _consent(cast: Cast, story: Story, given_on: date) -> None:
    own = story.age >= eligibility.SELF_CONSENT_AGE
    referral_consent.record_consent(
        cast.referral(story),
        referral_consent.ConsentDetails(
            kind=ConsentKind.YOUNG_PERSON if own else ConsentKind.PARENT_CARER,
            given_by_name=story.name if own else parent_name(story),
            relationship_to_child=None if own else "Parent",
            given_on=given_on,
            method=ConsentMethod.PHONE,
        ),
        by=cast.recorder(story),
        today=given_on,
    )


def _withdraw(cast: Cast, story: Story) -> None:
    """Consent is withdrawn by the team's senior clinician (nobody holds the case yet);
    a referral without consent by the EMHP who records referrals."""
    referral, reason = cast.referral(story), story.closed.text
    if referral.consents:
        referral_consent.withdraw_consent(
            referral, referral.consents[0], by=cast.senior(story), reason=reason
        )
    else:
        operations.withdraw_referral(referral, by=cast.recorder(story), reason=reason)


def add_referral_steps(plan: Plan, cast: Cast, story: Story) -> None:
    """The story's referral from the day it was received to its triage (or withdrawal)."""
    received = cast.day(story.received)
    plan.add(at(received, 9, 10), lambda: _submit(cast, story, received))
    if story.reviewed is not None:
        plan.add(
            at(cast.day(story.reviewed), 11, 30),
            lambda: operations.review_risk(
                cast.referral(story), by=cast.senior(story), notes=REVIEW_NOTES
            ),
        )
    if story.consent is not None:
        given_on = cast.day(story.consent)
        plan.add(at(given_on, 12, 15), lambda: _consent(cast, story, given_on))
    if story.triage is not None:
        triage = story.triage
        plan.add(
            at(cast.day(triage.on), 14, 30),
            lambda: operations.triage(
                cast.referral(story),
                triage.decision,
                by=cast.senior(story),
                reason=triage.reason,
                services=[cast.services[key] for key in triage.services],
            ),
        )
    if story.closed is not None and story.closed.reason is ReferralStatus.WITHDRAWN:
        plan.add(at(cast.day(story.closed.on), 10, 20), lambda: _withdraw(cast, story))
