"""``flask synthetic-data``: fill an empty, migrated database with the invented national
data set at a scale (1.0 is the whole country), reproducibly from a seed."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection, inspect, text

from mhst.accounts import mfa
from mhst.core.time import service_today
from mhst.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from mhst.extensions import db
from mhst.synthetic.load import Loaded, load
from mhst.synthetic.summaries import refresh_summaries

# Tables that must be empty: anything the generator fills, and the accounts.
MUST_BE_EMPTY = ("user_account", "service_area", "team", "school", "child", "referral")


def refusal(connection: Connection) -> str | None:
    """Why this database cannot take the data set, or None if it can."""
    if "user_account" not in set(inspect(connection).get_table_names()):
        return "The database has no tables: run `flask db upgrade` first."
    for table in MUST_BE_EMPTY:
        # The table names are the constants above (bandit B608).
        found = text(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608  # nosec B608
        if connection.execute(found).first():
            return (
                f"The database is not empty (the {table} table has rows): synthetic data "
                "goes into an empty, migrated database."
            )
    return None


def generate(scale: float, seed: int, today: date, echo=click.echo) -> Loaded:
    """Load the data set in one transaction, then refresh the summaries."""
    with db.engine.begin() as connection:
        loaded = load(connection, scale, seed, today, echo)
    refresh_summaries()
    return loaded


def print_report(loaded: Loaded) -> None:
    total = sum(rows for _, rows, _ in loaded.tables)
    click.echo(
        f"Loaded {total:,} rows in {loaded.seconds:.1f} s ({total / loaded.seconds:,.0f} rows/s):"
    )
    for table, rows, seconds in loaded.tables:
        rate = f"{rows / seconds:,.0f} rows/s writing" if seconds else ""
        click.echo(f"  {table:<24} {rows:>12,}  {rate}")
    click.echo(
        f"Sign-ins (password for each: {DEMO_PASSWORD}; authenticator key "
        f"{mfa.grouped(DEMO_TOTP_SECRET)}, `flask demo-code` prints the current code):"
    )
    for role, email in loaded.staff.sign_ins().items():
        click.echo(f"  {role:<28} {email}")
    click.echo("  Others: senior.NNN@, emhp.NNN.K@ (team NNN), school.lead.SSSSS@ (school id), "
               "clinical.lead.AA@ (area), all @national.example")  # fmt: skip


@click.command("synthetic-data")
@click.option(
    "--scale",
    type=float,
    default=0.01,
    show_default=True,
    help="1.0 is the whole country (1,000,000 children); tests use 0.0005.",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The day the history runs up to (default: today).",
)
@click.option(
    "--force", is_flag=True, help="Load where demo data is not allowed (a benchmark database)."
)
@with_appcontext
def synthetic_data(scale: float, seed: int, as_of: datetime | None, force: bool) -> None:
    """Fill an empty, migrated database with invented national-scale data; print the
    sign-ins (one known password and authenticator key for every account)."""  # fmt: skip
    if not (current_app.config["ALLOW_DEMO_DATA"] or force):
        raise click.ClickException(
            "Synthetic data is not allowed in this configuration: use --force for a "
            "benchmark database, never a live one."
        )
    if not 0 < scale <= 2:
        raise click.ClickException("--scale must be more than 0 and at most 2.")
    with db.engine.connect() as connection:
        problem = refusal(connection)
    if problem:
        raise click.ClickException(problem)
    today = as_of.date() if as_of else service_today()
    print_report(generate(scale, seed, today))
