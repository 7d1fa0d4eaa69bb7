"""Engine set-up that differs between SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_sqlite(engine: Engine) -> None:
    """Enforce foreign keys and give SQLite real transactions and savepoints.

    pysqlite's default transaction handling starts transactions late and breaks
    SAVEPOINT; taking over BEGIN ourselves is the approach SQLAlchemy documents.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")
