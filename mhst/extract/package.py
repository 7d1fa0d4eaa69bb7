"""The download: a ZIP of the four CSV files and a README, built in memory."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.downloads import safe_cell
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.extract.files import BUILDERS, FileRows
from mhst.extract.period import Period
from mhst.extract.pseudonyms import Pseudonymiser

README_NAME = "README.txt"


@dataclass(frozen=True)
class Extract:
    filename: str
    content: bytes
    files: tuple[FileRows, ...]

    @property
    def referral_ids(self) -> set[int]:
        return set().union(*(f.referral_ids for f in self.files))


def csv_bytes(rows: list[list[object]]) -> bytes:
    """UTF-8 CSV with every cell made safe for spreadsheets (no byte-order mark: the
    files are for loading into other systems)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [safe_cell(value) for value in row] for row in rows
    )
    return buffer.getvalue().encode("utf-8")


def readme(period: Period, generated_at: datetime, files: tuple[FileRows, ...]) -> str:
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
    for f in files:
        spec = f.spec
        lines += [f"{spec.filename}: {len(f.rows)} rows. {spec.mhsds_table}.", spec.description]
        for column in spec.columns:
            aligned = f" [{column.mhsds}]" if column.mhsds else ""
            lines.append(f"  {column.name}{aligned}: {column.meaning}")
        lines.append("")
    return "\r\n".join(lines)


def build_extract(period: Period, pseudonyms: Pseudonymiser, generated_at: datetime) -> Extract:
    """Every file of the extract, zipped; a fixed number of queries whatever the data."""
    files = tuple(build(period, pseudonyms) for build in BUILDERS)
    stamp = generated_at.astimezone(SERVICE_TIME_ZONE).timetuple()[:6]
    buffer = io.BytesIO()
    members = [(f.spec.filename, csv_bytes(f.with_header)) for f in files]
    members.append((README_NAME, readme(period, generated_at, files).encode()))
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, stamp), data, zipfile.ZIP_DEFLATED)
    filename = f"mhsds-extract-{period.start.isoformat()}-to-{period.end.isoformat()}.zip"
    return Extract(filename, buffer.getvalue(), files)


def audit_extract(extract: Extract, period: Period, *, user) -> None:
    """One event for the download, and one per referral whose records it exported."""
    counts = ", ".join(f"{f.spec.filename} {len(f.rows)}" for f in extract.files)
    audit.record(
        AuditAction.EXPORT,
        AuditRecordType.NATIONAL_EXTRACT,
        detail=f"{period.start.isoformat()} to {period.end.isoformat()}: {counts}",
        user=user,
    )
    audit.record_many(
        AuditRecordType.REFERRAL,
        [(AuditAction.EXPORT, referral_id) for referral_id in sorted(extract.referral_ids)],
        user=user,
    )
