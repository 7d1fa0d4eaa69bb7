"""``flask db ...``: Alembic migrations run against the application's database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import Connection, Engine

from mhst import paths
from mhst.extensions import db


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    config = AlembicConfig(str(paths.ALEMBIC_INI))
    config.attributes["connection"] = connection
    return config


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction for migrations.

    On SQLite a batch migration recreates a table (copy, drop, rename), and dropping a
    table other rows refer to fails while foreign keys are enforced; the pragma that turns
    them off has no effect inside a transaction. So they are off for the migration, and
    ``foreign_key_check`` must find nothing wrong before it commits."""
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            _pragma(connection, "foreign_keys = OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"The migration left broken references: {broken[:5]}")
        finally:
            if sqlite:
                _pragma(connection, "foreign_keys = ON")


def _pragma(connection: Connection, pragma: str) -> None:
    """Outside any transaction, on the driver's own connection (pysqlite autocommits)."""
    connection.connection.driver_connection.execute(f"PRAGMA {pragma}")


def include_object(dialect_name: str):
    """Autogenerate's filter for ``dialect_name``: leaves out an index the model declares
    for other databases only (``Index(...).ddl_if(dialect=...)``), as ``create_all``
    would, so models and migrations agree on each database."""

    def include(item, _name, type_, _reflected, _compare_to) -> bool:
        only = getattr(item, "_ddl_if", None) if type_ == "index" else None
        if only is None or only.dialect is None:
            return True
        wanted = {only.dialect} if isinstance(only.dialect, str) else set(only.dialect)
        return dialect_name in wanted

    return include


def upgrade(revision: str = "head") -> None:
    """Upgrade the current app's database (call inside an app context)."""
    with migration_connection(db.engine) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(revision: str) -> None:
    with migration_connection(db.engine) as connection:
        command.downgrade(alembic_config(connection), revision)


@click.group("db")
def db_group() -> None:
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Upgrade the database to REVISION (default: head)."""
    upgrade(revision)
    click.echo(f"Database at {revision} ({db.engine.url.render_as_string(hide_password=True)}).")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade_command(revision: str) -> None:
    """Downgrade the database to REVISION (e.g. -1 or base)."""
    downgrade(revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
@with_appcontext
def revision_command(message: str, autogenerate: bool) -> None:
    """Write a new migration; review and edit it before committing."""
    with db.engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=autogenerate)


@db_group.command("check")
@with_appcontext
def check_command() -> None:
    """Fail if the models and the migrated database differ."""
    with db.engine.begin() as connection:
        command.check(alembic_config(connection))
    click.echo(f"No differences on {current_app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}.")
