"""DATABASE_PREPARE_THRESHOLD: behind PgBouncer's transaction pooling psycopg must prepare
no statements (a statement prepared on one server connection is missing on the next);
"none" says so. Checked on a real PostgreSQL connection: with "none" a query run many
times leaves nothing in pg_prepared_statements; by default psycopg prepares it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from config import TestConfig
from mhst import ConfigurationError, create_app
from mhst.database import postgres_engine_options
from mhst.extensions import db

QUERY = text("SELECT count(*) FROM user_account WHERE id > :id")


def _prepared_after_repeating_a_query(url: str, threshold: str | None) -> tuple[object, int]:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, DATABASE_PREPARE_THRESHOLD=threshold)
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                for number in range(10):
                    connection.execute(QUERY, {"id": number})
                prepared = connection.execute(
                    text("SELECT count(*) FROM pg_prepared_statements")
                ).scalar_one()
                setting = connection.connection.driver_connection.prepare_threshold
        finally:
            db.engine.dispose()
    return setting, prepared


@pytest.fixture
def postgres_url(databases) -> str:
    return databases.app("postgresql", "empty").config["SQLALCHEMY_DATABASE_URI"]


def test_none_prepares_nothing_on_postgresql(postgres_url):
    assert _prepared_after_repeating_a_query(postgres_url, "none") == (None, 0)


def test_unset_keeps_psycopgs_default_which_prepares(postgres_url):
    setting, prepared = _prepared_after_repeating_a_query(postgres_url, None)
    assert setting == 5
    assert prepared >= 1


def test_a_number_is_the_threshold(postgres_url):
    setting, prepared = _prepared_after_repeating_a_query(postgres_url, "0")
    assert setting == 0
    assert prepared >= 1


@pytest.mark.parametrize("given", ["never", "-1", "1.5", "99999999"])
def test_anything_else_refuses_to_start(given, tmp_path):
    with pytest.raises(ConfigurationError, match="DATABASE_PREPARE_THRESHOLD"):
        create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:5432/unused",
            DATABASE_PREPARE_THRESHOLD=given,
        )


def test_sqlite_is_left_alone(tmp_path):
    """sqlite3.connect takes no prepare_threshold: the setting only reaches PostgreSQL."""
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
        DATABASE_PREPARE_THRESHOLD="none",
    )
    assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_other_engine_options_are_kept():
    options = postgres_engine_options({"pool_pre_ping": True, "connect_args": {"a": 1}}, "none")
    assert options == {"pool_pre_ping": True, "connect_args": {"a": 1, "prepare_threshold": None}}
