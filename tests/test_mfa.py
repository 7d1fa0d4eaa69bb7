"""Two-step sign-in: setting up an authenticator app at the first sign-in, a code after
every password (never the same code twice), one-time recovery codes, the half-signed-in
state that reaches no page, and the administrator's reset."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mhst.accounts import mfa
from mhst.accounts.models import RecoveryCode, Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.extensions import db
from tests.conftest import PASSWORD, TOTP_SECRET, AuthActions
from tests.test_route_permissions import EXPECTED_ACCESS, PUBLIC, _request, _url, routes

CODE_PAGE = "/sign-in/code"
SET_UP_PAGE = "/sign-in/set-up-authenticator"
RECOVERY_PAGE = "/sign-in/recovery-code"


def password_step(auth, email: str):
    """Only the first step: the password."""
    token = auth.csrf_token("/sign-in")
    return auth.client.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )


def events(user, action: AuditAction) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_id == str(user.id), AuditEvent.action == action)
        .order_by(AuditEvent.id)
    ).all()


def signed_in(client) -> bool:
    """A staff page opens (``/`` is the families' landing page when signed out)."""
    return client.get("/notifications/").status_code == 200


def secret_on(page: str) -> str:
    match = re.search(r'<code id="authenticator-key">([A-Z2-7 ]+)</code>', page)
    assert match, "no key on the set-up page"
    return match.group(1).replace(" ", "")


def set_up(auth, user) -> list[str]:
    """Sign in for the first time, setting up an app; the recovery codes shown."""
    assert password_step(auth, user.email).headers["Location"] == SET_UP_PAGE
    secret = secret_on(auth.client.get(SET_UP_PAGE).get_data(as_text=True))
    response = auth.post(SET_UP_PAGE, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    return re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))


def test_first_sign_in_sets_up_an_app_drawn_here_and_shows_recovery_codes_once(
    app, make_user, auth, client
):
    user = make_user(Role.EMHP, mfa=False)
    assert password_step(auth, user.email).headers["Location"] == SET_UP_PAGE
    assert not signed_in(client)
    page = client.get(SET_UP_PAGE).get_data(as_text=True)
    # The QR code is inline SVG made here: no image or request goes to another server.
    assert "<svg" in page
    assert 'class="segno"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    secret = secret_on(page)
    assert user.totp_secret == secret
    assert len(secret) == 32
    assert client.get(SET_UP_PAGE).get_data(as_text=True).count(mfa.grouped(secret)) == 1

    right = {pyotp.TOTP(secret).at(time.time() + d) for d in (-30, 0, 30)}
    wrong = auth.post(SET_UP_PAGE, {"code": "000000" if "000000" not in right else "111111"})
    assert wrong.status_code == 400
    assert mfa.WRONG_CODE_MESSAGE in wrong.get_data(as_text=True)
    assert [e.detail for e in events(user, AuditAction.SIGN_IN_FAILED)] == [mfa.WRONG_CODE]
    assert not signed_in(client)

    response = auth.post(SET_UP_PAGE, {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert signed_in(client)
    assert user.mfa_enrolled_at is not None
    assert [e.detail for e in events(user, AuditAction.SIGN_IN)] == ["authenticator code (set up)"]
    stored = db.session.scalars(select(RecoveryCode.code_hash).filter_by(user_id=user.id)).all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in hashed for code in codes for hashed in stored)
    # Set up once: the set-up page is not shown again.
    auth.sign_out()
    assert password_step(auth, user.email).headers["Location"] == CODE_PAGE


def test_a_code_works_once(world, auth, client):
    user = world.users[Role.EMHP]
    assert password_step(auth, user.email).headers["Location"] == CODE_PAGE
    code = pyotp.TOTP(TOTP_SECRET).now()
    assert auth.post(CODE_PAGE, {"code": code}).headers["Location"] == "/"
    auth.sign_out()
    password_step(auth, user.email)
    replayed = auth.post(CODE_PAGE, {"code": code})
    assert replayed.status_code == 400
    assert not signed_in(client)
    assert events(user, AuditAction.SIGN_IN_FAILED)[-1].detail == "authenticator code used before"


def test_codes_from_the_steps_either_side_are_accepted_but_never_an_earlier_one(
    app, make_user, monkeypatch
):
    user = make_user()
    moment = datetime(2026, 12, 3, 12, 0, 10, tzinfo=UTC)
    monkeypatch.setattr(mfa, "utcnow", lambda: moment)
    totp = pyotp.TOTP(TOTP_SECRET)
    assert mfa.sign_in_with_code(user, totp.at(moment + timedelta(seconds=30)))  # clock behind
    assert not mfa.sign_in_with_code(user, totp.at(moment))  # earlier than the last one used
    assert not mfa.sign_in_with_code(user, totp.at(moment - timedelta(seconds=30)))
    assert not mfa.sign_in_with_code(user, totp.at(moment + timedelta(seconds=60)))  # too far
    monkeypatch.setattr(mfa, "utcnow", lambda: moment + timedelta(seconds=60))
    assert mfa.sign_in_with_code(user, totp.at(moment + timedelta(seconds=60)))


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(max_size=20) | st.integers(0, 999_999).map("{:06d}".format))
def test_nothing_but_a_current_code_is_accepted(app, make_user, typed):
    user = make_user()
    totp = pyotp.TOTP(TOTP_SECRET)
    now = time.time()
    current = {totp.at(now + offset) for offset in (-30, 0, 30)}
    if "".join(typed.split()).replace("-", "") in current:
        return
    assert not mfa.sign_in_with_code(user, typed)
    assert user.mfa_last_step is None


