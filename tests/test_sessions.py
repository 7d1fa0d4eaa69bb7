"""Idle sign-out, session cookies, and password changes."""

from datetime import timedelta

from sqlalchemy import select

from config import ProductionConfig
from mhst import create_app
from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.security.http import LAST_SEEN_KEY
from tests.conftest import PASSWORD, PRODUCTION_MFA_KEYS, AuthActions


def _idle_for(client, minutes: int) -> None:
    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = (utcnow() - timedelta(minutes=minutes)).isoformat()


def test_a_session_idle_for_30_minutes_is_signed_out(world, auth, client):
    auth.sign_in("emhp@test.example")
    _idle_for(client, 31)
    response = client.get("/schools/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "inactive for 30 minutes" in page
    assert client.get("/notifications/").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert AuditAction.TIMED_OUT in actions


def test_a_session_idle_for_29_minutes_carries_on(world, auth, client):
    auth.sign_in("emhp@test.example")
    _idle_for(client, 29)
    assert client.get("/").status_code == 200


def test_session_cookie_is_httponly_and_samesite_lax(world, auth):
    response = auth.sign_in("emhp@test.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure(tmp_path):
    app = create_app(
        ProductionConfig,
        RATELIMIT_STORAGE_URI="memory://",  # one process: no Redis needed
        SECRET_KEY="x" * 64,
        MFA_ENCRYPTION_KEYS=PRODUCTION_MFA_KEYS,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.db'}",
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    response = app.test_client().get("/sign-in", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_changing_password_ends_other_sessions_but_not_this_one(world, auth, client, app):
    other = app.test_client()
    AuthActions(other).sign_in("emhp@test.example")
    auth.sign_in("emhp@test.example")
    response = auth.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/notifications/").status_code == 302
    auth.sign_out()
    assert auth.sign_in("emhp@test.example", "a brand new passphrase").status_code == 302


def test_password_change_errors(world, auth):
    auth.sign_in("emhp@test.example")
    page = auth.post(
        "/account/password", {"current_password": "wrong", "new_password": "long enough pass"}
    ).get_data(as_text=True)
    assert "Your current password is not right" in page
    page = auth.post(
        "/account/password", {"current_password": PASSWORD, "new_password": "short"}
    ).get_data(as_text=True)
    assert "Password must be 12 characters or more" in page
    assert "Error: Change your password" in page


def test_a_role_change_takes_effect_at_once(world, auth, client):
    auth.sign_in("emhp@test.example")
    assert client.get("/").status_code == 200
    user = world.users[Role.EMHP]
    user.session_version += 1  # what update_user does when the role changes
    db.session.commit()
    assert client.get("/notifications/").status_code == 302
