"""Migrations: one head, they build exactly the models, and each one downgrades."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import mhst.models  # noqa: F401  (every model on the metadata)
from mhst.extensions import db
from mhst.migrate import alembic_config, include_object, migration_connection
from tests.conftest import empty_engine


def test_there_is_exactly_one_head():
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_models_and_migrations_agree(app):
    """No difference autogenerate would write: the models need no new migration."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": include_object(connection.dialect.name),
            },
        )
        assert compare_metadata(context, db.metadata) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request, tmp_path_factory):
    with empty_engine(request.param, tmp_path_factory, "migrations") as engine:
        yield engine


def _run(engine, action, revision):
    with migration_connection(engine) as connection:
        action(alembic_config(connection), revision)


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_every_migration_upgrades_and_downgrades(fresh_engine):
    """Up one step, down one, up again, for every revision in order (a stairway)."""
    revisions = list(reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions())))
    assert revisions
    for revision in revisions:
        _run(fresh_engine, command.upgrade, revision.revision)
        _run(fresh_engine, command.downgrade, revision.down_revision or "base")
        _run(fresh_engine, command.upgrade, revision.revision)
    assert _tables(fresh_engine) == set(db.metadata.tables)
    _run(fresh_engine, command.downgrade, "base")
    assert _tables(fresh_engine) == set()


def test_existing_schools_become_not_participating(fresh_engine):
    """0002 adds a NOT NULL status; schools already there get 'not_participating'."""
    _run(fresh_engine, command.upgrade, "0001_foundation")
    with fresh_engine.begin() as connection:
        connection.execute(text("INSERT INTO service_area (name) VALUES ('Area')"))
        connection.execute(
            text(
                "INSERT INTO school (name, urn, area_id) VALUES ('Old School', '123456', "
                "(SELECT id FROM service_area))"
            )
        )
    _run(fresh_engine, command.upgrade, "0002_school_register")
    with fresh_engine.connect() as connection:
        row = connection.execute(text("SELECT urn, participation_status FROM school")).one()
    assert tuple(row) == ("123456", "not_participating")
