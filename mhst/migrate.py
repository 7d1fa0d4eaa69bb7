"""``flask db ...``: Alembic migrations run against the application's database."""

from __future__ import annotations

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import Connection

from mhst import paths
from mhst.extensions import db


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    config = AlembicConfig(str(paths.ALEMBIC_INI))
    config.attributes["connection"] = connection
    return config


def upgrade(revision: str = "head") -> None:
    """Upgrade the current app's database (call inside an app context)."""
    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(revision: str) -> None:
    with db.engine.begin() as connection:
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
