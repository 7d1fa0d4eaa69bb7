"""Rebuilding every report summary from the raw rows while the service goes on writing:
the nightly safety net (:mod:`mhst.reports.scheduled`) and ``flask reports refresh-facts``.

:func:`mhst.reports.facts.recompute_all` replaces every row in one transaction holding an
EXCLUSIVE lock on the summaries, so every change that touches a summary waits for all of
it (minutes at national size): right for a bulk load, not for a service in use. Here the
same rows are rebuilt in many short transactions instead, each taking the advisory locks
a change's own recomputation takes (:func:`mhst.reports.fact_sync.serialise`):

1. the referral and measure facts, a batch of referrals at a time, holding those
   referrals' locks;
2. the daily, monthly and outcome counts, a batch of schools at a time (every day and month of
   each), holding those schools' locks;
3. the rows of referrals and schools that no longer exist are deleted.

A change waits at most for the one batch holding its referral or school, and cannot
deadlock with it: each batch takes locks of one space only, in key order, and touches
only the summary rows of the keys it holds. Whichever of the two takes a key's lock
second computes from a snapshot holding the first one's rows (READ COMMITTED: each
statement sees what committed before it began), so every summary row ends as a
recomputation from the raw rows as they stand - the check in tests/report_facts_check.py.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, delete, exists, insert, select, text

from mhst.core.forms import commit_unit
from mhst.extensions import db
from mhst.referrals.models import Referral
from mhst.reports.fact_models import (
    MeasureFact,
    OutcomeCount,
    ReferralFact,
    daily_count,
    monthly_count,
)
from mhst.reports.fact_sync import REFERRAL_LOCKS, SCHOOL_LOCKS, serialise
from mhst.reports.facts import (
    CHUNK,
    DAILY_COLUMNS,
    MONTHLY_COLUMNS,
    daily_rows,
    monthly_rows,
    recompute_referrals,
)
from mhst.reports.outcome_facts import recompute_school_outcomes
from mhst.schools.models import School

SCHOOL_BATCH = 20  # a school's days: a few thousand contacts' worth of counts each


def _next_referrals(connection: Connection, after: int, size: int) -> list[int]:
    """The next ``size`` referral ids above ``after`` (by the primary key's index)."""
    return list(
        connection.scalars(
            select(Referral.id).where(Referral.id > after).order_by(Referral.id).limit(size)
        )
    )


def _rebuild_schools(connection: Connection, schools: list[int]) -> None:
    """Replace every daily, monthly and outcome count of ``schools``."""
    for table in (daily_count, monthly_count):
        connection.execute(delete(table).where(table.c.school_id.in_(schools)))
    connection.execute(insert(daily_count).from_select(DAILY_COLUMNS, daily_rows(schools=schools)))
    connection.execute(
        insert(monthly_count).from_select(MONTHLY_COLUMNS, monthly_rows(schools=schools))
    )
    recompute_school_outcomes(connection, schools)


def _delete_orphans(connection: Connection) -> None:
    """The summaries of referrals and schools that no longer exist (written outside the
    app: a restore, a hand-made fix). A row visible here was committed with its referral
    (or school), so one being added meanwhile is never taken for an orphan."""
    for table in (ReferralFact.__table__, MeasureFact.__table__):
        connection.execute(delete(table).where(~exists().where(Referral.id == table.c.referral_id)))
    for table in (daily_count, monthly_count, OutcomeCount.__table__):
        connection.execute(delete(table).where(~exists().where(School.id == table.c.school_id)))


def _referral_batch(after: int, size: int) -> list[int]:
    """The next batch of referrals' facts rebuilt, under their locks; their ids."""
    connection = db.session.connection()
    ids = _next_referrals(connection, after, size)
    if ids:
        serialise(connection, REFERRAL_LOCKS, ids)
        recompute_referrals(connection, ids)
    return ids


def _school_batch(schools: list[int]) -> None:
    connection = db.session.connection()
    serialise(connection, SCHOOL_LOCKS, schools)
    _rebuild_schools(connection, schools)


def _school_ids() -> list[int]:
    return list(db.session.scalars(select(School.id).order_by(School.id)))


def _finish() -> None:
    connection = db.session.connection()
    _delete_orphans(connection)
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("ANALYZE referral_fact, measure_fact, daily_count, monthly_count, outcome_count")
        )


def rebuild_summaries(
    *,
    referral_batch: int = CHUNK,
    school_batch: int = SCHOOL_BATCH,
    after_batch: Callable[[str, int], None] = lambda phase, done: None,
) -> tuple[int, int]:
    """Rebuild every summary row in short transactions, each committed as a unit
    (:func:`mhst.core.forms.commit_unit`); ``after_batch(phase, done)`` is told after each
    ("referrals" or "schools", how many so far). Returns (referrals, schools) rebuilt."""
    referrals, last = 0, 0
    while ids := commit_unit(_referral_batch, last, referral_batch):
        referrals, last = referrals + len(ids), ids[-1]
        after_batch("referrals", referrals)
    schools = commit_unit(_school_ids)
    for start in range(0, len(schools), school_batch):
        commit_unit(_school_batch, schools[start : start + school_batch])
        after_batch("schools", min(start + school_batch, len(schools)))
    commit_unit(_finish)
    return referrals, len(schools)
