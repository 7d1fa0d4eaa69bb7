"""Domain rules for user accounts. Views and commands call these; they do not commit.

The caller commits once the whole operation (including its audit events) is done.
"""

from __future__ import annotations

from sqlalchemy import func, select

from mhst.accounts import approvals, lockout
from mhst.accounts.dormancy import is_dormant
from mhst.accounts.models import Role, User
from mhst.accounts.password_rules import (
    MAX_PASSWORD_LENGTH,
    AccountRuleError,
    check_password_rules,
)
from mhst.accounts.passwords import hash_password, spend_equal_time, verify_password
from mhst.accounts.resets import spend_links
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.time import utcnow
from mhst.extensions import db

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "UNKNOWN_ADDRESS",
    "AccountRuleError",
    "authenticate",
    "check_password_rules",
    "create_user",
    "set_active",
    "update_user",
]

UNKNOWN_ADDRESS = "unknown address"  # the audit log's actor for a sign-in as no one known


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.email) == normalise_email(email))
    ).one_or_none()


def check_role_scope(role: Role, team, school) -> None:
    """A school's lead belongs to one school; EMHPs and senior clinicians to one team.

    ``team`` and ``school`` are a Team and a School, or None (organisation and schools
    build on accounts, so they are not imported here)."""
    if role is Role.SCHOOL_MENTAL_HEALTH_LEAD:
        if school is None:
            raise AccountRuleError("school_id", "Select the school this lead works at")
        if team is not None:
            raise AccountRuleError("team_id", "A school mental health lead does not join a team")
        return
    if school is not None:
        raise AccountRuleError("school_id", "Only a school mental health lead belongs to a school")
    if role.needs_team and team is None:
        raise AccountRuleError("team_id", f"Select the team this {role.label.lower()} works in")


def authenticate(email: str, password: str, *, second_step: bool = False) -> User | None:
    """Return the active user with these credentials, or None; audit either way.

    Every failure takes the same path and time, so callers can show one message. With
    ``second_step`` the password is only the first step: the sign-in is recorded when the
    second passes (mhst/accounts/mfa.py).
    """
    user = find_user_by_email(email)
    if user is None:
        spend_equal_time(password)
        # Never what was typed: it may be a password typed in the wrong box, or a name.
        audit.record(AuditAction.SIGN_IN_FAILED, AuditRecordType.USER, actor=UNKNOWN_ADDRESS)
        return None
    if lockout.refuse_if_locked(user):
        spend_equal_time(password)
        return None
    refused = refusal(user)
    if not verify_password(user.password_hash, password) or refused:
        audit.record(
            AuditAction.SIGN_IN_FAILED, AuditRecordType.USER, user.id, user=user, detail=refused
        )
        if not refused:  # an account that could sign in with the right password
            lockout.record_failure(user)
        return None
    if not second_step:  # else the count starts again only once the second step passes
        lockout.record_success(user)
        user.last_signed_in_at = utcnow()
        audit.record(AuditAction.SIGN_IN, AuditRecordType.USER, user.id, user=user)
    return user


def refusal(user: User) -> str | None:
    """Why this account may not sign in whatever password is given, or None. The user is
    told only that the sign-in failed; the audit log says why."""
    if user.awaiting_first_approval:
        return "awaiting approval of its role"
    if not user.active:
        return "account deactivated"
    if is_dormant(user):
        return "dormant"
    return None


def create_user(
    *,
    email: str,
    full_name: str,
    role: Role,
    password: str,
    team=None,
    school=None,
    by: User | None = None,
) -> User:
    """An administrator's new user (``by``) has a temporary password to change at first
    sign-in, and a role that needs approval waits for a second administrator (the account
    cannot sign in until then). The command line's (``by`` None) is approved, password
    chosen."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountRuleError("email", "A user with this email address already exists")
    check_role_scope(role, team, school)
    check_password_rules(password, email=email)
    user = User(
        email=email,
        full_name=full_name.strip(),
        role=role,
        team=team,
        school=school,
        password_hash=hash_password(password),
        active=True,
        session_version=1,
        must_change_password=by is not None,
        awaiting_first_approval=False,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        AuditAction.CREATE,
        AuditRecordType.USER,
        user.id,
        user=by,
        actor=None if by else "command line",
        detail=f"role {role.value}",
    )
    if by is not None and approvals.needs_approval(role):
        approvals.request_role(user, role, team, by=by, new_account=True)
    return user


def update_user(
    user: User,
    *,
    full_name: str,
    role: Role,
    team,
    school,
    by: User,
) -> User:
    if user.id == by.id and role is not Role.ADMINISTRATOR:
        raise AccountRuleError("role", "You cannot remove your own administrator role")
    check_role_scope(role, team, school)
    if approvals.needs_approval(role) and (user.awaiting_first_approval or role is not user.role):
        # The role waits for a second administrator; the rest of the change applies now.
        if approvals.grants_role(user, role, team):
            approvals.request_role(
                user, role, team, by=by, new_account=user.awaiting_first_approval
            )
        role, team, school = user.role, user.team, user.school
    elif user.pending_role is not None and role is not user.role:
        approvals.clear_request(user)  # a different, lesser role replaces the request
    if user.awaiting_first_approval and not approvals.needs_approval(role):
        user.awaiting_first_approval = False  # nothing to approve; reactivate it to use it
    changes = []
    if user.role is not role:
        changes.append(f"role {user.role.value} to {role.value}")
    if user.team_id != (team.id if team else None):
        changes.append("team changed")
    if user.school_id != (school.id if school else None):
        changes.append("school changed")
    if user.full_name != full_name:
        changes.append("name changed")
    if any(c.startswith(("role", "team", "school")) for c in changes):
        # What they may see has changed: end their sessions so it takes effect at once.
        user.session_version += 1
    user.full_name, user.role, user.team, user.school = full_name, role, team, school
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        user=by,
        detail="; ".join(changes) or None,
    )
    return user


def set_active(user: User, active: bool, *, by: User) -> User:
    if user.id == by.id and not active:
        raise AccountRuleError("active", "You cannot deactivate your own account")
    if active and user.awaiting_first_approval:
        raise AccountRuleError(
            "active",
            "This account's role has not been approved: approve it, or change the role",
        )
    if user.active == active:
        return user
    user.active = active
    if active:
        user.reactivated_at = utcnow()  # time unused counts again from now
    user.session_version += 1  # a deactivated user's sessions stop working at once
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        user=by,
        detail="reactivated" if active else "deactivated",
    )
    return user


def set_own_password(user: User, *, new_password: str) -> None:
    """The signed-in user's new password (their current one already checked: see
    ``mhst.accounts.password_checks``). Ends every other session."""
    check_password_rules(new_password, field="new_password", email=user.email)
    if verify_password(user.password_hash, new_password):
        raise AccountRuleError("new_password", "Choose a password different from your current one")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.session_version += 1  # sign out every other session
    spend_links(user)
    audit.record(
        AuditAction.UPDATE, AuditRecordType.USER, user.id, user=user, detail="password changed"
    )


def set_temporary_password(user: User, password: str, *, by: User) -> None:
    """An administrator's reset: a temporary password, to be changed at the next sign-in."""
    if user.id == by.id:
        raise AccountRuleError("password", "Change your own password on the change password page")
    check_password_rules(password, email=user.email)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    spend_links(user)
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        user=by,
        detail="temporary password set by an administrator",
    )
