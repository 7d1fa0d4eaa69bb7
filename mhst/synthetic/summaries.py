"""What runs after a bulk load so reports and plans see the new rows: the report
summaries rebuilt from the loaded rows (COPY fires none of the listeners that keep them
in each change's transaction), then the planner's statistics."""

from __future__ import annotations

from sqlalchemy import Connection, text

from mhst.extensions import db
from mhst.reports.facts import recompute_all


def refresh_summaries(connection: Connection | None = None) -> None:
    """Rebuild the report summaries and ANALYZE. On ``connection`` when given (a test's
    transaction), else in a transaction of its own."""
    if connection is not None:
        recompute_all(connection)
        connection.execute(text("ANALYZE"))
        return
    with db.engine.begin() as own:
        recompute_all(own)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
            own.execute(text("ANALYZE"))
    else:
        with db.engine.begin() as own:
            own.execute(text("ANALYZE"))
