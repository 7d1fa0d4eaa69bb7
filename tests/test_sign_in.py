"""Signing in and out, and every kind of bad sign-in input."""

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.extensions import db
from tests.conftest import PASSWORD

GENERIC_FAILURE = "Enter a correct email address and password"


@pytest.mark.parametrize("role", list(Role))
def test_every_role_signs_in_and_out(role, world, auth, client):
    user = world.users[role]
    response = auth.sign_in(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert user.full_name in home.get_data(as_text=True)

    response = auth.sign_out()
    assert response.status_code == 302
    assert client.get("/notifications/").status_code == 302  # signed out: back to sign-in
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(
            AuditEvent.user_id == user.id,
            AuditEvent.action.in_([AuditAction.SIGN_IN, AuditAction.SIGN_OUT]),
        )
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [AuditAction.SIGN_IN, AuditAction.SIGN_OUT]


def test_email_is_not_case_sensitive(world, auth):
    assert auth.sign_in("  EMHP@Test.Example ").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("emhp@test.example", "wrong password"),
        ("nobody@test.example", PASSWORD),
        ("nobody@test.example", "wrong password"),
    ],
)
def test_failures_give_one_generic_message(email, password, world, auth):
    response = auth.sign_in(email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert GENERIC_FAILURE in page
    assert "Error: Sign in" in page
    assert password not in page  # the password is never sent back


def test_deactivated_user_cannot_sign_in(world, auth):
    user = world.users[Role.EMHP]
    user.active = False
    db.session.commit()
    response = auth.sign_in(user.email)
    assert response.status_code == 401
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    failure = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.SIGN_IN_FAILED)
    ).one()
    assert failure.user_id == user.id
    assert failure.detail == "account deactivated"


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", "", "Enter your email address"),
        ("", PASSWORD, "Enter your email address"),
        ("emhp@test.example", "", "Enter your password"),
        ("a" * 10_000 + "@test.example", PASSWORD, "Email address must be 254 characters or fewer"),
        ("' OR 1=1; DROP TABLE user_account; --", "' OR '1'='1", GENERIC_FAILURE),
        ("<script>alert(1)</script>@x.example", "<b>bold</b>", GENERIC_FAILURE),
        ("zoë.ñandú@例え.テスト", "pässwörd 🔑", GENERIC_FAILURE),
        ("emhp@test.example\x00", PASSWORD, "hidden character (a NUL byte)"),
        ("emhp@test.example", "x" * 5000, "Password must be 1024 characters or fewer"),
    ],
)
def test_bad_input_gets_a_clear_message_never_a_500(email, password, message, world, auth):
    response = auth.sign_in(email, password)
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 401)
    assert message in page
    assert "<script>alert(1)</script>" not in page  # typed text is escaped
    assert "There is a problem" in page
    # The users table survived the injection attempt.
    assert auth.sign_in("emhp@test.example").status_code == 302


def test_what_the_user_typed_in_email_is_kept(world, auth):
    page = auth.sign_in("someone@test.example", "").get_data(as_text=True)
    assert 'value="someone@test.example"' in page


def test_missing_csrf_token_gets_a_clear_error_page(world, client):
    response = client.post("/sign-in", data={"email": "emhp@test.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "The form you sent had expired or was not complete" in response.get_data(as_text=True)


def test_sign_out_needs_post_with_csrf(world, auth, client):
    auth.sign_in("emhp@test.example")
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400  # no CSRF token
    assert client.get("/").status_code == 200  # still signed in


def test_sign_in_is_rate_limited(app, world, auth):
    for _ in range(10):
        assert auth.sign_in("emhp@test.example", "wrong password").status_code == 401
    response = auth.sign_in("emhp@test.example", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_next_only_follows_paths_on_this_site(world, auth, client):
    response = auth.sign_in("emhp@test.example", next="https://evil.example/")
    assert response.headers["Location"] == "/"
    auth.sign_out()
    response = auth.sign_in("emhp@test.example", next="/schools/")
    assert response.headers["Location"] == "/schools/"


def test_a_signed_in_user_visiting_sign_in_goes_home(world, auth, client):
    auth.sign_in("emhp@test.example")
    assert client.get("/sign-in").headers["Location"] == "/"
