"""Sessions kept on the server: a copied cookie stops working when its session ends
(sign-out, idle time-out, absolute lifetime, password change), and the cookie carries
nothing but a random token."""

from datetime import timedelta

import pytest
from flask import json
from sqlalchemy import select

from mhst.accounts.models import Role, SignInSession
from mhst.accounts.sign_in_sessions import hash_token
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.security.http import LAST_SEEN_KEY
from tests.conftest import PASSWORD, AuthActions

EMAIL = "emhp@test.example"


def _cookie(client, app) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def _put_back(client, app, value: str) -> None:
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], value)


def _session_of(user) -> SignInSession:
    return db.session.scalars(
        select(SignInSession).where(SignInSession.user_id == user.id).order_by(SignInSession.id)
    ).all()[-1]


def _cookie_contents(app, value: str) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(value)


def test_a_copied_cookie_is_refused_after_sign_out(world, auth, client, app):
    auth.sign_in(EMAIL)
    copied = _cookie(client, app)
    assert client.get("/").status_code == 200
    assert auth.sign_out().status_code == 302
    _put_back(client, app, copied)
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    row = _session_of(world.users[Role.EMHP])
    assert row.ended_at is not None
    assert row.end_reason == "signed_out"


def test_a_copied_cookie_works_only_while_its_session_lasts(world, auth, client, app):
    """The same cookie in another browser is the same session: accepted until the first
    browser signs out (so the test above fails for the right reason)."""
    auth.sign_in(EMAIL)
    other = app.test_client()
    _put_back(other, app, _cookie(client, app))
    assert other.get("/").status_code == 200
    auth.sign_out()
    assert other.get("/notifications/").status_code == 302


def test_a_session_ends_after_its_absolute_lifetime(world, auth, client, app):
    auth.sign_in(EMAIL)
    user = world.users[Role.EMHP]
    row = _session_of(user)
    row.started_at = utcnow() - app.config["SESSION_ABSOLUTE_LIFETIME"] + timedelta(minutes=1)
    db.session.commit()
    assert client.get("/").status_code == 200  # a minute to go: still signed in
    copied = _cookie(client, app)
    row.started_at -= timedelta(minutes=2)
    db.session.commit()
    response = client.get("/schools/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed in for 12 hours" in page
    assert (row.end_reason, row.ended_at is not None) == ("expired", True)
    detail = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == AuditAction.TIMED_OUT, AuditEvent.user_id == user.id
        )
    ).one()
    assert "lifetime" in detail
    _put_back(client, app, copied)  # kept active all along, the cookie is still refused
    assert client.get("/notifications/").status_code == 302


def test_the_idle_time_out_ends_the_session_on_the_server(world, auth, client, app):
    auth.sign_in(EMAIL)
    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = (utcnow() - timedelta(minutes=31)).isoformat()
    copied = _cookie(client, app)
    assert client.get("/notifications/").status_code == 302
    row = _session_of(world.users[Role.EMHP])
    assert row.end_reason == "timed_out"
    _put_back(client, app, copied)
    assert client.get("/notifications/").status_code == 302


def test_a_password_change_renews_this_session_and_ends_the_others(world, auth, client, app):
    other = app.test_client()
    AuthActions(other).sign_in(EMAIL)
    auth.sign_in(EMAIL)
    before = _cookie(client, app)
    response = auth.post(
        "/account/password", {"current_password": PASSWORD, "new_password": "another long phrase"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/notifications/").status_code == 302
    _put_back(client, app, before)  # the cookie from before the change
    assert client.get("/notifications/").status_code == 302
    reasons = db.session.scalars(
        select(SignInSession.end_reason)
        .where(SignInSession.user_id == world.users[Role.EMHP].id)
        .order_by(SignInSession.id)
    ).all()
    assert reasons == ["revoked", "renewed", None]


def test_a_deactivated_users_session_ends(world, auth, client, app):
    auth.sign_in(EMAIL)
    user = world.users[Role.EMHP]
    user.active = False
    user.session_version += 1  # what set_active does
    db.session.commit()
    assert client.get("/notifications/").status_code == 302
    assert _session_of(user).end_reason == "revoked"


def test_the_cookie_holds_a_random_token_and_the_database_only_its_hash(world, auth, client, app):
    auth.sign_in(EMAIL)
    contents = _cookie_contents(app, _cookie(client, app))
    token = contents["_user_id"]
    user = world.users[Role.EMHP]
    assert str(user.id) not in token.split(":")  # not the old "id:version"
    assert len(token) >= 40
    row = _session_of(user)
    assert row.token_hash == hash_token(token) != token
    assert user.email not in json.dumps(contents)


def test_each_sign_in_is_a_new_session(world, auth, client, app):
    auth.sign_in(EMAIL)
    first = _cookie_contents(app, _cookie(client, app))["_user_id"]
    auth.sign_out()
    auth.sign_in(EMAIL)
    second = _cookie_contents(app, _cookie(client, app))["_user_id"]
    assert first != second


@pytest.mark.parametrize("forged", ["", "1:1", "x" * 500, "not-a-token"])
def test_a_forged_session_id_is_refused(forged, world, client, app):
    with client.session_transaction() as session:
        session["_user_id"] = forged
        session[LAST_SEEN_KEY] = utcnow().isoformat()
    assert client.get("/notifications/").status_code == 302


def test_users_compare_by_their_row_not_by_session(world, auth, client, app):
    """Flask-Login compares users by get_id(), now a session's token; a user without a
    session (a practitioner on a record) must still compare with the signed-in one."""
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    assert emhp.sign_in_token is None
    assert emhp == db.session.get(type(emhp), emhp.id)
    assert emhp != senior
    assert emhp in [senior, emhp]
    with pytest.raises(RuntimeError, match="start_session"):
        emhp.get_id()  # Flask-Login's login_user alone would make a session of nothing
