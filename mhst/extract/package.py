"""The extract's ZIP: the four CSV files and a README, written to a file as the rows
are read (run by the background job in :mod:`mhst.extract.job`)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.downloads import safe_cell
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.extensions import db
from mhst.extract import columns as c
from mhst.extract import contact_files, files
from mhst.extract.period import Period
from mhst.extract.pseudonyms import Pseudonymiser

README_NAME = "README.txt"


def readme(period: Period, generated_at: datetime, counts: dict[str, int]) -> str:
    local = generated_at.astimezone(SERVICE_TIME_ZONE)
    lines = [
        "MHST Case Manager: national extract aligned with the Mental Health Services Data Set",
        "",
        f"Period: {period.start.isoformat()} to {period.end.isoformat()} (both included, UK time)",
        f"Generated: {local.isoformat(timespec='seconds')} (UK time)",
        "",
        "These files are ALIGNED WITH the Mental Health Services Data Set (MHSDS). They are",
        "not a validated MHSDS submission: the service maps the codes marked as left to it",
        "(SNOMED CT, activity location, care contact subject, consultation type, referral",
        "closure reason) and submits through the Strategic Data Collection Service itself.",
        "",
        "Pseudonymised: children, referrals, contacts, group sessions and completed measures",
        "are identified by keyed pseudonyms (PER-, REF-, CON-, GRP-, ASM-), the same in every",
        "extract made with the same key. There are no names, NHS numbers, dates of birth,",
        "parents' details or free text. Treat the files as personal data all the same.",
        "",
        "The full column mapping is in docs/mhsds-extract.md in the service's source code.",
        "",
    ]
    for spec in c.FILES:
        count = counts[spec.filename]
        lines += [f"{spec.filename}: {count} rows. {spec.mhsds_table}.", spec.description]
        for column in spec.columns:
            aligned = f" [{column.mhsds}]" if column.mhsds else ""
            lines.append(f"  {column.name}{aligned}: {column.meaning}")
        lines.append("")
    return "\r\n".join(lines)


BATCH = 20_000  # records read per query: bounds the memory, and each tells the progress
PARTS = (
    (c.REFERRALS, files.REFERRALS),
    (c.CARE_CONTACTS, contact_files.CARE_CONTACTS),
    (c.CODED_ACTIVITIES, contact_files.CODED_ACTIVITIES),
    (c.OUTCOME_SCORES, files.OUTCOME_SCORES),
)


@dataclass
class Written:
    """What :func:`write_extract` wrote: the name to download it as, each file's rows."""

    filename: str
    counts: dict[str, int] = field(default_factory=dict)
    referral_ids: set[int] = field(default_factory=set)


def _member(name: str, stamp) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _safe_rows(spec: c.ExtractFile, rows, written: Written) -> list[list]:
    """The batch's rows, with :func:`safe_cell` on the columns that can hold text that a
    spreadsheet would run (``Column.free``); the others hold only codes, dates, numbers
    and pseudonyms, none starting with = + - @ (tests/test_extract.py checks each)."""
    free = spec.free_text_positions
    referral_ids = written.referral_ids
    safe = []
    for row, referral_id in rows:
        for position in free:
            row[position] = safe_cell(row[position])
        safe.append(row)
        referral_ids.add(referral_id)
    return safe


def _csv_text(rows: list[list]) -> str:
    """A batch as CSV text, the CRLF lines of :mod:`csv`'s default dialect (written a batch
    at a time: one write to the ZIP member per batch, not one per row)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def write_extract(
    path: Path,
    period: Period,
    pseudonyms: Pseudonymiser,
    generated_at: datetime,
    progress: Callable[[int, int], None] = lambda done, total: None,
    batch: int = BATCH,
) -> Written:
    """Write the ZIP to ``path``, each file's rows streamed into its member batch by batch.

    First every part's ids (one query each, so the total is known), then per batch one or
    two queries; ``progress(done, total)`` is told after each batch, counted in records.
    """
    planned = [
        (spec, [(part, list(db.session.scalars(part.ids(period)))) for part in parts])
        for spec, parts in PARTS
    ]
    total, done = sum(len(ids) for _, parts in planned for _, ids in parts), 0
    progress(done, total)
    stamp = generated_at.astimezone(SERVICE_TIME_ZONE).timetuple()[:6]
    name = f"mhsds-extract-{period.start.isoformat()}-to-{period.end.isoformat()}.zip"
    written = Written(name)
    with zipfile.ZipFile(path, "w") as archive:
        for spec, parts in planned:
            with archive.open(_member(spec.filename, stamp), "w") as member:
                member.write(_csv_text([spec.header]).encode())
                count = 0
                for part, ids in parts:
                    for start in range(0, len(ids), batch):
                        chunk = ids[start : start + batch]
                        rows = _safe_rows(spec, part.rows(chunk, period, pseudonyms), written)
                        member.write(_csv_text(rows).encode())
                        count += len(rows)
                        done += len(chunk)
                        progress(done, total)
                written.counts[spec.filename] = count
        readme_text = readme(period, generated_at, written.counts)
        archive.writestr(_member(README_NAME, stamp), readme_text.encode())
    return written


def audit_extract(written: Written, period: Period, *, user) -> None:
    """One event for the extract, and the referrals whose records it exported, each named
    (1,000 to an event, as every bulk audit: :func:`mhst.audit.operations.record_mixed`)."""
    counts = ", ".join(f"{name} {count}" for name, count in written.counts.items())
    audit.record(
        AuditAction.EXPORT,
        AuditRecordType.NATIONAL_EXTRACT,
        detail=f"{period.start.isoformat()} to {period.end.isoformat()}: {counts}",
        user=user,
    )
    audit.record_many(
        AuditRecordType.REFERRAL,
        [(AuditAction.EXPORT, referral_id) for referral_id in sorted(written.referral_ids)],
        user=user,
    )
