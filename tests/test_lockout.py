"""Account lockout after repeated failed sign-ins, the email that says so, unlocking by an
administrator, the limit on failures from one address across many accounts, and what a
failed sign-in records."""

import time
from datetime import timedelta

import pyotp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mhst.accounts.emails import LOCK_NOTICE_SUBJECT
from mhst.accounts.models import Role
from mhst.accounts.operations import UNKNOWN_ADDRESS
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import utcnow
from mhst.extensions import db, limiter
from tests.conftest import PASSWORD, AuthActions
from tests.mailbox import body_of

EMAIL = "emhp@test.example"
GENERIC_FAILURE = "Enter a correct email address and password"


@pytest.fixture
def roomy_limits(app, monkeypatch):
    """The per-address attempt limits out of the way, so lockout is what is tested."""
    monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT", "1000 per minute")


def _fail(auth, times: int, email: str = EMAIL) -> None:
    for _ in range(times):
        assert auth.sign_in(email, "not the password").status_code == 401


def _events(action, user_id=None):
    query = select(AuditEvent).where(AuditEvent.action == action)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def test_the_fifth_failure_locks_the_account_and_emails_its_user(
    world, auth, app, mailbox, roomy_limits
):
    user = world.users[Role.EMHP]
    _fail(auth, 4)
    assert not user.is_locked_out
    assert mailbox.messages == []
    _fail(auth, 1)
    assert user.is_locked_out
    (message,) = mailbox.messages
    assert message["To"] == EMAIL
    assert message["Subject"] == LOCK_NOTICE_SUBJECT
    assert "15 minutes" in body_of(message)
    assert user.full_name not in message["Subject"]
    (locked,) = _events(AuditAction.ACCOUNT_LOCKED, user.id)
    assert "5 failed sign-ins" in locked.detail

    # Locked: the right password is refused too, with the same message, audited "locked".
    response = auth.sign_in(EMAIL, PASSWORD)
    assert response.status_code == 401
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    assert _events(AuditAction.SIGN_IN_FAILED, user.id)[-1].detail == "locked"
    _fail(auth, 3)
    assert len(mailbox.messages) == 1  # one email per lock
    assert _events(AuditAction.SIGN_IN, user.id) == []


def test_failures_spread_beyond_the_window_do_not_lock(world, auth, app, roomy_limits):
    user = world.users[Role.EMHP]
    _fail(auth, 4)
    user.failed_sign_ins_since = utcnow() - timedelta(minutes=16)
    db.session.commit()
    _fail(auth, 1)
    assert not user.is_locked_out
    assert user.failed_sign_ins == 1


def test_a_correct_sign_in_starts_the_count_again(world, auth, roomy_limits):
    user = world.users[Role.EMHP]
    _fail(auth, 4)
    assert auth.sign_in(EMAIL).status_code == 302
    auth.sign_out()
    _fail(auth, 4)
    assert not user.is_locked_out


def test_the_lock_runs_out(world, auth, roomy_limits):
    user = world.users[Role.EMHP]
    _fail(auth, 5)
    assert auth.sign_in(EMAIL).status_code == 401
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert auth.sign_in(EMAIL).status_code == 302


def test_an_administrator_unlocks_an_account(world, auth, app, roomy_limits):
    user = world.users[Role.EMHP]
    _fail(auth, 5)
    admin = app.test_client()
    admin_auth = AuthActions(admin)
    admin_auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Locked after failed sign-ins" in page
    response = admin_auth.post(f"/admin/users/{user.id}/unlock")
    assert response.status_code == 302
    assert "Locked after failed sign-ins" not in admin.get(f"/admin/users/{user.id}").text
    (event,) = _events(AuditAction.ACCOUNT_UNLOCKED, world.users[Role.ADMINISTRATOR].id)
    assert event.record_id == str(user.id)
    assert auth.sign_in(EMAIL).status_code == 302


def test_only_an_administrator_may_unlock(world, auth, roomy_limits):
    user = world.users[Role.EMHP]
    _fail(auth, 5)
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    assert auth.post(f"/admin/users/{user.id}/unlock").status_code == 403
    assert user.is_locked_out


