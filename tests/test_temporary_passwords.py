"""A temporary password (a new user's, or an administrator's reset) must be changed before
anything else; the change page's current-password check is audited and limited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role, User
from mhst.accounts.password_checks import REFUSED, WRONG
from mhst.accounts.passwords import verify_password
from mhst.audit.models import AuditAction, AuditEvent
from mhst.extensions import db
from tests.conftest import PASSWORD, AuthActions
from tests.mailbox import body_of

TEMPORARY = "temporary harbour lantern"
CHOSEN = "my own cobalt meadow words"


def change(auth: AuthActions, current: str, new: str):
    return auth.post("/account/password", {"current_password": current, "new_password": new})


@pytest.fixture
def admin(world, auth):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    return world.users[Role.ADMINISTRATOR]


def test_an_administrator_sets_a_temporary_password_that_must_be_changed(
    admin, world, auth, app, mailbox
):
    user = world.users[Role.EMHP]
    theirs = AuthActions(app.test_client())
    assert theirs.sign_in(user.email).status_code == 302
    response = auth.post(f"/admin/users/{user.id}/temporary-password", {"password": TEMPORARY})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.must_change_password
    assert verify_password(user.password_hash, TEMPORARY)
    assert theirs.client.get("/notifications/").status_code == 302  # their session ended
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.detail == "temporary password set by an administrator")
    ).one()
    assert (event.user_id, event.record_id) == (admin.id, str(user.id))

    # Signed in with it, every page but the change page and sign-out sends them there.
    assert theirs.sign_in(user.email, TEMPORARY).status_code == 302
    for path in ("/", f"/referrals/{world.case_a1.id}", "/caseload", "/no-such-page"):
        response = theirs.client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/password"
    page = theirs.client.get("/account/password")
    assert page.status_code == 200
    assert "set for you by an administrator" in page.get_data(as_text=True)
    css = theirs.client.get("/nhsuk-frontend/nhsuk-frontend.min.css")
    css.close()
    assert css.status_code == 200

    # The new password must differ from the temporary one.
    response = change(theirs, TEMPORARY, TEMPORARY)
    assert "Choose a password different from your current one" in response.get_data(as_text=True)
    assert change(theirs, TEMPORARY, CHOSEN).status_code == 302
    db.session.refresh(user)
    assert not user.must_change_password
    assert theirs.client.get("/").status_code == 200
    assert "password was changed" in mailbox.to(user.email)[-1]["Subject"]
    assert "contact your service administrator" in body_of(mailbox.to(user.email)[-1])


def test_sign_out_works_with_a_temporary_password(world, auth):
    user = world.users[Role.EMHP]
    user.must_change_password = True
    db.session.commit()
    auth.sign_in(user.email)
    token = auth.csrf_token("/account/password")
    response = auth.client.post("/sign-out", data={"csrf_token": token})
    assert response.headers["Location"] == "/sign-in"
    assert auth.client.get("/notifications/").headers["Location"].startswith("/sign-in")


def test_a_temporary_password_follows_the_rules(admin, world, auth):
    user = world.users[Role.EMHP]
    response = auth.post(f"/admin/users/{user.id}/temporary-password", {"password": "password1234"})
    assert response.status_code == 400
    assert "Choose a password that is not commonly used" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.must_change_password


def test_an_administrator_cannot_set_their_own_temporary_password(admin, auth):
    response = auth.post(f"/admin/users/{admin.id}/temporary-password", {"password": TEMPORARY})
    assert response.status_code == 400
    assert "Change your own password on the change password page" in response.get_data(as_text=True)


def test_a_new_users_password_is_temporary(admin, world, auth, app):
    data = {
        "full_name": "Nico Example",
        "email": "nico@test.example",
        "role": Role.COMMISSIONER.value,
        "team_id": "",
        "school_id": "",
        "password": TEMPORARY,
    }
    assert auth.post("/admin/users/new", data).status_code == 302
    user = db.session.scalars(select(User).where(User.email == "nico@test.example")).one()
    assert user.must_change_password


def test_wrong_current_passwords_are_audited_then_refused(world, auth, app):
    user = world.users[Role.EMHP]
    auth.sign_in(user.email)
    limit = app.config["PASSWORD_CHECK_MAX_FAILURES"]
    for _ in range(limit):
        response = change(auth, "not my password at all", CHOSEN)
        assert response.status_code == 400
        assert "Your current password is not right" in response.get_data(as_text=True)
    # Now even the right password is not checked.
    response = change(auth, PASSWORD, CHOSEN)
    assert response.status_code == 400
    assert "wrongly too many times" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)
    details = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.user_id == user.id, AuditEvent.action == AuditAction.SIGN_IN_FAILED
        )
    ).all()
    assert details.count(WRONG) == limit
    assert details.count(REFUSED) == 1


def test_the_change_page_is_rate_limited(world, auth, app):
    user = world.users[Role.EMHP]
    auth.sign_in(user.email)
    app.config["PASSWORD_CHANGE_RATE_LIMIT"] = "2 per minute"
    try:
        statuses = [change(auth, PASSWORD, "x").status_code for _ in range(3)]
    finally:
        app.config["PASSWORD_CHANGE_RATE_LIMIT"] = "20 per hour"
    assert statuses == [400, 400, 429]
