"""Configuration: production refuses weak secrets; databases are set up correctly."""

import psycopg
import pytest
from flask import render_template_string
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import config
from config import DEVELOPMENT_SECRET_KEY, DevelopmentConfig, ProductionConfig
from mhst import ConfigurationError, create_app
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from tests.conftest import PRODUCTION_MFA_KEYS


@pytest.mark.parametrize("secret", [None, "", DEVELOPMENT_SECRET_KEY, "short-secret"])
def test_production_refuses_a_missing_or_weak_secret_key(secret, tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(
            ProductionConfig,
            SECRET_KEY=secret,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
        )


def test_production_starts_with_a_strong_secret_key(tmp_path):
    app = create_app(
        ProductionConfig,
        RATELIMIT_STORAGE_URI="memory://",  # one process: no Redis needed
        SECRET_KEY="k" * 64,
        MFA_ENCRYPTION_KEYS=PRODUCTION_MFA_KEYS,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert app.secret_key == "k" * 64
    assert app.test_client().get("/sign-in").status_code == 200


@pytest.mark.parametrize("flask_debug", [None, "1"])
def test_production_is_never_in_debug_mode(flask_debug, tmp_path, monkeypatch):
    """Not even when FLASK_DEBUG=1 is left in the environment, which Flask reads whenever
    it makes an app: in debug mode an unexpected error would go to the WSGI server as an
    exception instead of becoming the service's own error page."""
    if flask_debug is None:
        monkeypatch.delenv("FLASK_DEBUG", raising=False)
    else:
        monkeypatch.setenv("FLASK_DEBUG", flask_debug)
    app = create_app(
        ProductionConfig,
        RATELIMIT_STORAGE_URI="memory://",  # one process: no Redis needed
        SECRET_KEY="k" * 64,
        MFA_ENCRYPTION_KEYS=PRODUCTION_MFA_KEYS,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert app.debug is False
    assert app.config["DEBUG"] is False


def test_mhst_env_chooses_the_configuration(monkeypatch):
    monkeypatch.setenv("MHST_ENV", "production")
    assert config.config_from_env() is ProductionConfig
    monkeypatch.setenv("MHST_ENV", "staging")
    with pytest.raises(RuntimeError, match="MHST_ENV"):
        config.config_from_env()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/mhst", "postgresql+psycopg://u:p@db:5432/mhst"),
        ("postgresql://u@db/mhst", "postgresql+psycopg://u@db/mhst"),
        ("postgresql+psycopg://u@db/mhst", "postgresql+psycopg://u@db/mhst"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_uses_psycopg_3(given, expected, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", given)
    assert config.database_url_from_env(None) == expected


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("MHST_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'instance' / 'mhst.sqlite3'}"
    )


def test_foreign_keys_are_enforced(app, backend):
    """The database itself refuses a row that points at nothing, at once (not deferred to
    the commit): SQLite only because each connection turns the check on, PostgreSQL
    because the migrations made the constraint. The same row with a real area is saved,
    so it is the foreign key that refuses it, not some other constraint."""
    area = ServiceArea(name="A real area")
    db.session.add(area)
    db.session.flush()
    db.session.add(Team(name="Team in a real area", area_id=area.id))
    db.session.flush()
    savepoint = db.session.begin_nested()
    db.session.add(Team(name="Orphan team", area_id=area.id + 987654))
    with pytest.raises(IntegrityError) as refused:
        db.session.flush()
    savepoint.rollback()
    error = refused.value.orig
    if backend == "postgresql":
        assert isinstance(error, psycopg.errors.ForeignKeyViolation)
        assert (error.diag.table_name, error.diag.constraint_name) == (
            "team",
            "fk_team_area_id_service_area",
        )
    else:
        assert str(error) == "FOREIGN KEY constraint failed"
    assert db.session.scalars(select(Team.name).where(Team.area_id == area.id)).all() == [
        "Team in a real area"
    ]


def test_text_given_to_the_nhs_macros_is_escaped(app):
    """The NHS.UK macros live in .jinja files, which Flask would not autoescape."""
    with app.test_request_context():
        html = render_template_string(
            '{% from "nhsuk/components/textarea/macro.jinja" import textarea %}'
            '{% from "nhsuk/components/input/macro.jinja" import input %}'
            '{{ textarea({"id": "notes", "name": "notes", "label": {"text": "Notes"}, '
            '"value": typed}) }}'
            '{{ input({"id": "name", "name": "name", "label": {"text": typed}, "value": typed}) }}',
            typed='</textarea><script>alert("x")</script>',
        )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