def test_many_addresses_from_one_client_are_refused(world, auth, app, monkeypatch, roomy_limits):
    """Each address fails once (no account is locked), but the client's failures add up."""
    monkeypatch.setitem(app.config, "SIGN_IN_FAILURE_LIMIT_PER_IP", "6 per 15 minutes")
    for number in range(6):
        assert auth.sign_in(f"guess{number}@test.example", PASSWORD).status_code == 401
    response = auth.sign_in(EMAIL, PASSWORD)  # even a right password, from this client
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    other_client = {"REMOTE_ADDR": "192.0.2.7"}
    assert auth.sign_in(EMAIL, PASSWORD, environ_base=other_client).status_code == 302


def test_only_failures_count_towards_the_client_limit(world, auth, app, monkeypatch, roomy_limits):
    monkeypatch.setitem(app.config, "SIGN_IN_FAILURE_LIMIT_PER_IP", "2 per 15 minutes")
    for _ in range(4):
        assert auth.sign_in(EMAIL).status_code == 302
        auth.sign_out()


def test_failures_across_the_service_are_limited(world, auth, app, monkeypatch, roomy_limits):
    monkeypatch.setitem(app.config, "SIGN_IN_FAILURE_LIMIT_GLOBAL", "3 per 15 minutes")
    for number in range(3):
        address = {"REMOTE_ADDR": f"192.0.2.{number + 1}"}
        response = auth.sign_in(f"spray{number}@test.example", "x" * 12, environ_base=address)
        assert response.status_code == 401
    assert auth.sign_in(EMAIL, environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 429


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(min_size=1, max_size=60).filter(lambda t: t.strip() and "\x00" not in t))
def test_an_unknown_address_is_never_stored(typed, world, auth, roomy_limits):
    limiter.reset()
    before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    response = auth.sign_in(typed.strip() + "@nobody.example", "a password typed in")
    assert response.status_code in (400, 401)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > (before or 0))).all()
    for event in events:  # nothing of what was typed: no actor, detail or record id
        assert (event.actor, event.user_id, event.detail, event.record_id) == (
            UNKNOWN_ADDRESS,
            None,
            None,
            None,
        )
    if response.status_code == 401:
        assert len(events) == 1


# ---- the second step counts too --------------------------------------------------------

CODE_PAGE = "/sign-in/code"


def _password_only(auth, email: str = EMAIL):
    token = auth.csrf_token("/sign-in")
    response = auth.client.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == CODE_PAGE


def _wrong_code(user) -> str:
    right = {pyotp.TOTP(user.totp_secret).at(time.time() + d) for d in (-30, 0, 30)}
    return next(f"{n:06d}" for n in range(1000) if f"{n:06d}" not in right)


def test_wrong_codes_after_the_right_password_lock_the_account(world, auth, mailbox, roomy_limits):
    """Someone who has the password but not the phone is locked out like anyone else."""
    user = world.users[Role.EMHP]
    _password_only(auth)
    for _ in range(5):
        assert auth.post(CODE_PAGE, {"code": _wrong_code(user)}).status_code == 400
    assert user.is_locked_out
    (message,) = mailbox.messages
    assert "wrong password or code" in body_of(message)
    # Locked: even the right code is refused now.
    right = pyotp.TOTP(user.totp_secret).now()
    user.mfa_last_step = None
    db.session.commit()
    assert auth.post(CODE_PAGE, {"code": right}).status_code == 400
    assert _events(AuditAction.SIGN_IN_FAILED, user.id)[-1].detail == "locked"
    assert _events(AuditAction.SIGN_IN, user.id) == []


def test_the_right_password_alone_does_not_start_the_count_again(world, auth, roomy_limits):
    """Four wrong passwords, the right one, then a wrong code: five failures, locked."""
    user = world.users[Role.EMHP]
    _fail(auth, 4)
    _password_only(auth)
    assert not user.is_locked_out
    assert auth.post(CODE_PAGE, {"code": _wrong_code(user)}).status_code == 400
    assert user.is_locked_out


def test_a_full_sign_in_starts_the_count_again(world, auth, roomy_limits):
    user = world.users[Role.EMHP]
    _fail(auth, 4)
    assert auth.sign_in(EMAIL).status_code == 302  # password and code
    assert user.failed_sign_ins == 0
    auth.sign_out()
    _fail(auth, 4)
    assert not user.is_locked_out
