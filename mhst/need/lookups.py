"""Loading the public lookup tables a school's deprivation decile is found through:
``lsoa_deprivation`` (the English Indices of Deprivation, File 1) and ``postcode_lsoa``
(the ONS postcode lookup, millions of rows nationally).

Each load reads its file as a stream (never the whole file in memory), checks every row,
and writes in batches of :data:`BATCH` rows in the caller's one transaction, replacing
the table's contents. If any row is bad the caller rolls back: all or nothing, with the
bad rows reported (the first :data:`PROBLEMS_KEPT`, and how many in all).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import delete, insert

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.extensions import db
from mhst.need.import_file import HEADER_INDEX, normalise_header, normalise_postcode, parse_decile
from mhst.need.models import LsoaDeprivation, PostcodeLsoa

BATCH = 5_000
PROBLEMS_KEPT = 100
_LSOA = re.compile(r"[EW]01\d{6}")
_GSS_CODE = re.compile(r"[A-Z]\d{8}")  # any statistical geography code (S01..., pseudo L99...)

# The ONS postcode files' own headers (ONSPD, NSPL, the postcode to OA/LSOA lookup).
POSTCODE_HEADERS = ("pcds", "pcd", "pcd7", "pcd8", "postcode")
LSOA_HEADERS = ("lsoa21cd", "lsoa21", "lsoa11cd", "lsoa11", "lsoa code")  # preferred first


@dataclass
class LoadReport:
    loaded: int = 0
    skipped: int = 0  # postcodes outside England and Wales (no LSOA): not an error
    problem_count: int = 0
    problems: list[tuple[int | None, str]] = field(default_factory=list)

    def problem(self, row: int | None, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append((row, message))

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def lines(self) -> list[str]:
        if not self.ok:
            shown = [f"Row {row}: {message}" if row else message for row, message in self.problems]
            more = self.problem_count - len(self.problems)
            return (
                [
                    f"Nothing loaded: {self.problem_count:,} "
                    f"{'problem' if self.problem_count == 1 else 'problems'} in the file."
                ]
                + shown
                + ([f"... and {more:,} more"] if more else [])
            )
        text = f"{self.loaded:,} rows loaded"
        return [
            text
            + (
                f", {self.skipped:,} skipped (no LSOA in England or Wales)."
                if self.skipped
                else "."
            )
        ]


def _rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    for number, record in enumerate(csv.reader(lines), start=1):
        if any(cell.strip() for cell in record):
            yield number, record


def _find(header: list[str], wanted: Iterable[str]) -> int | None:
    names = [normalise_header(cell) for cell in header]
    for name in wanted:
        if name in names:
            return names.index(name)
    return None


def _column_of(header: list[str], key: str) -> int | None:
    for position, cell in enumerate(header):
        column = HEADER_INDEX.get(normalise_header(cell))
        if column is not None and column.key == key:
            return position
    return None


def _write(model, batch: list[dict]) -> None:
    if batch:
        db.session.execute(insert(model), batch)
        batch.clear()


def _start(lines: Iterable[str], report: LoadReport, find_columns):
    rows = _rows(lines)
    try:
        _, header = next(rows)
    except StopIteration:
        report.problem(None, "The file is empty")
        return None, None
    columns = find_columns(header)
    if columns is None:
        return None, None
    return rows, columns


def load_deprivation(lines: Iterable[str]) -> LoadReport:
    """Replace ``lsoa_deprivation`` with the file's LSOA codes and IMD deciles. The caller
    commits if the report is ok and rolls back otherwise."""
    report = LoadReport()

    def columns(header):
        found = (_column_of(header, "lsoa_code"), _column_of(header, "imd_decile"))
        if None in found:
            report.problem(
                None,
                'The file needs an LSOA code column (like "LSOA code (2021)") '
                'and an IMD decile column (like "Index of Multiple Deprivation (IMD) Decile")',
            )
            return None
        return found

    rows, found = _start(lines, report, columns)
    if rows is None:
        return report
    lsoa_at, decile_at = found
    db.session.execute(delete(LsoaDeprivation))
    seen: set[str] = set()
    batch: list[dict] = []
    for number, record in rows:
        lsoa = record[lsoa_at].strip().upper() if lsoa_at < len(record) else ""
        decile = parse_decile(record[decile_at] if decile_at < len(record) else "")
        if not _LSOA.fullmatch(lsoa):
            report.problem(number, f'"{lsoa[:20]}" is not an LSOA code, like E01025678')
        elif lsoa in seen:
            report.problem(number, f"LSOA {lsoa} is in the file twice")
        elif not isinstance(decile, int):
            report.problem(number, decile or "The IMD decile is blank")
        else:
            seen.add(lsoa)
            batch.append({"lsoa_code": lsoa, "imd_decile": decile})
            report.loaded += 1
            if len(batch) >= BATCH and report.ok:
                _write(LsoaDeprivation, batch)
    if report.ok:
        _write(LsoaDeprivation, batch)
    return report


def load_postcodes(lines: Iterable[str]) -> LoadReport:
    """Replace ``postcode_lsoa`` with the file's postcodes and their LSOAs. Postcodes with
    no LSOA in England or Wales (Scotland, Northern Ireland, the ONS pseudo-codes) are
    skipped. The caller commits if the report is ok and rolls back otherwise."""
    report = LoadReport()

    def columns(header):
        found = (_find(header, POSTCODE_HEADERS), _find(header, LSOA_HEADERS))
        if None in found:
            report.problem(
                None, 'The file needs a postcode column ("pcds") and an LSOA column ("lsoa21")'
            )
            return None
        return found

    rows, found = _start(lines, report, columns)
    if rows is None:
        return report
    postcode_at, lsoa_at = found
    db.session.execute(delete(PostcodeLsoa))
    seen: set[str] = set()
    batch: list[dict] = []
    for number, record in rows:
        raw = record[postcode_at] if postcode_at < len(record) else ""
        lsoa = record[lsoa_at].strip().upper() if lsoa_at < len(record) else ""
        postcode = normalise_postcode(raw)
        if postcode is None:
            report.problem(number, f'"{raw.strip()[:20]}" is not a postcode, like LE1 7RH')
        elif postcode in seen:
            report.problem(number, f"Postcode {postcode} is in the file twice")
        elif lsoa and not _GSS_CODE.fullmatch(lsoa):
            report.problem(number, f'"{lsoa[:20]}" is not an area code, like E01025678')
        elif not _LSOA.fullmatch(lsoa):
            report.skipped += 1
        else:
            seen.add(postcode)
            batch.append({"postcode": postcode, "lsoa_code": lsoa})
            report.loaded += 1
            if len(batch) >= BATCH and report.ok:
                _write(PostcodeLsoa, batch)
    if report.ok:
        _write(PostcodeLsoa, batch)
    return report


class LoadRefused(Exception):
    """A lookup file with bad rows: nothing is loaded (the caller's unit rolls back)."""

    def __init__(self, report: LoadReport):
        super().__init__(report.lines()[0])
        self.report = report


def replace_deprivation(lines: Iterable[str], *, source: str, by) -> LoadReport:
    """The admin page's load of the deprivation file: :func:`load_deprivation`, audited;
    raises :class:`LoadRefused` if any row is bad (so the caller's commit never comes)."""
    report = load_deprivation(lines)
    if not report.ok:
        raise LoadRefused(report)
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.SCHOOL_NEED,
        detail=f"Deprivation lookup replaced: {report.loaded:,} LSOAs from {source[:100]}",
        user=by,
    )
    return report
