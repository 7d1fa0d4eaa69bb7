"""What runs after a bulk load so reports and plans see the new rows."""

from __future__ import annotations

from sqlalchemy import text

from mhst.extensions import db


def refresh_summaries() -> None:
    """For now ANALYZE (PostgreSQL's planner statistics); the report summaries' recompute
    joins it here."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    else:
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
