"""Forgotten your password? A single-use, time-limited link by email, the same answer for
every address, and a new password that ends every session without signing in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from mhst.accounts.models import PasswordReset, Role
from mhst.accounts.resets import token_hash
from mhst.audit.models import AuditEvent
from mhst.extensions import db
from tests.conftest import AuthActions
from tests.mailbox import body_of

NEW_PASSWORD = "lantern harbour cobalt meadow"
LINK = re.compile(r"http://localhost(/reset-password/[A-Za-z0-9_\-]+)")


def post(auth: AuthActions, path: str, data: dict):
    """POST with the CSRF token a signed-out visitor's page carries."""
    token = auth.csrf_token("/forgotten-password")
    return auth.client.post(path, data={**data, "csrf_token": token})


def ask(auth: AuthActions, email: str):
    return post(auth, "/forgotten-password", {"email": email})


def link_in(message) -> str:
    match = LINK.search(body_of(message))
    assert match, body_of(message)
    return match.group(1)


def choose(auth: AuthActions, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    confirm = password if confirm is None else confirm
    return post(auth, path, {"new_password": password, "confirm_password": confirm})


def test_the_sign_in_page_links_to_the_reset_page(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/forgotten-password"' in page
    assert "Forgotten your password?" in page


def test_a_link_is_emailed_works_once_and_ends_every_session(world, auth, app, mailbox):
    user = world.users[Role.EMHP]
    signed_in = AuthActions(app.test_client())
    assert signed_in.sign_in(user.email).status_code == 302
    version = user.session_version

    response = ask(auth, user.email.upper())
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    [message] = mailbox.messages
    assert message["To"] == user.email
    assert message["Subject"] == "Reset your MHST Case Manager password"  # no personal data
    path = link_in(message)
    # Only the token's hash is stored.
    token = path.rsplit("/", 1)[1]
    reset = db.session.scalars(select(PasswordReset)).one()
    assert reset.token_hash == token_hash(token) != token

    assert auth.client.get(path).status_code == 200
    response = choose(auth, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"  # not signed in by the link
    assert auth.client.get("/notifications/").status_code == 302

    db.session.refresh(user)
    assert user.session_version == version + 1
    assert signed_in.client.get("/notifications/").status_code == 302  # the other session has ended
    changed = mailbox.to(user.email)[-1]
    assert changed["Subject"] == "Your MHST Case Manager password was changed"
    assert "contact your service administrator" in body_of(changed)
    details = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.record_id == str(user.id))
    ).all()
    assert "password reset link emailed" in details
    assert "password reset by emailed link" in details

    # The link works once.
    assert auth.client.get(path).status_code == 404
    assert choose(auth, path, "another fine long password").status_code == 404
    assert auth.sign_in(user.email, NEW_PASSWORD).status_code == 302


def test_a_new_request_spends_the_older_link(world, auth, mailbox):
    user = world.users[Role.SENIOR_CLINICIAN]
    ask(auth, user.email)
    ask(auth, user.email)
    first, second = (link_in(m) for m in mailbox.messages)
    assert auth.client.get(first).status_code == 404
    assert "This link no longer works" in auth.client.get(first).get_data(as_text=True)
    assert auth.client.get(second).status_code == 200


def test_a_link_expires(world, auth, mailbox, app):
    user = world.users[Role.EMHP]
    ask(auth, user.email)
    path = link_in(mailbox.messages[0])
    reset = db.session.scalars(select(PasswordReset)).one()
    assert reset.expires_at - reset.created_at == timedelta(minutes=30)
    reset.expires_at = reset.created_at - timedelta(seconds=1)
    db.session.commit()
    assert auth.client.get(path).status_code == 404
    assert choose(auth, path).status_code == 404


@pytest.mark.parametrize("kind", ["unknown", "deactivated"])
def test_no_account_enumeration(world, auth, mailbox, kind):
    """The same page and status for an address with no account (or one that cannot sign
    in) as for a real one, no email, and the unknown address is not stored."""
    real = ask(auth, world.users[Role.EMHP].email)
    mailbox.clear()
    if kind == "unknown":
        email = "nobody.here@test.example"
    else:
        user = world.users[Role.COMMISSIONER]
        user.active = False
        db.session.commit()
        email = user.email
    response = ask(auth, email)
    assert response.status_code == real.status_code == 200
    page = response.get_data(as_text=True).replace(email, "ADDRESS")
    assert page == real.get_data(as_text=True).replace(world.users[Role.EMHP].email, "ADDRESS")
    assert mailbox.messages == []
    actors = db.session.scalars(select(AuditEvent.actor)).all()
    assert "nobody.here@test.example" not in actors


def test_the_new_password_follows_the_rules(world, auth, mailbox):
    user = world.users[Role.EMHP]
    ask(auth, user.email)
    path = link_in(mailbox.messages[0])
    for password, confirm, message in [
        ("short", None, "Password must be 12 characters or more"),
        ("qwertyuiop123", None, "Choose a password that is not commonly used"),
        (NEW_PASSWORD, "something else entirely", "Enter the same password in both boxes"),
    ]:
        response = choose(auth, path, password, confirm)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert auth.client.get(path).status_code == 200  # still unused


def test_reset_clears_a_temporary_password(world, auth, mailbox):
    user = world.users[Role.EMHP]
    user.must_change_password = True
    db.session.commit()
    ask(auth, user.email)
    assert choose(auth, link_in(mailbox.messages[0])).status_code == 302
    db.session.refresh(user)
    assert user.must_change_password is False


def test_requests_are_rate_limited_per_address(world, auth, mailbox, app):
    email = "someone.unknown@test.example"
    limit = int(app.config["PASSWORD_RESET_ADDRESS_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        assert ask(auth, email).status_code == 200
    assert ask(auth, email).status_code == 429
    assert ask(auth, world.users[Role.EMHP].email).status_code == 200  # another address


def test_an_email_failure_still_shows_the_same_page(world, auth, app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    try:
        response = ask(auth, world.users[Role.EMHP].email)
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=587, MAIL_USE_TLS=True)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
