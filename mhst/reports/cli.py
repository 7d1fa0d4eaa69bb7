"""``flask reports refresh-facts``: rebuild the report summaries from the raw rows (after
a bulk load, after upgrading a database that holds records, or nightly as a check)."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from mhst.core.forms import commit_unit
from mhst.extensions import db
from mhst.reports.fact_models import MeasureFact, OutcomeCount, ReferralFact, daily_count
from mhst.reports.facts import recompute_all
from mhst.reports.rebuild import rebuild_summaries


@click.group("reports")
def reports_group() -> None:
    """The service reports."""


@reports_group.command("refresh-facts")
@click.option(
    "--in-one-transaction",
    is_flag=True,
    help="Rebuild in one transaction that locks the summaries: several times faster, but "
    "every change waits for it (after a bulk load, or with the service stopped).",
)
@with_appcontext
def refresh_facts(in_one_transaction: bool) -> None:
    """Rebuild every report summary, in short transactions that changes made meanwhile
    wait for one at a time, not all together; print the rows and time."""
    started = time.perf_counter()
    if in_one_transaction:
        commit_unit(recompute_all)
    else:
        rebuild_summaries()
    seconds = time.perf_counter() - started
    counts = [
        db.session.scalar(select(func.count()).select_from(table))
        for table in (
            ReferralFact.__table__,
            MeasureFact.__table__,
            daily_count,
            OutcomeCount.__table__,
        )
    ]
    click.echo(
        f"Report summaries rebuilt in {seconds:.1f} s: {counts[0]} referral facts, "
        f"{counts[1]} measure facts, {counts[2]} daily counts, {counts[3]} outcome counts."
    )
