"""Finding a child's record for records management: by referral reference or NHS number,
within the user's reach into records (``Kind.RECORDS`` in the scoping policy)."""

from __future__ import annotations

import re

from flask import abort
from sqlalchemy import select

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record_mixed
from mhst.core import nhs_number
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.referrals.models import Child, Referral
from mhst.security.scoping import Kind, scope

NOT_UNDERSTOOD = "Enter a referral reference, like R000123, or a 10-digit NHS number"


def _reached(user):
    """Children with a referral ``user`` reaches as records."""
    return (
        select(Referral.id)
        .where(Referral.child_id == Child.id, scope(user, Referral, Kind.RECORDS))
        .exists()
    )


def find(user, typed: str) -> list[Child]:
    """The children a referral reference (R000123) or an NHS number names."""
    text = nhs_number.normalise(typed).upper()
    if re.fullmatch(r"R?[0-9]{1,9}", text) and not re.fullmatch(r"[0-9]{10}", text):
        referral_id = int(text.removeprefix("R"))
        stmt = select(Child).join(Referral, Referral.child_id == Child.id)
        stmt = stmt.where(Referral.id == referral_id, scope(user, Referral, Kind.RECORDS))
    elif re.fullmatch(r"[0-9]{10}", text):
        if not nhs_number.is_valid(text):
            raise RuleError("identifier", nhs_number.problem(text))
        stmt = select(Child).where(Child.nhs_number == text, _reached(user))
    else:
        raise RuleError("identifier", NOT_UNDERSTOOD)
    found = db.session.scalars(stmt.order_by(Child.id)).unique().all()
    if not found:
        raise RuleError("identifier", "No child's record has that referral reference or NHS number")
    return list(found)


def child_or_404(user, child_id: int) -> Child:
    """The child ``child_id`` if ``user`` reaches their record; otherwise 404."""
    child = db.session.scalars(
        select(Child).where(Child.id == child_id, _reached(user))
    ).one_or_none()
    if child is None:
        abort(404)
    return child


def referrals_of(child: Child, user) -> list[Referral]:
    """The child's referrals, their reads audited."""
    referrals = db.session.scalars(
        select(Referral).where(Referral.child_id == child.id).order_by(Referral.received_on)
    ).all()
    record_mixed(
        [(AuditAction.READ, AuditRecordType.CHILD, child.id)]
        + [(AuditAction.READ, AuditRecordType.REFERRAL, r.id) for r in referrals],
        user=user,
    )
    return list(referrals)
