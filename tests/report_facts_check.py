"""The check that the report summaries equal a recomputation from the raw rows."""

from __future__ import annotations

from sqlalchemy import select

from mhst.extensions import db
from mhst.reports.fact_models import (
    MeasureFact,
    OutcomeCount,
    ReferralFact,
    daily_count,
    monthly_count,
)
from mhst.reports.facts import recompute_all

TABLES = (
    ReferralFact.__table__,
    MeasureFact.__table__,
    daily_count,
    monthly_count,
    OutcomeCount.__table__,
)


def summaries() -> dict[str, list[tuple]]:
    """Every summary row, in key order."""
    return {
        table.name: [
            tuple(row)
            for row in db.session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in TABLES
    }


def assert_summaries_match_raw_rows() -> int:
    """The summaries as kept equal those recompute_all makes from the raw rows (worked
    out inside a savepoint that is rolled back). Returns how many rows were compared."""
    db.session.flush()
    kept = summaries()
    savepoint = db.session.begin_nested()
    recompute_all()
    recomputed = summaries()
    savepoint.rollback()
    for name in kept:
        assert kept[name] == recomputed[name], name
    return sum(len(rows) for rows in kept.values())
