"""Authenticator secrets encrypted at rest (mhst/core/encryption.py): what the database
holds is a Fernet token, never the secret; the keys come from MFA_ENCRYPTION_KEYS (required
in production) and rotate; a secret no key opens gives a page asking for a reset, not an
error; and migration 0039 encrypts the secrets already there and decrypts them back."""

from __future__ import annotations

import pyotp
import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from config import DevelopmentConfig, ProductionConfig, TestConfig
from mhst import ConfigurationError, create_app
from mhst.accounts.models import Role, User
from mhst.core import encryption
from mhst.extensions import db
from tests.conftest import PRODUCTION_MFA_KEYS, TOTP_SECRET, empty_engine
from tests.test_mfa import CODE_PAGE, SET_UP_PAGE, password_step, signed_in
from tests.test_migrations import _run

RESET_PAGE_TITLE = "Your two-step sign-in needs to be reset"


def stored(user: User) -> str | None:
    """The column as the database holds it, read past the model."""
    return db.session.execute(
        text("SELECT totp_secret_encrypted FROM user_account WHERE id = :id"), {"id": user.id}
    ).scalar_one()


def test_the_database_holds_a_token_that_decrypts_to_the_secret(app, make_user):
    user = make_user()
    token = stored(user)
    assert TOTP_SECRET not in token
    assert Fernet(encryption.derived_key(app.config["SECRET_KEY"])).decrypt(token.encode()) == (
        TOTP_SECRET.encode()
    )
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == TOTP_SECRET
    # Each encryption is fresh (a random IV): equal secrets do not show as equal tokens.
    assert encryption.encrypt(TOTP_SECRET) != encryption.encrypt(TOTP_SECRET)
    assert encryption.decrypt(encryption.encrypt("x")) == "x"
    assert encryption.encrypt(None) is None
    assert encryption.decrypt(None) is None


def test_sign_in_with_an_encrypted_secret(world, auth, client):
    user = world.users[Role.EMHP]
    assert password_step(auth, user.email).headers["Location"] == CODE_PAGE
    assert auth.post(CODE_PAGE, {"code": pyotp.TOTP(TOTP_SECRET).now()}).headers["Location"] == "/"
    assert signed_in(client)


def test_production_refuses_to_start_without_keys_or_with_a_bad_one(tmp_path):
    settings = {
        "SECRET_KEY": "k" * 64,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
    }
    for keys in (None, "", " , "):
        with pytest.raises(ConfigurationError, match="MFA_ENCRYPTION_KEYS must be set"):
            create_app(ProductionConfig, MFA_ENCRYPTION_KEYS=keys, **settings)
    with pytest.raises(ConfigurationError, match="key 2 of 2 is not a Fernet key"):
        create_app(
            ProductionConfig, MFA_ENCRYPTION_KEYS=f"{PRODUCTION_MFA_KEYS},secret", **settings
        )
    app = create_app(ProductionConfig, MFA_ENCRYPTION_KEYS=PRODUCTION_MFA_KEYS, **settings)
    assert encryption.keys_from_config(app.config) == [PRODUCTION_MFA_KEYS]


def test_development_derives_the_same_key_from_secret_key_every_time(tmp_path):
    config = {name: getattr(DevelopmentConfig, name) for name in dir(DevelopmentConfig)}
    config["MFA_ENCRYPTION_KEYS"] = None
    first = encryption.keys_from_config({**config, "SECRET_KEY": "a" * 40})
    assert first == encryption.keys_from_config({**config, "SECRET_KEY": "a" * 40})
    assert first != encryption.keys_from_config({**config, "SECRET_KEY": "b" * 40})
    token = encryption.encrypt(TOTP_SECRET, {**config, "SECRET_KEY": "a" * 40})
    assert encryption.decrypt(token, {**config, "SECRET_KEY": "a" * 40}) == TOTP_SECRET
    with pytest.raises(encryption.UnreadableSecret):
        encryption.decrypt(token, {**config, "SECRET_KEY": "b" * 40})


def test_rotation_re_encrypts_with_the_first_key_and_lists_the_unreadable(
    app, make_user, monkeypatch
):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "MFA_ENCRYPTION_KEYS", old)
    kept = make_user(email="kept@mhst.example")
    lost = make_user(email="lost@mhst.example")
    lost.totp_secret_encrypted = Fernet(Fernet.generate_key()).encrypt(b"GONE").decode()
    unset = make_user(mfa=False)
    db.session.commit()
    before = stored(kept)

    monkeypatch.setitem(app.config, "MFA_ENCRYPTION_KEYS", f"{new},{old}")
    assert kept.totp_secret == TOTP_SECRET  # the old key still decrypts, before rotating
    result = app.test_cli_runner().invoke(args=["accounts", "rotate-mfa-key"])
    assert result.exit_code == 1
    assert "Re-encrypted 1 authenticator secret(s)" in result.output
    assert "lost@mhst.example" in result.output
    assert "kept@mhst.example" not in result.output

    db.session.expire_all()
    after = stored(kept)
    assert after != before
    assert Fernet(new).decrypt(after.encode()) == TOTP_SECRET.encode()
    monkeypatch.setitem(app.config, "MFA_ENCRYPTION_KEYS", new)  # the old key dropped
    assert db.session.get(User, kept.id).totp_secret == TOTP_SECRET
    assert stored(unset) is None
    with pytest.raises(encryption.UnreadableSecret):
        _ = db.session.get(User, lost.id).totp_secret


