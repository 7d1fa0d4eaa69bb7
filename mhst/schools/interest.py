"""Domain rules for schools registering interest in joining the programme.

A school not yet in the programme registers its interest on a public page; an
administrator then accepts it (the school goes on the register as interest registered,
waiting for a cohort) or declines it with a reason. These functions do not commit.
"""

from __future__ import annotations

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core import signals
from mhst.core.formatting import format_date
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.organisation.models import ServiceArea
from mhst.schools.models import (
    InterestRegistration,
    InterestStatus,
    ParticipationStatus,
    School,
)
from mhst.schools.operations import (
    change_participation,
    check_urn,
    find_school_by_urn,
    save_school,
)

PUBLIC_ACTOR = "public interest form"

# A school in one of these statuses may register (again): it is not in the programme.
MAY_REGISTER = frozenset({ParticipationStatus.NOT_PARTICIPATING, ParticipationStatus.LEFT})


def pending_registration_for(urn: str) -> InterestRegistration | None:
    return db.session.scalars(
        select(InterestRegistration)
        .where(
            InterestRegistration.urn == urn,
            InterestRegistration.status == InterestStatus.PENDING,
        )
        .limit(1)
    ).first()


def register_interest(
    *,
    school_name: str,
    urn: str,
    area: ServiceArea,
    contact_name: str,
    contact_role: str,
    contact_email: str,
    pupils_on_roll: int | None,
    message: str | None,
    campaign_id: int | None = None,
) -> InterestRegistration:
    """Record a school's wish to join a future cohort, from the public form.

    Refused when the school is already in the programme (or waiting to join it) or has
    a registration waiting for a decision. The messages say only that, and nothing else
    about the school. ``campaign_id`` is the campaign whose email link it came from.
    """
    urn = check_urn(urn)
    school = find_school_by_urn(urn)
    status = school.participation_status if school is not None else None
    if status is ParticipationStatus.INTEREST_REGISTERED:
        raise RuleError(
            "urn",
            f"Interest has already been registered for the school with URN {urn}. "
            "The service will be in touch about joining a cohort",
        )
    if status is not None and status not in MAY_REGISTER:
        raise RuleError("urn", f"The school with URN {urn} is already taking part in the programme")
    if pending_registration_for(urn) is not None:
        raise RuleError(
            "urn",
            f"Interest has already been registered for the school with URN {urn} "
            "and is waiting for a decision",
        )
    if pupils_on_roll is not None and pupils_on_roll < 0:
        raise RuleError("pupils_on_roll", "Pupils on roll must be 0 or more")
    registration = InterestRegistration(
        school_name=school_name.strip(),
        urn=urn,
        area=area,
        contact_name=contact_name.strip(),
        contact_role=contact_role.strip(),
        contact_email=contact_email.strip(),
        pupils_on_roll=pupils_on_roll,
        message=(message or "").strip() or None,
        submitted_at=utcnow(),
        status=InterestStatus.PENDING,
        campaign_id=campaign_id,
    )
    db.session.add(registration)
    db.session.flush()
    audit.record(
        AuditAction.CREATE,
        AuditRecordType.INTEREST_REGISTRATION,
        registration.id,
        actor=PUBLIC_ACTOR,
    )
    signals.interest_registered.send(registration)
    return registration


def _check_pending(registration: InterestRegistration) -> None:
    if registration.status is not InterestStatus.PENDING:
        raise RuleError(
            "decision",
            f"This registration has already been {registration.status.label.lower()}; "
            "it cannot be reviewed again",
        )


def _decide(
    registration: InterestRegistration,
    status: InterestStatus,
    *,
    by: User,
    reason: str | None,
) -> None:
    registration.status = status
    registration.reviewed_by_id = by.id
    registration.reviewed_at = utcnow()
    registration.decision_reason = (reason or "").strip() or None
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.INTEREST_REGISTRATION,
        registration.id,
        user=by,
        detail=status.value,
    )


def accept(registration: InterestRegistration, *, by: User, reason: str | None = None) -> School:
    """Put the school on the register as interest registered, waiting for a cohort.

    A school not on the register yet is added. A school that is already in the
    programme keeps its status (the registration is still linked to it).
    """
    _check_pending(registration)
    school = find_school_by_urn(registration.urn)
    if school is None:
        school = save_school(
            None,
            name=registration.school_name,
            urn=registration.urn,
            phase=None,
            area=registration.area,
            local_authority=None,
            pupils_on_roll=registration.pupils_on_roll,
            team=None,
            by=by,
        )
    if school.participation_status in MAY_REGISTER:
        change_participation(
            school,
            ParticipationStatus.INTEREST_REGISTERED,
            by=by,
            reason=f"Interest registered on {format_date(registration.submitted_at)} "
            f"by {registration.contact_name}",
        )
    registration.school = school
    _decide(registration, InterestStatus.ACCEPTED, by=by, reason=reason)
    return school


def decline(registration: InterestRegistration, *, by: User, reason: str | None) -> None:
    _check_pending(registration)
    if not (reason or "").strip():
        raise RuleError("reason", "Give the reason for declining the registration")
    _decide(registration, InterestStatus.DECLINED, by=by, reason=reason)


def review(
    registration: InterestRegistration,
    decision: InterestStatus,
    *,
    by: User,
    reason: str | None,
) -> School | None:
    """Accept or decline ``registration``; returns the school when accepted."""
    if decision is InterestStatus.ACCEPTED:
        return accept(registration, by=by, reason=reason)
    if decision is InterestStatus.DECLINED:
        decline(registration, by=by, reason=reason)
        return None
    raise RuleError("decision", "Select whether to accept or decline the registration")
