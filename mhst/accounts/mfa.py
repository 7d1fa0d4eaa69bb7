"""Two-step sign-in: an authenticator app's codes (TOTP, RFC 6238) and one-time recovery
codes. Domain rules only: the views (mfa_views.py) commit.

A code is accepted for the current 30-second time-step or the one either side (clocks
drift), and never for a time-step at or before the last one accepted: a code seen over
someone's shoulder, or sent twice, does not work again. Recovery codes are random (50
bits), so a fast salted hash keeps them safe at rest; each works once. Each check holds
the user's row lock (as the lockout does): two requests with one code, on two app
servers at the same moment, queue, and the second sees the first's use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, func, select

from mhst.accounts import lockout
from mhst.accounts.models import RecoveryCode, User
from mhst.accounts.operations import AccountRuleError
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core import encryption
from mhst.core.locking import lock_row
from mhst.core.time import utcnow
from mhst.extensions import db

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: easy to read back from paper.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
WRONG_CODE = "wrong authenticator code"
WRONG_CODE_MESSAGE = "Enter a correct code from your authenticator app"


def needs_set_up(user: User) -> bool:
    return user.mfa_enrolled_at is None


def prepare_set_up(user: User) -> str:
    """The secret the user is setting up: made once, kept until they confirm it, so the
    QR code scanned stays right if the page is shown again."""
    if not needs_set_up(user):
        raise AccountRuleError("code", "Two-step sign-in is already set up")
    if not _readable_secret(user):
        # None yet, or one no key opens (the keys changed before it was confirmed): a new
        # one, since no app can rely on a secret that was never confirmed.
        user.totp_secret = pyotp.random_base32()  # 32 characters: 160 bits
        user.mfa_last_step = None
    return user.totp_secret


def _readable_secret(user: User) -> bool:
    try:
        return bool(user.totp_secret)
    except encryption.UnreadableSecret:
        return False


def provisioning_uri(user: User) -> str:
    issuer = current_app.config["SERVICE_NAME"]
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_svg(uri: str) -> Markup:
    """The QR code as inline SVG, drawn here: the secret never goes to another server."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff")
    # segno's SVG draws the URI as modules (paths): none of it is written as text.
    return Markup(svg)  # noqa: S704  # nosec B704


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _accept_code(user: User, code: str) -> str | None:
    """Accept ``code`` for ``user`` (moving the last time-step on); or why not."""
    lock_row(User, user.id)  # reloads user: the last time-step another request accepted
    code = _normalise(code)
    if not user.totp_secret or not (len(code) == 6 and code.isdigit()):
        return WRONG_CODE
    totp = pyotp.TOTP(user.totp_secret)
    now = totp.timecode(utcnow())
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.mfa_last_step is not None and step <= user.mfa_last_step:
                return "authenticator code used before"
            user.mfa_last_step = step
            return None
    return WRONG_CODE


def _refused(user: User, detail: str) -> None:
    """A wrong code is a failed sign-in: audited, and counted towards the lockout."""
    audit.record(
        AuditAction.SIGN_IN_FAILED, AuditRecordType.USER, user.id, user=user, detail=detail
    )
    lockout.record_failure(user)


def record_sign_in(user: User, how: str) -> None:
    """The second step passed: this is when the user signed in (and the count of failed
    attempts starts again; the password alone does not reset it)."""
    lockout.record_success(user)
    user.last_signed_in_at = utcnow()
    audit.record(AuditAction.SIGN_IN, AuditRecordType.USER, user.id, user=user, detail=how)


def sign_in_with_code(user: User, code: str) -> bool:
    """The second step with an authenticator code; a refusal is a failed sign-in."""
    if lockout.refuse_if_locked(user):  # locked while half signed in: no code works
        return False
    refusal = _accept_code(user, code)
    if refusal:
        _refused(user, refusal)
        return False
    record_sign_in(user, "authenticator code")
    return True


def confirm_set_up(user: User, code: str) -> list[str] | None:
    """Finish setting up with a first code from the app: the user is signed in and gets
    their recovery codes (returned, to be shown once). None if the code is wrong."""
    if lockout.refuse_if_locked(user):
        return None
    refusal = _accept_code(user, code) if needs_set_up(user) else "already set up"
    if refusal:
        _refused(user, refusal)
        return None
    user.mfa_enrolled_at = utcnow()
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        user=user,
        detail="two-step sign-in set up",
    )
    record_sign_in(user, "authenticator code (set up)")
    return _new_recovery_codes(user)


def _hash(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}${code}".encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        salt = secrets.token_hex(8)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=f"{salt}${_hash(code, salt)}"))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def sign_in_with_recovery_code(user: User, code: str) -> bool:
    """The second step with a recovery code, which then never works again."""
    if lockout.refuse_if_locked(user):
        return False
    lock_row(User, user.id)  # a code sent twice at once: the second waits, then finds it used
    code = _normalise(code)
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for candidate in unused:
        salt, digest = candidate.code_hash.split("$", 1)
        if hmac.compare_digest(_hash(code, salt), digest):
            candidate.used_at = utcnow()
            left = len(unused) - 1
            audit.record(
                AuditAction.UPDATE,
                AuditRecordType.USER,
                user.id,
                user=user,
                detail=f"recovery code used; {left} left",
            )
            record_sign_in(user, "recovery code")
            return True
    _refused(user, "wrong recovery code")
    return False


def replace_recovery_codes(user: User, code: str) -> list[str]:
    """A new set of recovery codes (the old ones stop working), for a user who proves
    they still have their authenticator app."""
    if _accept_code(user, code):
        raise AccountRuleError("code", WRONG_CODE_MESSAGE)
    audit.record(
        AuditAction.UPDATE, AuditRecordType.USER, user.id, user=user, detail="new recovery codes"
    )
    return _new_recovery_codes(user)


def reset(user: User, *, by: User) -> None:
    """An administrator's reset: the user sets up an app again at their next sign-in, and
    every session they have ends now."""
    user.totp_secret = None
    user.mfa_enrolled_at = None
    user.mfa_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_version += 1
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.USER,
        user.id,
        user=by,
        detail="two-step sign-in reset",
    )


def enrol(user: User, secret: str) -> None:
    """Set ``user`` up with a known secret (demo accounts only: see mhst/demo)."""
    user.totp_secret = secret
    user.mfa_enrolled_at = user.mfa_enrolled_at or utcnow()


def rotate_encryption_key() -> tuple[int, list[User]]:
    """Every stored secret encrypted again with the first of MFA_ENCRYPTION_KEYS, so the
    others can then be dropped: how many, and the users whose secret no key opens (left
    as they are: an administrator resets their two-step sign-in)."""
    users = db.session.scalars(
        select(User).where(User.totp_secret_encrypted.is_not(None)).order_by(User.id)
    ).all()
    unreadable = []
    for user in users:
        try:
            user.totp_secret_encrypted = encryption.reencrypt(user.totp_secret_encrypted)
        except encryption.UnreadableSecret:
            unreadable.append(user)
    return len(users) - len(unreadable), unreadable


def current_code(secret: str, at: float | None = None) -> str:
    return pyotp.TOTP(secret).at(at if at is not None else time.time())
