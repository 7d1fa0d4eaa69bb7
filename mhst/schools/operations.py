"""Domain rules for schools: the register, the participation lifecycle, the onboarding
gate and the named Mental Health Lead. Views and commands call these; they do not commit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from mhst.accounts.models import Role, User
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.core.versions import ensure_current
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from mhst.schools.models import (
    LeadKind,
    ParticipationEvent,
    ParticipationStatus,
    School,
    SchoolLeadAssignment,
    SchoolOnboarding,
    SchoolPhase,
)

S = ParticipationStatus

# Which status may follow which. Anything else is refused with a clear message.
TRANSITIONS: dict[ParticipationStatus, frozenset[ParticipationStatus]] = {
    S.NOT_PARTICIPATING: frozenset({S.INTEREST_REGISTERED, S.ASSIGNED_TO_COHORT}),
    S.INTEREST_REGISTERED: frozenset({S.ASSIGNED_TO_COHORT, S.NOT_PARTICIPATING}),
    S.ASSIGNED_TO_COHORT: frozenset({S.ONBOARDING, S.NOT_PARTICIPATING}),
    S.ONBOARDING: frozenset({S.ACTIVE, S.PAUSED, S.LEFT}),
    S.ACTIVE: frozenset({S.PAUSED, S.LEFT}),
    S.PAUSED: frozenset({S.ACTIVE, S.LEFT}),
    S.LEFT: frozenset({S.INTEREST_REGISTERED, S.ASSIGNED_TO_COHORT}),
}

# Statuses in which a school counts as covered by the programme.
COVERED = frozenset({S.ACTIVE, S.PAUSED})

URN_PATTERN = re.compile(r"\d{6}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
EMAIL_MAX = 254


@dataclass(frozen=True)
class OnboardingItem:
    key: str
    label: str


ONBOARDING_ITEMS = (
    OnboardingItem("lead_named", "A named senior member of staff is the Mental Health Lead"),
    OnboardingItem(
        "lead_capacity_confirmed", "The Mental Health Lead's capacity for the role is confirmed"
    ),
    OnboardingItem(
        "involves_children_and_families",
        "The school commits to involving children, young people and families",
    ),
    OnboardingItem("supports_evaluation", "The school will support service evaluation and audits"),
    OnboardingItem("accommodation_available", "Accommodation for group and 1:1 work is identified"),
    OnboardingItem("safeguarding_aligned", "Safeguarding procedures are aligned with the team's"),
    OnboardingItem("welcome_pack_sent_on", "The welcome pack has been sent"),
)


def check_urn(urn: str, *, field: str = "urn") -> str:
    urn = urn.strip()
    if not URN_PATTERN.fullmatch(urn):
        raise RuleError(field, "Enter the URN as 6 digits, like 120345")
    return urn


def find_school_by_urn(urn: str) -> School | None:
    return db.session.scalars(select(School).where(School.urn == urn)).one_or_none()


# A school joins the register not participating, whichever way it is added.
NEW_SCHOOL_STATUS = S.NOT_PARTICIPATING


def checked_school_details(
    school: School | None,
    *,
    name: str,
    urn: str,
    phase: SchoolPhase | None,
    area: ServiceArea,
    local_authority: str | None,
    pupils_on_roll: int | None,
    team: Team | None,
    holder_of: Callable[[str], School | None] | None = None,
    contact_email: str | None = None,
) -> dict[str, Any]:
    """Check the register's rules for giving ``school`` (None: a new school) these details,
    and return the values to set on it, by attribute name.

    The one place the rules live: :func:`save_school` (the school form) and the CSV import
    both use it. The URN stays unique: ``holder_of`` says which school has a URN now (by
    default a query, :func:`find_school_by_urn`; the import passes the schools it has
    already loaded). Changes nothing, so it may be called for many schools before any of
    them is written.
    """
    urn = check_urn(urn)
    existing = (holder_of or find_school_by_urn)(urn)
    if existing is not None and existing is not school:
        raise RuleError("urn", f"URN {urn} is already used by {existing.name}")
    if pupils_on_roll is not None and pupils_on_roll < 0:
        raise RuleError("pupils_on_roll", "Pupils on roll must be 0 or more")
    return {
        "name": name.strip(),
        "urn": urn,
        "phase": phase,
        "area": area,
        "local_authority": local_authority or area.name,
        "pupils_on_roll": pupils_on_roll,
        "team": team,
        "contact_email": check_contact_email(contact_email),
    }


def check_contact_email(address: str | None) -> str | None:
    """The school office's email address (optional), trimmed, or a RuleError."""
    address = (address or "").strip()
    if not address:
        return None
    if len(address) > EMAIL_MAX:
        raise RuleError(
            "contact_email", f"The email address must be {EMAIL_MAX} characters or fewer"
        )
    if not EMAIL_PATTERN.fullmatch(address):
        raise RuleError(
            "contact_email", "Enter an email address in the correct format, like office@school.org"
        )
    return address


