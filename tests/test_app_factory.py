"""Configuration: production refuses weak secrets; databases are set up correctly."""

import pytest
from flask import render_template_string
from sqlalchemy.exc import IntegrityError

import config
from config import DEVELOPMENT_SECRET_KEY, DevelopmentConfig, ProductionConfig
from mhst import ConfigurationError, create_app
from mhst.extensions import db
from mhst.organisation.models import Team


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
        SECRET_KEY="k" * 64,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
    )
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


def test_foreign_keys_are_enforced(app):
    db.session.add(Team(name="Orphan team", area_id=987654))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


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
