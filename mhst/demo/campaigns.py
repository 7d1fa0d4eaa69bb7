"""The demo's past campaign: Children's Mental Health Week 2026 ("This is my place",
9 to 15 February 2026) with a link to its toolkit, sent to every demo school. Most
emails were delivered (a few opened), one failed, and the schools without an address
were not sent it; three participating schools ran activities for it, and one school not
in the programme registered interest from its email. Every address is invented (the
office addresses of demo schools are ``office.<URN>@schools.example``).

Loaded once: a second load finds the campaign and changes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.campaigns.models import Campaign, CampaignRecipient, CampaignResource, RecipientState
from mhst.campaigns.recipients import addresses
from mhst.core.notify import FAILURES
from mhst.demo.helpers import at
from mhst.extensions import db
from mhst.schools.models import (
    InterestRegistration,
    InterestStatus,
    ParticipationStatus,
    School,
)
from mhst.wholeschool.models import ActivityKind, ActivityPrinciple, Principle, WholeSchoolActivity

NAME = "Children's Mental Health Week 2026"
FIRST_DAY, LAST_DAY = date(2026, 2, 9), date(2026, 2, 15)
SENT_ON = date(2026, 1, 19)
MESSAGE = (
    "Dear colleagues,\n\n"
    "Children's Mental Health Week runs from 9 to 15 February 2026, and this year's theme "
    'is "This is my place": helping every child feel they belong.\n\n'
    "The toolkit below has assembly slides, class activities and ideas for parents and "
    "carers. Your Mental Health Support Team can help you plan an assembly or a workshop: "
    "reply to this email or speak to your team.\n\n"
    "If your school is not in the programme yet, you can register your interest in "
    "joining a future cohort from the campaign's page."
)
NO_ADDRESS_EVERY = 9  # one school in nine has no office address on the register
OPENED_EVERY = 5  # of those delivered, one in five opened the link
ACTIVITIES = (  # (kind, day in February 2026, theme, attendance)
    (ActivityKind.ASSEMBLY, 9, "This is my place: what belonging feels like", 240),
    (ActivityKind.MENTAL_HEALTH_WEEK_TOOLKIT, 11, "Class activities from the toolkit", 180),
    (ActivityKind.PARENT_INFORMATION_SESSION, 12, "Helping your child feel they belong", 35),
)


def _token_hash(school: School) -> str:
    """An invented link's hash (no token exists for it: the demo's links lead nowhere)."""
    return hashlib.sha256(f"demo-campaign-{school.urn}".encode()).hexdigest()


def _give_office_addresses(schools: list[School]) -> None:
    for index, school in enumerate(schools):
        if school.contact_email is None and index % NO_ADDRESS_EVERY != NO_ADDRESS_EVERY - 1:
            school.contact_email = f"office.{school.urn}@schools.example"


def _recipient(campaign: Campaign, school: School, address: str | None, index: int):
    sent_at = at(SENT_ON, 9) + timedelta(seconds=index)
    if address is None:
        return CampaignRecipient(
            campaign=campaign, school=school, state=RecipientState.NO_ADDRESS, queued_at=sent_at
        )
    recipient = CampaignRecipient(
        campaign=campaign,
        school=school,
        address=address,
        token_hash=_token_hash(school),
        notify_id=f"demo-{school.urn}",
        queued_at=sent_at,
        sent_at=sent_at,
        state=RecipientState.DELIVERED,
        status_checked_at=sent_at + timedelta(minutes=10),
    )
    if index == 3:  # the one Notify could not deliver
        recipient.state = RecipientState.FAILED
        recipient.error = FAILURES["permanent-failure"]
    elif index % OPENED_EVERY == 0:
        recipient.state = RecipientState.OPENED
        recipient.opened_at = sent_at + timedelta(days=2, hours=3)
    return recipient


def _activities(campaign: Campaign, recorder: User) -> None:
    """Three activities in participating schools with a team, held during the week."""
    schools = db.session.scalars(
        select(School)
        .where(
            School.participation_status == ParticipationStatus.ACTIVE, School.team_id.is_not(None)
        )
        .order_by(School.urn)
        .limit(len(ACTIVITIES))
    ).all()
    for school, (kind, day, theme, attendance) in zip(schools, ACTIVITIES, strict=False):
        held_on = date(2026, 2, day)
        db.session.add(
            WholeSchoolActivity(
                school=school,
                kind=kind,
                held_on=held_on,
                theme=theme,
                delivered_by=f"{school.team.name} EMHPs with the school's pastoral lead",
                attendance=attendance,
                recorded_by=recorder,
                recorded_at=at(held_on, 16),
                campaign_id=campaign.id,
                principle_links=[
                    ActivityPrinciple(principle=Principle.ETHOS_AND_ENVIRONMENT),
                    ActivityPrinciple(principle=Principle.STUDENT_VOICE),
                ],
            )
        )


def _registration(campaign: Campaign) -> None:
    """A school not in the programme registered interest from its email (pending)."""
    pending = select(InterestRegistration.urn).where(
        InterestRegistration.status == InterestStatus.PENDING
    )
    school = db.session.scalars(
        select(School)
        .join(CampaignRecipient, CampaignRecipient.school_id == School.id)
        .where(
            CampaignRecipient.campaign_id == campaign.id,
            CampaignRecipient.state == RecipientState.OPENED,
            School.participation_status == ParticipationStatus.NOT_PARTICIPATING,
            School.urn.not_in(pending),
        )
        .order_by(School.urn)
        .limit(1)
    ).first()
    if school is None:
        return
    db.session.add(
        InterestRegistration(
            school_name=school.name,
            urn=school.urn,
            area_id=school.area_id,
            contact_name="Priya Okonjo",
            contact_role="Deputy headteacher",
            contact_email=f"deputy.{school.urn}@schools.example",
            pupils_on_roll=school.pupils_on_roll,
            message="Our pupils loved the assembly slides. We would like a team.",
            submitted_at=at(date(2026, 2, 12), 11),
            status=InterestStatus.PENDING,
            campaign_id=campaign.id,
        )
    )


def load_campaigns(recorder_email: str = "emhp@mhst.example") -> Campaign | None:
    """The past campaign, sent to every demo school; None if it was loaded before."""
    if db.session.scalar(select(Campaign.id).where(Campaign.name == NAME)) is not None:
        return None
    lead = db.session.scalars(select(User).filter_by(email="clinical.lead@mhst.example")).first()
    campaign = Campaign(
        name=NAME,
        theme="This is my place",
        first_day=FIRST_DAY,
        last_day=LAST_DAY,
        message=MESSAGE,
        created_by_id=lead.id if lead else None,
        created_at=at(SENT_ON - timedelta(days=3), 10),
    )
    campaign.resources = [
        CampaignResource(
            title="Children's Mental Health Week toolkit",
            url="https://www.childrensmentalhealthweek.org.uk/",
            added_at=at(SENT_ON - timedelta(days=3), 10),
        )
    ]
    db.session.add(campaign)
    schools = db.session.scalars(select(School).order_by(School.urn)).all()
    _give_office_addresses(schools)
    db.session.flush()
    found = addresses([school.id for school in schools])
    for index, school in enumerate(schools):
        address = found.get(school.id)
        db.session.add(_recipient(campaign, school, address, index))
    db.session.flush()
    recorder = db.session.scalars(select(User).filter_by(email=recorder_email)).first()
    if recorder is not None:
        _activities(campaign, recorder)
    _registration(campaign)
    db.session.flush()
    return campaign
