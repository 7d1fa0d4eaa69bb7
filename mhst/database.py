"""Engine set-up that differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine


def postgres_engine_options(options: dict[str, Any], prepare_threshold: str | None) -> dict:
    """``options`` with psycopg's ``prepare_threshold`` set from ``DATABASE_PREPARE_THRESHOLD``:
    a number, or "none" to prepare nothing (behind PgBouncer's transaction pooling, where a
    statement prepared on one server connection is missing on the next). Unset: psycopg's
    default (prepare a statement after its fifth use on a connection)."""
    if prepare_threshold is None or not prepare_threshold.strip():
        return options
    text = prepare_threshold.strip().lower()
    if text != "none" and not (text.isdigit() and len(text) < 6):
        raise ValueError(f"DATABASE_PREPARE_THRESHOLD is {prepare_threshold!r}: a number or none")
    value = None if text == "none" else int(text)
    connect_args = {**options.get("connect_args", {}), "prepare_threshold": value}
    return {**options, "connect_args": connect_args}


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


QUERY_COUNT_HEADER = "X-Query-Count"


def count_queries_per_request(app: Flask, engine: Engine) -> None:
    """With ``QUERY_COUNT_HEADER`` on, each response says how many SQL statements its
    request ran (``X-Query-Count``): the benchmark records it per page."""
    if not app.config.get("QUERY_COUNT_HEADER"):
        return

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args) -> None:
        if has_request_context():
            g.query_count = g.get("query_count", 0) + 1

    @app.after_request
    def _header(response):
        response.headers[QUERY_COUNT_HEADER] = str(g.get("query_count", 0))
        return response
