"""``flask retention-review``: apply the retention review's approved decisions (delete
or pseudonymise each record), printing what was done in counts; ``--dry-run`` lists what
would be done and changes nothing."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from mhst.extensions import db
from mhst.privacy.disposal import Report, apply, pending


@click.command("retention-review")
@click.option("--dry-run", is_flag=True, help="List what would be done; change nothing.")
@with_appcontext
def retention_review(dry_run: bool) -> None:
    """Apply the approved retention decisions (each in its own transaction)."""
    report = Report(dry_run=dry_run)
    for decision in pending():
        try:
            apply(decision, report)
        except Exception:
            db.session.rollback()
            raise
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    for line in report.lines():
        click.echo(line)
