from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.core import encryption
from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime, string_enum
from mhst.extensions import db
from mhst.security.roles import Role  # defined beside what each role may do


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        # A school's lead belongs to exactly one school and no team; staff to no school.
        CheckConstraint(
            "(role = 'school_mental_health_lead' AND school_id IS NOT NULL AND team_id IS NULL)"
            " OR (role <> 'school_mental_health_lead' AND school_id IS NULL)",
            name="role_scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(string_enum(Role, "role", 40))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to end every existing session (deactivation, password change).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A temporary password set by an administrator: changed before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reactivated (or approved) by an administrator: unused time counts from here.
    reactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A role granted by one administrator waiting for a second one (mhst.accounts.approvals).
    # A new account waiting is inactive; an existing one keeps its role and team meanwhile.
    pending_role: Mapped[Role | None] = mapped_column(string_enum(Role, "pending_role", 40))
    pending_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    role_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    role_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awaiting_first_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lockout (mhst/accounts/lockout.py): failed sign-ins counted since the first of them,
    # and the time until which the account is locked.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_sign_ins_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-step sign-in (mhst/accounts/mfa.py): the authenticator app's TOTP secret,
    # encrypted (mhst/core/encryption.py; read and set it as totp_secret, below), when it
    # was confirmed (None: set up at the next sign-in), and the last time-step a code was
    # accepted for, so a code is never accepted twice.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    mfa_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mfa_last_step: Mapped[int | None] = mapped_column(Integer)

    # Teams and schools sit above accounts (their records name users): named, not imported.
    team = relationship("Team", foreign_keys=[team_id])
    school = relationship("School")
    pending_team = relationship("Team", foreign_keys=[pending_team_id])
    role_requested_by = relationship("User", remote_side=[id], foreign_keys=[role_requested_by_id])

    @property
    def totp_secret(self) -> str | None:
        """The TOTP secret in the clear; encryption.UnreadableSecret if no key opens it."""
        try:
            return encryption.decrypt(self.totp_secret_encrypted)
        except encryption.UnreadableSecret as error:
            raise encryption.UnreadableSecret(f"user {self.id}") from error

    @totp_secret.setter
    def totp_secret(self, plain: str | None) -> None:
        self.totp_secret_encrypted = encryption.encrypt(plain)

    @property
    def is_locked_out(self) -> bool:
        """Locked after too many failed sign-ins (mhst/accounts/lockout.py), until then."""
        return self.locked_until is not None and utcnow() < self.locked_until

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    # The server-side session this request is signed in with (set by start_session and
    # the user loader): what Flask-Login keeps in the cookie is its random token.
    sign_in_token = None  # str, not a column

    # Flask-Login's UserMixin compares users by get_id(), which is now a session's token:
    # compare them by their row instead (the same user is the same user in any session).
    def __eq__(self, other):
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    __hash__ = UserMixin.__hash__

    def get_id(self) -> str:
        if not self.sign_in_token:
            raise RuntimeError("Sign in through mhst.accounts.signing_in.start_session")
        return self.sign_in_token

    @property
    def status_label(self) -> str:
        if self.awaiting_first_approval:
            return "Awaiting approval" if self.pending_role else "Role declined"
        if not self.active:
            return "Deactivated"
        return "Active, role change awaiting approval" if self.pending_role else "Active"

    @property
    def scope_label(self) -> str:
        if self.school is not None:
            return self.school.name
        if self.team is not None:
            return self.team.name
        return "Whole service"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class PasswordReset(db.Model):
    """One emailed reset link. Only a SHA-256 hash of its token is kept, so the table
    read alone opens no account; a link is spent when used or when a newer one is sent."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    spent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship(User)


class SignInSession(db.Model):
    """One signed-in session, kept on the server so it can end there.

    The cookie holds a random token; the database holds only its SHA-256, so a copy of the
    database is no way in. A session is refused once it has ended (sign-out, idle time-out,
    absolute lifetime), once its user's ``session_version`` has moved on (password change,
    deactivation, role change), or ``SESSION_ABSOLUTE_LIFETIME`` after it started.
    """

    __tablename__ = "sign_in_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    session_version: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user = relationship(User)


class RecoveryCode(db.Model):
    """A one-time code for signing in without the authenticator app, stored hashed."""

    __tablename__ = "mfa_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # "salt$sha256": the codes are random (50 bits), so a fast salted hash is enough.
    code_hash: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