def test_a_recovery_code_works_once(app, make_user, auth, client):
    user = make_user(mfa=False)
    codes = set_up(auth, user)
    auth.sign_out()
    password_step(auth, user.email)
    page = client.get(CODE_PAGE).get_data(as_text=True)
    assert f'href="{RECOVERY_PAGE}"' in page
    response = auth.post(RECOVERY_PAGE, {"code": " " + codes[3].upper() + " "})
    assert response.headers["Location"] == "/"
    assert "You have 9 left" in client.get("/").get_data(as_text=True)
    assert mfa.recovery_codes_left(user) == 9
    used = [e.detail for e in events(user, AuditAction.UPDATE)]
    assert "recovery code used; 9 left" in used
    assert events(user, AuditAction.SIGN_IN)[-1].detail == "recovery code"
    auth.sign_out()
    password_step(auth, user.email)
    again = auth.post(RECOVERY_PAGE, {"code": codes[3]})
    assert again.status_code == 400
    assert not signed_in(client)
    assert events(user, AuditAction.SIGN_IN_FAILED)[-1].detail == "wrong recovery code"
    assert auth.post(RECOVERY_PAGE, {"code": codes[4]}).headers["Location"] == "/"


def test_the_second_step_expires(world, auth, client):
    user = world.users[Role.EMHP]
    password_step(auth, user.email)
    with client.session_transaction() as session:
        session["mfa_pending"] = {**session["mfa_pending"], "at": int(time.time()) - 301}
    response = auth.post(CODE_PAGE, {"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.headers["Location"] == "/sign-in"
    assert not signed_in(client)
    assert events(user, AuditAction.SIGN_IN) == []


def test_a_pending_step_ends_when_the_account_changes(world, auth, client):
    user = world.users[Role.EMHP]
    password_step(auth, user.email)
    user.session_version += 1  # deactivated, reset or password changed meanwhile
    db.session.commit()
    response = auth.post(CODE_PAGE, {"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.headers["Location"] == "/sign-in"
    assert not signed_in(client)


def test_the_second_step_needs_a_password_first(world, auth, client):
    for path in (CODE_PAGE, SET_UP_PAGE, RECOVERY_PAGE):
        assert client.get(path).headers["Location"] == "/sign-in"
    token = auth.csrf_token("/sign-in")
    data = {"code": pyotp.TOTP(TOTP_SECRET).now(), "csrf_token": token}
    assert client.post(CODE_PAGE, data=data).headers["Location"] == "/sign-in"


def test_half_signed_in_reaches_no_other_page(app, world, auth, client):
    """After the password alone, every route that needs a signed-in user sends the visitor
    to sign in, as for someone who gave nothing."""
    password_step(auth, world.users[Role.ADMINISTRATOR].email)
    for endpoint, rule in routes(app):
        if EXPECTED_ACCESS[endpoint] == PUBLIC:
            continue
        with app.test_request_context():
            url = _url(rule, world)
        response = _request(client, rule, url, signed_in=False)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/sign-in?"), endpoint
    assert auth.post(CODE_PAGE, {"code": pyotp.TOTP(TOTP_SECRET).now()}).status_code == 302


def test_wrong_codes_are_failed_sign_ins_and_rate_limited(world, auth):
    user = world.users[Role.EMHP]
    password_step(auth, user.email)
    right = {pyotp.TOTP(TOTP_SECRET).at(time.time() + d) for d in (-30, 0, 30)}
    wrong = next(f"{n:06d}" for n in range(1000) if f"{n:06d}" not in right)
    for _ in range(10):
        assert auth.post(CODE_PAGE, {"code": wrong}).status_code == 400
    assert auth.post(CODE_PAGE, {"code": wrong}).status_code == 429
    failures = events(user, AuditAction.SIGN_IN_FAILED)
    # Wrong codes count towards the lockout: from the fifth, the account is locked.
    assert [e.detail for e in failures] == [mfa.WRONG_CODE] * 5 + ["locked"] * 5


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1" * 21])
def test_a_badly_typed_code_gets_a_clear_message(code, world, auth):
    password_step(auth, world.users[Role.EMHP].email)
    page = auth.post(CODE_PAGE, {"code": code}).get_data(as_text=True)
    assert "There is a problem" in page
    assert "Enter" in page


def test_the_user_makes_new_recovery_codes_with_a_current_code(app, make_user, auth, client):
    user = make_user(mfa=False)
    old = set_up(auth, user)
    page = client.get("/account/two-step-sign-in").get_data(as_text=True)
    assert re.search(r"Recovery codes not yet used\s*</dt>\s*<dd[^>]*>\s*10 of 10\s*<", page)
    refused = auth.post("/account/two-step-sign-in", {"code": "12345x"})
    assert refused.status_code == 400
    user.mfa_last_step = None  # the set-up used this step's code a moment ago
    db.session.commit()
    response = auth.post("/account/two-step-sign-in", {"code": pyotp.TOTP(user.totp_secret).now()})
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))
    assert len(new) == 10
    assert not set(new) & set(old)
    assert "new recovery codes" in [e.detail for e in events(user, AuditAction.UPDATE)]
    auth.sign_out()
    password_step(auth, user.email)
    assert auth.post(RECOVERY_PAGE, {"code": old[0]}).status_code == 400
    assert auth.post(RECOVERY_PAGE, {"code": new[0]}).status_code == 302


def test_an_administrator_resets_a_users_two_step_sign_in(world, auth, client, app):
    admin, emhp = world.users[Role.ADMINISTRATOR], world.users[Role.EMHP]
    emhp_client = app.test_client()
    AuthActions(emhp_client).sign_in(emhp.email)
    assert signed_in(emhp_client)
    auth.sign_in(admin.email)
    edit = client.get(f"/admin/users/{emhp.id}").get_data(as_text=True)
    assert f'href="/admin/users/{emhp.id}/reset-two-step-sign-in"' in edit
    confirm = client.get(f"/admin/users/{emhp.id}/reset-two-step-sign-in")
    assert "Reset two-step sign-in" in confirm.get_data(as_text=True)
    assert emhp.mfa_enrolled_at is not None  # a GET changes nothing
    response = auth.post(f"/admin/users/{emhp.id}/reset-two-step-sign-in")
    assert response.headers["Location"] == f"/admin/users/{emhp.id}"
    assert (emhp.totp_secret, emhp.mfa_enrolled_at, emhp.mfa_last_step) == (None, None, None)
    event = events(emhp, AuditAction.UPDATE)[-1]
    assert (event.detail, event.user_id) == ("two-step sign-in reset", admin.id)
    assert not signed_in(emhp_client)  # their session ended
    emhp_auth = AuthActions(emhp_client)
    assert password_step(emhp_auth, emhp.email).headers["Location"] == SET_UP_PAGE


def test_reset_needs_an_administrator(world, auth, client):
    emhp = world.users[Role.EMHP]
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    assert auth.post(f"/admin/users/{emhp.id}/reset-two-step-sign-in").status_code in (403, 404)
    assert emhp.mfa_enrolled_at is not None


def test_without_mfa_required_the_password_signs_in(world, auth, client, app):
    app.config["MFA_REQUIRED"] = False
    try:
        assert password_step(auth, world.users[Role.EMHP].email).headers["Location"] == "/"
    finally:
        app.config["MFA_REQUIRED"] = True
    assert signed_in(client)


def test_a_user_with_no_recovery_codes_is_told_to_make_some(world, auth, client):
    """Set up without codes (the demo accounts, say): the page says none, not nothing."""
    assert auth.sign_in(world.users[Role.EMHP].email).status_code == 302
    page = client.get("/account/two-step-sign-in").get_data(as_text=True)
    assert re.search(
        r"Recovery codes not yet used\s*</dt>\s*<dd[^>]*>\s*None: make a new set", page
    )