def save_school(
    school: School | None,
    *,
    name: str,
    urn: str,
    phase: SchoolPhase | None,
    area: ServiceArea,
    local_authority: str | None,
    pupils_on_roll: int | None,
    team: Team | None,
    by: User | None,
    read_version: int | None = None,
    contact_email: str | None = None,
) -> School:
    """Create a school (``school`` None) or update one; the URN stays unique. An edit
    made on ``read_version`` is refused if someone has saved the school since."""
    if school is not None and read_version is not None:
        ensure_current(
            school,
            read_version,
            {
                "name": (school.name, name),
                "urn": (school.urn, urn),
                "phase": (school.phase, phase),
                "area_id": (school.area, area),
                "local_authority": (school.local_authority, local_authority),
                "pupils_on_roll": (school.pupils_on_roll, pupils_on_roll),
                "team_id": (school.team, team),
                "contact_email": (school.contact_email, contact_email),
            },
        )
    details = checked_school_details(
        school,
        name=name,
        urn=urn,
        phase=phase,
        area=area,
        local_authority=local_authority,
        pupils_on_roll=pupils_on_roll,
        team=team,
        contact_email=contact_email,
    )
    creating = school is None
    if creating:
        school = School(participation_status=NEW_SCHOOL_STATUS)
        db.session.add(school)
    for key, value in details.items():
        setattr(school, key, value)
    db.session.flush()
    audit.record(
        AuditAction.CREATE if creating else AuditAction.UPDATE,
        AuditRecordType.SCHOOL,
        school.id,
        user=by,
    )
    return school


def onboarding_for(school: School) -> SchoolOnboarding:
    if school.onboarding is None:
        school.onboarding = SchoolOnboarding(
            lead_capacity_confirmed=False,
            involves_children_and_families=False,
            supports_evaluation=False,
            accommodation_available=False,
            safeguarding_aligned=False,
        )
    return school.onboarding


def current_lead(school: School, kind: LeadKind = LeadKind.LEAD) -> SchoolLeadAssignment | None:
    return next((a for a in school.lead_assignments if a.kind is kind and a.ended_at is None), None)


def onboarding_done(school: School) -> dict[str, bool]:
    """Each checklist item's key, and whether it is done."""
    record = school.onboarding
    done = {"lead_named": current_lead(school) is not None}
    for item in ONBOARDING_ITEMS[1:]:
        value = getattr(record, item.key) if record is not None else None
        done[item.key] = bool(value)
    return done


def onboarding_checklist(school: School) -> list[tuple[OnboardingItem, bool]]:
    """Every checklist item, in order, with whether it is done."""
    done = onboarding_done(school)
    return [(item, done[item.key]) for item in ONBOARDING_ITEMS]


def missing_onboarding_items(school: School) -> list[OnboardingItem]:
    done = onboarding_done(school)
    return [item for item in ONBOARDING_ITEMS if not done[item.key]]


def update_onboarding(
    school: School,
    *,
    by: User,
    lead_capacity_confirmed: bool,
    involves_children_and_families: bool,
    supports_evaluation: bool,
    accommodation_available: bool,
    safeguarding_aligned: bool,
    welcome_pack_sent_on: date | None,
) -> SchoolOnboarding:
    if welcome_pack_sent_on is not None and welcome_pack_sent_on > service_today():
        raise RuleError(
            "welcome_pack_sent_on",
            "The date the welcome pack was sent must be today or in the past",
        )
    record = onboarding_for(school)
    record.lead_capacity_confirmed = lead_capacity_confirmed
    record.involves_children_and_families = involves_children_and_families
    record.supports_evaluation = supports_evaluation
    record.accommodation_available = accommodation_available
    record.safeguarding_aligned = safeguarding_aligned
    record.welcome_pack_sent_on = welcome_pack_sent_on
    record.updated_at, record.updated_by_id = utcnow(), by.id
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.SCHOOL,
        school.id,
        user=by,
        detail="onboarding checklist",
    )
    return record


