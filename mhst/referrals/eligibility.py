"""Ages and eligibility, and the limits on what is typed into a referral's records."""

from __future__ import annotations

from datetime import date

from flask import current_app, has_app_context

from mhst.core.rules import RuleError
from mhst.schools.models import ParticipationStatus, School

GILLICK_AGES = range(12, 16)
SELF_CONSENT_AGE = 16
OLDEST_PLAUSIBLE_AGE = 30  # an age beyond this is a typing mistake, not an ineligible child
MAX_TEXT = 5000


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on ``day`` (a birthday on 29 February counts from 1 March)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def service_age_range() -> tuple[int, int]:
    """The ages the service takes, inclusive (5 to 18 unless configured otherwise)."""
    if has_app_context():
        return current_app.config["SERVICE_MIN_AGE"], current_app.config["SERVICE_MAX_AGE"]
    return 5, 18


def ineligibility_reasons(
    *, date_of_birth: date, school: School, in_education: bool, on: date
) -> list[str]:
    """Why a child cannot be seen by the team, or an empty list if they can."""
    reasons = []
    youngest, oldest = service_age_range()
    age = age_on(date_of_birth, on)
    if not youngest <= age <= oldest:
        reasons.append(f"Aged {age}: the service is for children aged {youngest} to {oldest}")
    if school.participation_status is not ParticipationStatus.ACTIVE:
        status = school.participation_status.label.lower()
        reasons.append(f"{school.name} is not an active participating school ({status})")
    if not in_education:
        reasons.append("Not in education")
    return reasons


def check_lengths(details, limits: dict[str, int]) -> None:
    for name, limit in limits.items():
        value = getattr(details, name)
        if value and len(value) > limit:
            raise RuleError(name, f"Enter {limit} characters or fewer")
