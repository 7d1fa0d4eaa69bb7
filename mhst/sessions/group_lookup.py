"""Finding a group for a page: within the user's scope (else 404), with its participants'
children loaded, and the read of each child named on the page audited."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy.orm import joinedload, lazyload, selectinload

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.referrals import queries
from mhst.referrals.models import Referral
from mhst.security import scoping
from mhst.sessions.group_models import GroupParticipant, GroupProgramme


def group_or_404(group_id: int, *options) -> GroupProgramme:
    return scoping.get_or_404(current_user, GroupProgramme, group_id, options=options)


def with_children():
    """Load a group's participants with each child's referral, child and school."""
    return selectinload(GroupProgramme.participants).options(
        joinedload(GroupParticipant.referral).options(
            joinedload(Referral.child),
            joinedload(Referral.school),
            lazyload(Referral.need_links),
            lazyload(Referral.risk_links),
        )
    )


def audit_group_read(group: GroupProgramme, referrals) -> None:
    """The page shows the group and names these children: a read of each."""
    record(AuditAction.READ, AuditRecordType.GROUP, group.id, user=current_user)
    queries.audit_listed(current_user, list(referrals))
