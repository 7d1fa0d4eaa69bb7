"""Which cases (referrals in casework) a user may see.

A senior clinician sees the team's referrals, a clinical lead the whole service
(read-only), an EMHP only the referrals CURRENTLY allocated to them. School leads and
administrators see no cases. Anything out of scope is a 404, exactly like an id that
does not exist.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, and_, false, select
from sqlalchemy.orm import joinedload

from mhst.accounts.models import Role, User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.extensions import db
from mhst.referrals.allocations import held_by
from mhst.referrals.models import Referral
from mhst.referrals.queries import referral_scope
from mhst.schools.models import School


def allocated_to(user: User) -> ColumnElement[bool]:
    """Referrals currently allocated to ``user``."""
    return held_by(user.id)


def case_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Referral`` limiting cases to those ``user`` may see."""
    if user.role in (Role.SENIOR_CLINICIAN, Role.CLINICAL_LEAD):
        return referral_scope(user)
    if user.role is Role.EMHP:
        return and_(referral_scope(user), allocated_to(user))
    return false()


def get_case_or_404(user: User, case_id: int, *, audit: bool = True) -> Referral:
    """The case, if ``user`` may see it, with its child and school; the read is
    audit-logged (pass ``audit=False`` when the caller records its own write)."""
    referral = db.session.scalars(
        select(Referral)
        .where(Referral.id == case_id, case_scope(user))
        .options(joinedload(Referral.child), joinedload(Referral.school).joinedload(School.area))
    ).one_or_none()
    if referral is None:
        abort(404)
    if audit:
        record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=user)
    return referral
