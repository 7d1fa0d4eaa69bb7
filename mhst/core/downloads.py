"""CSV downloads: one way to build them, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
SPREADSHEET_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value``, with a leading ``'`` if a spreadsheet would otherwise run it."""
    if isinstance(value, str) and value.startswith(SPREADSHEET_FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(
    rows: Iterable[Iterable[object]], filename: str, *, byte_order_mark: bool = True
) -> Response:
    """A CSV attachment of ``rows`` with every cell made safe. The byte-order mark makes
    spreadsheets read non-ASCII names as UTF-8; figures-only files may leave it out."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([safe_cell(value) for value in row] for row in rows)
    return Response(
        ("\ufeff" if byte_order_mark else "") + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