def test_an_unreadable_secret_asks_for_a_reset_and_is_not_an_error(app, make_user, auth, client):
    user = make_user()
    user.totp_secret_encrypted = Fernet(Fernet.generate_key()).encrypt(b"X" * 32).decode()
    db.session.commit()
    assert password_step(auth, user.email).headers["Location"] == CODE_PAGE
    response = auth.post(CODE_PAGE, {"code": "123456"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"<h1>{RESET_PAGE_TITLE}</h1>" in page
    assert "ask them to reset your two-step sign-in" in page
    assert not signed_in(client)

    # Not yet set up, with a half-made secret no key opens: nothing relies on a secret
    # never confirmed, so the set-up page makes a new one, which the user confirms.
    fresh = make_user(mfa=False)
    fresh.totp_secret_encrypted = "not a token"
    db.session.commit()
    auth.sign_out()
    assert password_step(auth, fresh.email).headers["Location"] == SET_UP_PAGE
    response = client.get(SET_UP_PAGE)
    assert response.status_code == 200
    assert RESET_PAGE_TITLE not in response.get_data(as_text=True)
    db.session.expire_all()
    secret = db.session.get(User, fresh.id).totp_secret  # readable now
    assert len(secret) == 32
    confirmed = auth.post(SET_UP_PAGE, {"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(User, fresh.id).mfa_enrolled_at is not None


def test_after_an_administrators_reset_the_user_sets_up_again(world, make_user, auth):
    user = make_user()
    user.totp_secret_encrypted = "unreadable"
    db.session.commit()
    admin = world.users[Role.ADMINISTRATOR]
    auth.sign_in(admin.email)
    reset = auth.post(f"/admin/users/{user.id}/reset-two-step-sign-in", {})
    assert reset.status_code == 302
    auth.sign_out()
    db.session.expire_all()
    assert stored(user) is None
    assert password_step(auth, user.email).headers["Location"] == SET_UP_PAGE
    assert auth.client.get(SET_UP_PAGE).status_code == 200


INSERT_USER = text(
    "INSERT INTO user_account (email, full_name, password_hash, role, active,"
    " session_version, created_at, must_change_password, awaiting_first_approval,"
    " totp_secret) VALUES (:email, 'Old User', 'x', 'emhp', true, 1,"
    " '2026-12-01 09:00:00+00', false, false, :secret)"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request, tmp_path_factory):
    """A new, empty database (as tests/test_migrations.py's)."""
    with empty_engine(request.param, tmp_path_factory, "mfa_migration") as engine:
        yield engine


@pytest.fixture
def migration_app(fresh_engine):
    """An app on that database, whose keys a test sets."""
    url = fresh_engine.url.render_as_string(hide_password=False)
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)


def test_the_migration_encrypts_existing_secrets_and_the_downgrade_restores_them(
    migration_app, fresh_engine, monkeypatch
):
    """With the app's configured keys: the codes an authenticator app shows still work."""
    key = Fernet.generate_key().decode()
    monkeypatch.setitem(migration_app.config, "MFA_ENCRYPTION_KEYS", f"{key},{PRODUCTION_MFA_KEYS}")
    secrets = {"a@mhst.example": TOTP_SECRET, "b@mhst.example": pyotp.random_base32()}
    with migration_app.app_context():
        _run(fresh_engine, command.upgrade, "0038_integrity")
        with fresh_engine.begin() as connection:
            for email, secret in {**secrets, "c@mhst.example": None}.items():
                connection.execute(INSERT_USER, {"email": email, "secret": secret})
        _run(fresh_engine, command.upgrade, "0039_totp_encryption")
        with fresh_engine.connect() as connection:
            query = text("SELECT email, totp_secret_encrypted FROM user_account")
            rows = dict(connection.execute(query).all())
        assert rows["c@mhst.example"] is None
        for email, secret in secrets.items():
            assert secret not in rows[email]
            decrypted = Fernet(key).decrypt(rows[email].encode()).decode()  # the first key
            assert pyotp.TOTP(decrypted).at(1_800_000_000) == pyotp.TOTP(secret).at(1_800_000_000)

        _run(fresh_engine, command.downgrade, "0038_integrity")
        with fresh_engine.connect() as connection:
            back = dict(
                connection.execute(text("SELECT email, totp_secret FROM user_account")).all()
            )
    assert back == {**secrets, "c@mhst.example": None}


def test_the_downgrade_stops_without_the_key_and_changes_nothing(
    migration_app, fresh_engine, monkeypatch
):
    monkeypatch.setitem(migration_app.config, "MFA_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    with migration_app.app_context():
        _run(fresh_engine, command.upgrade, "0038_integrity")
        with fresh_engine.begin() as connection:
            connection.execute(INSERT_USER, {"email": "a@mhst.example", "secret": TOTP_SECRET})
        _run(fresh_engine, command.upgrade, "0039_totp_encryption")
        monkeypatch.setitem(
            migration_app.config, "MFA_ENCRYPTION_KEYS", Fernet.generate_key().decode()
        )
        with pytest.raises(RuntimeError, match="does not decrypt with MFA_ENCRYPTION_KEYS"):
            _run(fresh_engine, command.downgrade, "0038_integrity")
        with fresh_engine.connect() as connection:
            token = connection.execute(
                select(text("totp_secret_encrypted")).select_from(text("user_account"))
            ).scalar_one()
    assert token.startswith("gAAAA")  # still the token: nothing was changed