class OnboardingIncomplete(RuleError):
    """Raised when a school would go active with checklist items missing."""

    def __init__(self, missing: list[OnboardingItem]):
        names = "; ".join(item.label for item in missing)
        super().__init__(
            "to_status", f"The school cannot become active until these are done: {names}"
        )
        self.missing = missing


def change_participation(
    school: School,
    to_status: ParticipationStatus,
    *,
    by: User | None,
    reason: str | None = None,
    cohort=None,
    at=None,
) -> ParticipationEvent:
    """Move ``school`` to ``to_status``, recording who, when and why.

    Refused: a move the lifecycle does not allow; assignment without a cohort; going
    active with any onboarding item missing (the gate, enforced here, not in a page).
    """
    current = school.participation_status
    if to_status not in TRANSITIONS[current]:
        raise RuleError(
            "to_status",
            f"A school that is {current.label.lower()} cannot become {to_status.label.lower()}",
        )
    # Every check comes before any change, so a refused move leaves the school as it was.
    if to_status is S.ASSIGNED_TO_COHORT and cohort is None:
        raise RuleError("cohort_id", "Select the cohort the school is joining")
    if to_status is S.ACTIVE:
        if school.cohort is None:
            raise RuleError("to_status", "Assign the school to a cohort before it becomes active")
        missing = missing_onboarding_items(school)
        if missing:
            raise OnboardingIncomplete(missing)
    if to_status in (S.PAUSED, S.LEFT, S.NOT_PARTICIPATING) and not (reason or "").strip():
        raise RuleError("reason", f"Give the reason the school is {to_status.label.lower()}")
    if to_status is S.ASSIGNED_TO_COHORT:
        school.cohort = cohort
    elif to_status is S.NOT_PARTICIPATING:
        school.cohort = None
    event = ParticipationEvent(
        school=school,
        from_status=current,
        to_status=to_status,
        occurred_at=at or utcnow(),
        by_user_id=by.id if by is not None else None,
        reason=(reason or "").strip() or None,
    )
    school.participation_status = to_status
    db.session.add(event)
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.SCHOOL,
        school.id,
        user=by,
        actor=None if by else "public interest form",
        detail=f"participation {current.value} to {to_status.value}",
    )
    return event


def name_lead(school: School, user: User, kind: LeadKind, *, by: User) -> SchoolLeadAssignment:
    """Make ``user`` the school's lead (or deputy), ending whoever held that place."""
    if user.role is not Role.SCHOOL_MENTAL_HEALTH_LEAD or user.school_id != school.id:
        raise RuleError(
            "user_id", "Choose a school mental health lead account that belongs to this school"
        )
    if not user.active:
        raise RuleError("user_id", "That account is deactivated; reactivate it first")
    # Compare people by object, not user_id: an assignment made earlier in the same unit
    # of work has no user_id until it is flushed.
    current = [a for a in school.lead_assignments if a.ended_at is None]
    for assignment in current:
        if assignment.kind is kind and assignment.user is user:
            return assignment  # already in place: nothing changes
    now = utcnow()
    for assignment in current:
        if assignment.kind is kind or assignment.user is user:
            assignment.ended_at = now
    db.session.flush()  # end the old one before the new one takes the unique place
    assignment = SchoolLeadAssignment(
        school=school, user=user, kind=kind, started_at=now, assigned_by_id=by.id
    )
    db.session.add(assignment)
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.SCHOOL,
        school.id,
        user=by,
        detail=f"{kind.value} is user {user.id}",
    )
    return assignment


def end_lead(school: School, kind: LeadKind, *, by: User) -> None:
    assignment = current_lead(school, kind)
    if assignment is None:
        raise RuleError("kind", f"The school has no {kind.label.lower()} to remove")
    assignment.ended_at = utcnow()
    audit.record(
        AuditAction.UPDATE, AuditRecordType.SCHOOL, school.id, user=by, detail=f"{kind.value} ended"
    )
