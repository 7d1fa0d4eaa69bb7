"""Account lockout, and limits on failed sign-ins across many accounts.

An account: after ``LOCKOUT_THRESHOLD`` failed sign-ins within ``LOCKOUT_WINDOW_MINUTES``
it is locked for ``LOCKOUT_MINUTES``, whatever password is then given, and its user is
told by email (once per lock). An administrator can unlock it sooner. Counted on the
account's row, under a row lock, so failures sent at once are all counted.

Many accounts: guessing one password against many addresses never locks any of them, so
failures are also counted per client address (``SIGN_IN_FAILURE_LIMIT_PER_IP``) and for
the whole service (``SIGN_IN_FAILURE_LIMIT_GLOBAL``). These are Flask-Limiter limits that
count only refused sign-ins (a 401 response), kept where the other rate limits are (Redis
when configured, so every app server shares them); beyond one, sign-in answers "Too many
attempts" (429) until the window has passed. The global limit stops a spray from many
addresses at the cost of refusing everyone for a while: set it well above the service's
normal failures, and watch for it in the audit log and the logs.

These functions do not commit; :func:`send_lock_notices` runs after the commit.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, url_for

from mhst.accounts import emails
from mhst.accounts.models import User
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.locking import lock_row
from mhst.core.time import utcnow
from mhst.extensions import limiter

LOCKED_DETAIL = "locked"


def _refused(response) -> bool:
    return response.status_code == 401


def _per_ip_limit() -> str:
    return current_app.config["SIGN_IN_FAILURE_LIMIT_PER_IP"]


def _global_limit() -> str:
    return current_app.config["SIGN_IN_FAILURE_LIMIT_GLOBAL"]


def _everyone() -> str:
    return "everyone"


# Decorators for a view that checks a secret (the sign-in page, a second factor): every
# refusal it gives (401) counts against the client's address and the whole service.
count_failures_per_ip = limiter.shared_limit(
    _per_ip_limit, scope="sign-in-failures", methods=["POST"], deduct_when=_refused
)
count_failures_everywhere = limiter.shared_limit(
    _global_limit,
    scope="sign-in-failures-all",
    key_func=_everyone,
    methods=["POST"],
    deduct_when=_refused,
)


def refuse_if_locked(user: User) -> bool:
    """True, with the refusal audited, while ``user`` is locked out."""
    if not user.is_locked_out:
        return False
    audit.record(
        AuditAction.SIGN_IN_FAILED,
        AuditRecordType.USER,
        user.id,
        user=user,
        detail=LOCKED_DETAIL,
    )
    return True


def record_failure(user: User) -> None:
    """Count a failed sign-in for ``user``; lock the account at the threshold."""
    user = lock_row(User, user.id)
    config = current_app.config
    now = utcnow()
    window = timedelta(minutes=config["LOCKOUT_WINDOW_MINUTES"])
    since = user.failed_sign_ins_since
    if since is None or now - since > window:
        user.failed_sign_ins, user.failed_sign_ins_since = 0, now
    user.failed_sign_ins += 1
    if user.failed_sign_ins < config["LOCKOUT_THRESHOLD"]:
        return
    minutes = config["LOCKOUT_MINUTES"]
    user.locked_until = now + timedelta(minutes=minutes)
    user.failed_sign_ins, user.failed_sign_ins_since = 0, None
    audit.record(
        AuditAction.ACCOUNT_LOCKED,
        AuditRecordType.USER,
        user.id,
        user=user,
        detail=f"{config['LOCKOUT_THRESHOLD']} failed sign-ins; locked for {minutes} minutes",
    )
    g.setdefault("lock_notices", []).append((user.email, minutes))


def record_success(user: User) -> None:
    """A correct sign-in starts the count again."""
    if user.failed_sign_ins or user.failed_sign_ins_since or user.locked_until:
        user.failed_sign_ins, user.failed_sign_ins_since, user.locked_until = 0, None, None


def unlock(user: User, *, by: User) -> None:
    """An administrator unlocks ``user`` before the lock runs out."""
    user = lock_row(User, user.id)
    user.failed_sign_ins, user.failed_sign_ins_since, user.locked_until = 0, None, None
    audit.record(AuditAction.ACCOUNT_UNLOCKED, AuditRecordType.USER, user.id, user=by)


def send_lock_notices() -> None:
    """Email each user whose account this request locked (after the commit)."""
    for email, minutes in g.pop("lock_notices", []):
        emails.send_account_locked(
            email,
            minutes=minutes,
            failures=current_app.config["LOCKOUT_THRESHOLD"],
            sign_in_url=url_for("accounts.sign_in", _external=True),
        )
