"""Finding the child a new referral is about, and keeping a child's details with history.

:func:`find_known_child` applies the identity rule (``mhst.referrals.children``) to the
records that could match, in one query. :func:`apply_changes` is the one way a child's
or parent's details change after the record is made: each change keeps who, when, why
and the old and new values (:class:`ChildCorrection`), and is audited.

Operations add to the session and flush; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.sql.elements import True_

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core import nhs_number
from mhst.core.formatting import format_date
from mhst.extensions import db
from mhst.referrals.child_models import Child, ChildCorrection, ChildCorrectionValue
from mhst.referrals.children import Identity, Verdict, compare, name_key
from mhst.referrals.models import Referral
from mhst.schools.models import School
from mhst.security import scoping

if TYPE_CHECKING:
    from mhst.referrals.submission import ChildDetails

# The details staff may correct, in the order the page lists them, with their labels.
FIELDS = {
    "given_name": "First name",
    "family_name": "Last name",
    "date_of_birth": "Date of birth",
    "nhs_number": "NHS number",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "school": "School",
    "year_group": "Year group",
    "parent_carer_name": "Parent or carer's name",
    "parent_carer_relationship": "Their relationship to the child",
    "parent_carer_phone": "Parent or carer's phone number",
    "parent_carer_email": "Parent or carer's email address",
}
# What a referral for a known child may bring up to date: never the name or date of
# birth (the rule matched them), and an NHS number only where the record has none.
FROM_REFERRAL = (
    "gender",
    "ethnicity",
    "school",
    "year_group",
    "parent_carer_name",
    "parent_carer_relationship",
    "parent_carer_phone",
    "parent_carer_email",
)


def identity_of(child: Child) -> Identity:
    return Identity(
        child.given_name, child.family_name, child.date_of_birth, child.school_id, child.nhs_number
    )


@dataclass(frozen=True)
class Match:
    """The known child a referral is about (``child``), or the record that has the same
    NHS number but another name or date of birth (``conflict``), or neither."""

    child: Child | None = None
    conflict: Child | None = None


def identity_keys(details: ChildDetails, school: School) -> list[str]:
    """What :func:`find_known_child` looks a child up by, as lock keys
    (``mhst.core.locking.lock_keys``): the NHS number if given, and the name, date of
    birth and school. Two referrals that could find one record share a key, so the second
    waits for the first to commit and then finds the child it recorded."""
    number = nhs_number.normalise(details.nhs_number or "") or None
    name = name_key(details.given_name, details.family_name)
    keys = [f"child:name:{name}:{details.date_of_birth.isoformat()}:{school.id}"]
    return [f"child:nhs:{number}", *keys] if number else keys


def find_known_child(details: ChildDetails, school: School) -> Match:
    """The child ``details`` describe, among the records not merged into another: a
    match by NHS number first, then a conflict, then a match by name, date of birth and
    school. One query."""
    number = nhs_number.normalise(details.nhs_number or "") or None
    new = Identity(
        details.given_name, details.family_name, details.date_of_birth, school.id, number
    )
    by_name = and_(
        Child.name_key == name_key(details.given_name, details.family_name),
        Child.date_of_birth == details.date_of_birth,
        Child.school_id == school.id,
    )
    could_match = or_(Child.nhs_number == number, by_name) if number else by_name
    candidates = db.session.scalars(
        select(Child).where(could_match, Child.merged_into_id.is_(None)).order_by(Child.id)
    ).all()
    verdicts = [(compare(new, identity_of(child)), child) for child in candidates]
    same = [child for verdict, child in verdicts if verdict is Verdict.SAME]
    by_number = [child for child in same if number and child.nhs_number == number]
    if by_number or same:
        return Match(child=(by_number or same)[0])
    conflicts = [child for verdict, child in verdicts if verdict is Verdict.CONFLICT]
    return Match(conflict=conflicts[0] if conflicts else None)


def shown(field: str, value: Any) -> str | None:
    """A field's value as the child's page and the history show it."""
    if value is None or value == "":
        return None
    if field == "nhs_number":
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, School):
        return value.name
    if isinstance(value, Enum):
        return value.label
    return str(value)


def apply_changes(
    child: Child,
    values: dict[str, Any],
    *,
    by: User,
    reason: str,
    referral: Referral | None = None,
) -> ChildCorrection | None:
    """Set the ``values`` (field name to new value, of :data:`FIELDS`) that differ from
    the child's, keeping the old and new values with who, when and why. None when
    nothing changed. The child's NHS number changing may clear a possible-duplicate
    flag that rested on it."""
    changed = [
        (field, getattr(child, field), value)
        for field, value in values.items()
        if getattr(child, field) != value
    ]
    if not changed:
        return None
    correction = ChildCorrection(
        child_id=child.id,
        corrected_by=by,
        reason=reason,
        referral_id=referral.id if referral is not None else None,
        values=[
            ChildCorrectionValue(
                field=field, old_value=shown(field, old), new_value=shown(field, new)
            )
            for field, old, new in changed
        ],
    )
    for field, _old, new in changed:
        setattr(child, field, new)
    if any(field == "nhs_number" for field, _old, _new in changed):
        _recheck_duplicates(child)
    db.session.add(correction)
    db.session.flush()
    fields = ", ".join(field for field, _old, _new in changed)
    record(
        AuditAction.UPDATE, AuditRecordType.CHILD, child.id, user=by, detail=f"corrected: {fields}"
    )
    return correction


def _recheck_duplicates(child: Child) -> None:
    """A corrected NHS number ends the possible-duplicate flags that rested on the old one
    (this record's, and those of records flagged as possibly this child). One query."""
    duplicate = child.possible_duplicate_of
    if duplicate is not None and duplicate.nhs_number != child.nhs_number:
        child.possible_duplicate_of = None
    flagged = db.session.scalars(select(Child).where(Child.possible_duplicate_of_id == child.id))
    for other in flagged:
        if other.nhs_number != child.nhs_number:
            other.possible_duplicate_of = None


def update_from_referral(
    child: Child, details: ChildDetails, school: School, referral: Referral, *, by: User
) -> ChildCorrection | None:
    """A referral for a known child brings their details up to date (their school, year
    group, parent's contact...), each change kept in the history with the referral
    named. A detail the referral leaves blank keeps the record's value."""
    given = {
        "gender": details.gender,
        "ethnicity": details.ethnicity,
        "school": school,
        "year_group": details.year_group,
        "parent_carer_name": details.parent_carer_name or None,
        "parent_carer_relationship": details.parent_carer_relationship or None,
        "parent_carer_phone": details.parent_carer_phone or None,
        "parent_carer_email": details.parent_carer_email or None,
    }
    values = {field: value for field, value in given.items() if value is not None}
    number = nhs_number.normalise(details.nhs_number or "") or None
    if number and child.nhs_number is None:
        values["nhs_number"] = number
    return apply_changes(
        child,
        values,
        by=by,
        reason=f"Details given on referral {referral.reference}",
        referral=referral,
    )


def after_referral(
    known: Match, details: ChildDetails, school: School, referral: Referral, *, by: User
) -> None:
    """A new child's record is audited as made; a known child's is brought up to date."""
    if known.child is None:
        record(AuditAction.CREATE, AuditRecordType.CHILD, referral.child.id, user=by)
    else:
        update_from_referral(known.child, details, school, referral, by=by)


def new_child(details: ChildDetails, school: School, *, conflict: Child | None) -> Child:
    """A new child's record from a referral, flagged if another record has their NHS
    number with another name or date of birth."""
    child = Child(
        given_name=details.given_name,
        family_name=details.family_name,
        date_of_birth=details.date_of_birth,
        gender=details.gender,
        ethnicity=details.ethnicity,
        nhs_number=nhs_number.normalise(details.nhs_number or "") or None,
        year_group=details.year_group,
        school=school,
        parent_carer_name=details.parent_carer_name or None,
        parent_carer_relationship=details.parent_carer_relationship or None,
        parent_carer_phone=details.parent_carer_phone or None,
        parent_carer_email=details.parent_carer_email or None,
        possible_duplicate_of=conflict,
    )
    db.session.add(child)
    return child


def possible_duplicate(child: Child) -> bool:
    """Whether another record, not merged, has this child's NHS number with another name
    or date of birth (flagged either way round). At most one query."""
    if child.possible_duplicate_of_id is not None:
        return True
    return (
        db.session.scalar(
            select(Child.id)
            .where(Child.possible_duplicate_of_id == child.id, Child.merged_into_id.is_(None))
            .limit(1)
        )
        is not None
    )


def known_before(referral: Referral, user: User) -> bool:
    """Whether the referral's child had an earlier referral that ``user`` may see (the
    page that confirms a referral says so, and nothing more about it). Only one in the
    user's reach: a school's lead is never told that a child referred themselves, or was
    referred by another school or their GP, which is the team's to know. One query."""
    return (
        db.session.scalar(
            select(Referral.id)
            .where(
                Referral.child_id == referral.child_id,
                Referral.id < referral.id,
                scoping.scope(user, Referral),
            )
            .limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class ChildReferrals:
    """A child's referrals the user may see, and how many others there are."""

    visible: list[Referral]
    hidden: int


def referrals_of(user: User, child_id: int, *, besides: int | None = None) -> ChildReferrals:
    """The child's referrals in ``user``'s reach, oldest first, and the count of the
    others (two queries; one for a user who sees them all); ``besides`` leaves one
    referral out (the page it is shown on)."""
    mine = scoping.scope(user, Referral)
    where = [Referral.child_id == child_id]
    if besides is not None:
        where.append(Referral.id != besides)
    visible = db.session.scalars(
        select(Referral)
        .where(*where, mine)
        # Neither list of them (the child's page, a referral's "other referrals") shows
        # needs or risks: not loaded (two queries fewer).
        .options(
            joinedload(Referral.school),
            lazyload(Referral.need_links),
            lazyload(Referral.risk_links),
        )
        .order_by(Referral.received_on, Referral.id)
    ).all()
    if isinstance(mine, True_):  # a reach of every referral: none hidden, nothing to count
        return ChildReferrals(list(visible), 0)
    hidden = db.session.scalar(select(func.count()).select_from(Referral).where(*where, ~mine))
    return ChildReferrals(list(visible), hidden or 0)
