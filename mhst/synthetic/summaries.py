"""What runs after a bulk load so reports and plans see the new rows."""

from __future__ import annotations

from sqlalchemy import Connection, text

from mhst.extensions import db


def refresh_summaries(connection: Connection | None = None) -> None:
    """For now ANALYZE (the planner's statistics); the report summaries' recompute joins
    it here. On ``connection`` when given (a test's transaction), else on its own."""
    if connection is not None:
        connection.execute(text("ANALYZE"))
    elif db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    else:
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
