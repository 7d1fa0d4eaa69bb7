"""``flask import-directory PATH``: import the LLR "At a glance" services directory."""

from __future__ import annotations

from pathlib import Path

import click

from mhst.directory.operations import import_directory
from mhst.extensions import db


@click.command("import-directory")
@click.argument("path", type=click.Path(path_type=Path))
def import_directory_command(path: Path) -> None:
    """Import (or re-import) the signposting directory from the tab-separated file PATH.

    Rows are repaired where possible and reported; the run is one transaction.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"Cannot read {path}: {error}") from None
    try:
        result = import_directory(text)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for line in result.summary_lines():
        click.echo(line)
