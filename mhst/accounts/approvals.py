"""Two administrators to grant a role that opens children's records or the user pages.

Administrator A asks for the role (a new account, or a change to an existing one);
administrator B, a different person, approves or declines it. Until then a new account
cannot sign in and an existing one keeps its role and team. A cannot approve their own
request, and no one approves a change to their own account: two people, always.

Which roles: EMHPs, senior clinicians and clinical leads read and write children's case
notes; administrators manage users, so an administrator that one person could make would
be a second identity to approve their own requests with. A school's mental health lead
sees only the referrals their own school made (information the school already holds) and
a commissioner only suppressed figures: one administrator may grant those.
"""

from __future__ import annotations

from mhst.accounts.models import Role, User
from mhst.accounts.password_rules import AccountRuleError
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.time import utcnow

APPROVAL_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.EMHP}
)


def needs_approval(role: Role) -> bool:
    return role in APPROVAL_ROLES


def grants_role(user: User, role: Role, team=None) -> bool:
    """Whether giving ``user`` ``role`` (in ``team``) is a new request for approval."""
    if not needs_approval(role):
        return False
    team_id = team.id if team is not None else None
    if user.pending_role is role and user.pending_team_id == team_id:
        return False  # already asked for: the request stands as it is
    return user.awaiting_first_approval or role is not user.role


def request_role(user: User, role: Role, team, *, by: User, new_account: bool) -> None:
    """Ask for ``role``: a new account waits inactive; an existing one keeps its role."""
    user.pending_role = role
    user.pending_team = team
    user.role_requested_by = by
    user.role_requested_at = utcnow()
    if new_account:
        user.awaiting_first_approval = True
        user.active = False
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        user=by,
        detail=f"role {role.value} requested; awaits a second administrator's approval",
    )


def clear_request(user: User) -> None:
    user.pending_role = None
    user.pending_team = None
    user.role_requested_by = None
    user.role_requested_at = None


def _check_decider(user: User, by: User) -> None:
    if user.pending_role is None:
        raise AccountRuleError("role", "There is no role waiting for approval")
    if by.id == user.id:
        raise AccountRuleError("role", "You cannot approve a change to your own account")


def approve_role(user: User, *, by: User) -> None:
    _check_decider(user, by)
    if user.role_requested_by_id == by.id:
        raise AccountRuleError(
            "role", "You asked for this role, so another administrator must approve it"
        )
    role, requester = user.pending_role, user.role_requested_by
    user.role, user.team, user.school = role, user.pending_team, None
    if user.awaiting_first_approval:
        user.awaiting_first_approval = False
        user.active = True
        user.reactivated_at = utcnow()  # unused time counts from the approval
    user.session_version += 1  # what they may see changes: any session starts again
    clear_request(user)
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        user=by,
        detail=f"role {role.value} approved (asked for by {requester.email})",
    )


def decline_role(user: User, *, by: User) -> None:
    """Decline (or, by the administrator who asked, withdraw) the request. A new account
    stays unable to sign in until its role is changed to one that can be granted."""
    _check_decider(user, by)
    role = user.pending_role
    clear_request(user)
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        user=by,
        detail=f"role {role.value} declined",
    )
