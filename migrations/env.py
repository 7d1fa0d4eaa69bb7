"""Alembic environment: migrations run on a connection the application hands over."""

from __future__ import annotations

from alembic import context

import mhst.models  # noqa: F401  (registers every model on the metadata)
from mhst.extensions import db
from mhst.migrate import include_object

config = context.config
target_metadata = db.metadata


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        include_object=include_object(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():
        raise SystemExit("Offline (--sql) migrations are not supported; use flask db upgrade.")
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    # Run from the plain `alembic` command: build the app to find the database.
    from mhst import create_app

    app = create_app()
    from mhst.migrate import migration_connection

    with app.app_context(), migration_connection(db.engine) as connection:
        run_migrations(connection)


main()
