"""The signposting directory at triage: the services that fit a referral's needs and
risks in its area, and the urgent routes always shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mhst.core.time import service_today
from mhst.directory.models import Concern, DirectoryService
from mhst.referrals.eligibility import age_on
from mhst.referrals.models import (
    Referral,
    RiskItem,
)

RISK_CONCERNS = {
    RiskItem.SELF_HARM: Concern.SELF_HARM,
    RiskItem.THOUGHTS_OF_SUICIDE: Concern.SELF_HARM,
    RiskItem.EATING_DIFFICULTIES: Concern.EATING_DISORDERS,
    RiskItem.UNUSUAL_EXPERIENCES: Concern.PSYCHOSIS,
    RiskItem.SUBSTANCE_USE: Concern.SUBSTANCE_MISUSE,
}


def directory_area(area_name: str) -> str | None:
    """The directory's area key for a service area's name (the directory is LLR's):
    "Leicester City" is ``city``, "Rutland" ``rutland``, anything else in
    Leicestershire ``county``; an area it cannot place matches any area."""
    name = area_name.lower()
    if "city" in name:
        return "city"
    if "rutland" in name:
        return "rutland"
    if "leicestershire" in name or "county" in name:
        return "county"
    return None


def concerns_for(referral: Referral) -> list[Concern]:
    """The directory concerns a referral raises: general mental health for every need,
    and the specialist concern for each risk ticked."""
    concerns = [Concern.GENERAL_MENTAL_HEALTH]
    for risk in referral.risks:
        concern = RISK_CONCERNS.get(risk)
        if concern and concern not in concerns:
            concerns.append(concern)
    return concerns


def proposed_services(referral: Referral, *, today: date | None = None) -> list[DirectoryService]:
    """Directory services that fit the child's age, area and needs, most specific first."""
    from mhst.directory.operations import propose_services

    age = age_on(referral.child.date_of_birth, today or service_today())
    return propose_services(
        age=age, area=directory_area(referral.school.area.name), concerns=concerns_for(referral)
    )


@dataclass(frozen=True)
class UrgentRoute:
    name: str
    description: str


# The urgent routes of seed 003 ("Urgent/crisis intervention"), shown even before the
# directory is imported: a high-risk referral must never show an empty list.
URGENT_ROUTES = (
    UrgentRoute(
        "999 and A&E",
        "If there is an immediate or life-threatening emergency, call 999 or attend A&E.",
    ),
    UrgentRoute(
        "NHS 111 (select option 2)",
        "If you need to speak to someone urgently regarding mental health, call NHS 111 then "
        "select option 2. The lines are open 24/7.",
    ),
    UrgentRoute(
        "CAMHS Crisis Team",
        "The CAMHS Crisis & home treatment team support CYP in Crisis. Access via GP or NHS 111 "
        "option 2. 7 days a week 8.00 to 22.00",
    ),
)
