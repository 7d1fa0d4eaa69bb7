"""Domain rules for user accounts. Views and commands call these; they do not commit.

The caller commits once the whole operation (including its audit events) is done.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from mhst.accounts.models import Role, User
from mhst.accounts.passwords import hash_password, spend_equal_time, verify_password
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.extensions import db

MAX_PASSWORD_LENGTH = 128


class AccountRuleError(RuleError):
    """A rule about accounts was broken."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.email) == normalise_email(email))
    ).one_or_none()


def check_password_rules(password: str, *, field: str = "password") -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountRuleError(field, f"Password must be {minimum} characters or more")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountRuleError(field, f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer")
    if len(set(password)) < 4:
        raise AccountRuleError(field, "Password must not repeat the same few characters")


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


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; audit either way.

    Every failure takes the same path and time, so callers can show one message.
    """
    user = find_user_by_email(email)
    if user is None:
        spend_equal_time(password)
        audit.record(
            AuditAction.SIGN_IN_FAILED, AuditRecordType.USER, actor=normalise_email(email)[:254]
        )
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        audit.record(
            AuditAction.SIGN_IN_FAILED,
            AuditRecordType.USER,
            user.id,
            user=user,
            detail=None if user.active else "account deactivated",
        )
        return None
    user.last_signed_in_at = utcnow()
    audit.record(AuditAction.SIGN_IN, AuditRecordType.USER, user.id, user=user)
    return user


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
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountRuleError("email", "A user with this email address already exists")
    check_role_scope(role, team, school)
    check_password_rules(password)
    user = User(
        email=email,
        full_name=full_name.strip(),
        role=role,
        team=team,
        school=school,
        password_hash=hash_password(password),
        active=True,
        session_version=1,
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
    if user.active == active:
        return user
    user.active = active
    user.session_version += 1  # a deactivated user's sessions stop working at once
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        user=by,
        detail="reactivated" if active else "deactivated",
    )
    return user


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise AccountRuleError("current_password", "Your current password is not right")
    check_password_rules(new_password, field="new_password")
    user.password_hash = hash_password(new_password)
    user.session_version += 1  # sign out every other session
    audit.record(
        AuditAction.UPDATE, AuditRecordType.USER, user.id, user=user, detail="password changed"
    )


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login's user loader: the id must carry the current session version."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user
