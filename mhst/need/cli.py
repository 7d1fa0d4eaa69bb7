"""``flask need load-deprivation FILE`` and ``flask need load-postcodes FILE``: load the
public lookups a school's deprivation decile is found through. Each file is read as a
stream and loaded in one transaction: all of it, or (with its bad rows reported) none."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from mhst.extensions import db
from mhst.need import lookups

need_group = AppGroup("need", help="School-level indicators of need: the public lookups.")


def _load(path: Path, loader) -> None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as lines:
            report = loader(lines)
            if report.ok:
                db.session.commit()
            else:
                db.session.rollback()
    except (OSError, UnicodeDecodeError) as error:
        db.session.rollback()
        raise click.ClickException(f"Cannot read {path}: {error}") from None
    except Exception:
        db.session.rollback()
        raise
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise click.exceptions.Exit(1)


@need_group.command("load-deprivation")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def load_deprivation_command(path: Path) -> None:
    """Replace the LSOA deprivation deciles with those of PATH: the English Indices of
    Deprivation File 1 as CSV (an LSOA code column and the IMD decile column)."""
    _load(path, lookups.load_deprivation)


@need_group.command("load-postcodes")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def load_postcodes_command(path: Path) -> None:
    """Replace the postcode-to-LSOA lookup with PATH: the ONS postcode lookup as CSV
    (columns pcds and lsoa21, or lsoa11)."""
    _load(path, lookups.load_postcodes)
