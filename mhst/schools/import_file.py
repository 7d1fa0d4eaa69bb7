"""Reading a CSV file of schools, such as an extract of the national schools register
(Get Information about Schools, GIAS).

Pure functions (:func:`decode_upload`, :func:`parse_schools_csv`): every row is checked and
every problem reported, so nothing is written unless the whole file is good. Writing is
:mod:`mhst.schools.importer`'s.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mhst.core.rules import RuleError
from mhst.schools import operations
from mhst.schools.models import SchoolPhase

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
MAX_PUPILS = 100_000
NAME_MAX = 200
LOCAL_AUTHORITY_MAX = 120


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # how pages and messages name it
    headers: tuple[str, ...]  # accepted header names, compared case-insensitively
    required: bool


# The national register's own header first, then friendlier names (and this service's
# download's names, so a downloaded register can be imported again).
COLUMNS = (
    Column("urn", "URN", ("URN",), required=True),
    Column("name", "Name", ("EstablishmentName", "Name", "School name"), required=True),
    Column(
        "phase",
        "Phase",
        ("PhaseOfEducation (name)", "Phase", "Phase of education"),
        required=True,
    ),
    Column(
        "type",
        "Type of establishment",
        ("TypeOfEstablishment (name)", "Type of establishment", "Type"),
        required=False,
    ),
    Column("local_authority", "Local authority", ("LA (name)", "Local authority", "LA"), False),
    Column(
        "pupils_on_roll",
        "Pupils on roll",
        ("NumberOfPupils", "Pupils on roll", "Number of pupils"),
        required=False,
    ),
    # The school office's address, for campaigns when no Mental Health Lead is named.
    Column("contact_email", "Email", ("Email", "Email address", "Contact email"), False),
)

P = SchoolPhase

# Phase names as the national register writes them, and this service's own.
PHASES: dict[str, SchoolPhase] = {
    "primary": P.PRIMARY,
    "middle deemed primary": P.PRIMARY,
    "secondary": P.SECONDARY,
    "middle deemed secondary": P.SECONDARY,
    "all through": P.ALL_THROUGH,
    "special": P.SPECIAL,
    "alternative provision": P.ALTERNATIVE_PROVISION,
    "pupil referral unit": P.ALTERNATIVE_PROVISION,
    "college": P.COLLEGE,
    "16 plus": P.COLLEGE,
    "further education": P.COLLEGE,
}

# The register gives special schools, pupil referral units and most colleges the phase
# "Not applicable"; their type of establishment says what they are.
NOT_APPLICABLE = "not applicable"
TYPE_KEYWORDS: tuple[tuple[str, SchoolPhase], ...] = (
    ("special", P.SPECIAL),
    ("alternative provision", P.ALTERNATIVE_PROVISION),
    ("pupil referral unit", P.ALTERNATIVE_PROVISION),
    ("further education", P.COLLEGE),
    ("sixth form", P.COLLEGE),
)

# Shown on the import page, in this order: (what the file says, what the register records).
PHASE_MAPPING_TABLE: tuple[tuple[str, str], ...] = (
    ("Primary, Middle deemed primary", P.PRIMARY.label),
    ("Secondary, Middle deemed secondary", P.SECONDARY.label),
    ("All-through", P.ALL_THROUGH.label),
    ("Special", P.SPECIAL.label),
    ("Alternative provision, Pupil referral unit", P.ALTERNATIVE_PROVISION.label),
    ("16 plus, College, Further education", P.COLLEGE.label),
    (
        "Not applicable, with a type of establishment naming a special school",
        P.SPECIAL.label,
    ),
    (
        "Not applicable, with a type of establishment naming alternative provision "
        "or a pupil referral unit",
        P.ALTERNATIVE_PROVISION.label,
    ),
    (
        "Not applicable, with a type of establishment naming further education or a sixth form",
        P.COLLEGE.label,
    ),
)

NURSERY_MESSAGE = (
    "Nursery schools are outside the service's age range; remove this row from the file"
)


@dataclass(frozen=True)
class ImportRow:
    """One school from the file, checked. ``None`` means the cell was blank."""

    row: int
    urn: str
    name: str
    phase: SchoolPhase
    local_authority: str | None
    pupils_on_roll: int | None
    contact_email: str | None = None


@dataclass(frozen=True)
class Problem:
    """Something wrong with the file: ``row`` None means the file as a whole."""

    message: str
    row: int | None = None
    urn: str = ""
    column: str = ""


class UnreadableFile(ValueError):
    """The upload is not a text CSV file this service can read."""


def _normalise(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


HEADER_INDEX = {_normalise(header): column for column in COLUMNS for header in column.headers}


def decode_upload(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252."""
    if not data.strip():
        raise UnreadableFile("The selected file is empty")
    if data.startswith(b"PK\x03\x04"):
        raise UnreadableFile(
            "The selected file is a spreadsheet workbook, not a CSV file. "
            "Save it as CSV (comma delimited) and upload it again"
        )
    if b"\x00" in data:
        raise UnreadableFile(
            "The selected file is not a CSV file. Save it as CSV UTF-8 (comma delimited) "
            "and upload it again"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableFile(
            "The selected file could not be read as text. Save it as CSV UTF-8 "
            "(comma delimited) and upload it again"
        ) from None


def _phase(raw: str, establishment_type: str) -> SchoolPhase | str:
    """The phase, or a message saying why it cannot be known."""
    phase = _normalise(raw)
    if phase in PHASES:
        return PHASES[phase]
    if phase == "nursery":
        return NURSERY_MESSAGE
    if phase == NOT_APPLICABLE:
        kind = _normalise(establishment_type)
        for keyword, mapped in TYPE_KEYWORDS:
            if keyword in kind:
                return mapped
        return (
            'The phase is "Not applicable" and the type of establishment does not say the '
            "school is special, alternative provision or a college; enter one of those as "
            "the phase"
        )
    if not phase:
        return "Enter the school's phase"
    return (
        f'"{raw.strip()[:40]}" is not a phase this service knows; use primary, secondary, '
        "all-through, special, alternative provision or college"
    )


def _pupils(raw: str) -> int | str | None:
    """The number of pupils, None if blank, or a message."""
    text = raw.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{1,3}(,\d{3})+", text):
        text = text.replace(",", "")
    if not re.fullmatch(r"\d{1,9}", text):
        return "Pupils on roll must be a whole number, 0 or more, like 420"
    number = int(text)
    if number > MAX_PUPILS:
        return f"Pupils on roll must be {MAX_PUPILS:,} or fewer"
    return number


def _header_problems(header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    """Which cell holds each known column, and what is missing or duplicated."""
    positions: dict[str, int] = {}
    problems = []
    for position, cell in enumerate(header):
        column = HEADER_INDEX.get(_normalise(cell))
        if column is None:
            continue  # the national register has many other columns; they are ignored
        if column.key in positions:
            first = header[positions[column.key]].strip()
            problems.append(
                Problem(
                    f"The file has two columns for {column.label.lower()}: "
                    f'"{first}" and "{cell.strip()}". Keep one of them'
                )
            )
            continue
        positions[column.key] = position
    for column in COLUMNS:
        if column.required and column.key not in positions:
            accepted = ", ".join(f'"{name}"' for name in column.headers)
            problems.append(
                Problem(
                    f"The file has no {column.label} column. Name it {accepted} "
                    "(check the columns are separated by commas)"
                )
            )
    return positions, problems


def parse_schools_csv(text: str) -> tuple[list[ImportRow], list[Problem]]:
    """Check every row of the CSV ``text``; return the good rows and every problem.

    Rows are numbered as a spreadsheet shows them (the header is usually row 1); blank
    rows are skipped. The caller must write nothing unless ``problems`` is empty.
    """
    rows, problems = check_csv_rows(
        text,
        _header_problems,
        _check_row,
        too_many=lambda count: (
            f"The file has {count:,} schools; import {MAX_ROWS:,} or fewer at a "
            "time by splitting it into smaller files"
        ),
        max_rows=MAX_ROWS,
    )
    return (rows if not problems else []), problems


def check_csv_rows(
    text: str,
    header_problems: Callable[[list[str]], tuple[dict[str, int], list[Problem]]],
    check_row: Callable[[int, dict[str, str], dict[str, int]], tuple[Any, list]],
    *,
    too_many: Callable[[int], str],
    max_rows: int,
) -> tuple[list, list[Problem]]:
    """Read a CSV file of schools by URN (this register's import and others, such as
    the need data's): its header through ``header_problems``, then each non-blank row
    through ``check_row(number, cells by column key, first row of each URN)``, which
    gives the row (or None) and its problems as (column key, message). Returns every
    good row and every problem; the caller writes nothing unless there is no problem."""
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        return [], [Problem(f"The file could not be read as CSV: {error}")]
    header_row = next(
        (index for index, record in enumerate(records) if any(c.strip() for c in record)), None
    )
    if header_row is None:
        return [], [Problem("The selected file is empty")]
    header, body = records[header_row], records[header_row + 1 :]
    positions, problems = header_problems(header)
    if problems:
        return [], problems
    numbered = [
        (number, record)
        for number, record in enumerate(body, start=header_row + 2)
        if any(cell.strip() for cell in record)
    ]
    if not numbered:
        return [], [Problem("The file has a header row but no schools")]
    if len(numbered) > max_rows:
        return [], [Problem(too_many(len(numbered)))]
    headers = {key: header[position].strip() for key, position in positions.items()}
    rows = []
    first_row_of_urn: dict[str, int] = {}
    for number, record in numbered:
        cells = {
            key: record[position] if position < len(record) else ""
            for key, position in positions.items()
        }
        row, row_problems = check_row(number, cells, first_row_of_urn)
        problems.extend(
            Problem(message, row=number, urn=cells["urn"].strip()[:20], column=headers[key])
            for key, message in row_problems
        )
        if row is not None:
            rows.append(row)
    return rows, problems


def _check_row(
    number: int, cells: dict[str, str], first_row_of_urn: dict[str, int]
) -> tuple[ImportRow | None, list[tuple[str, str]]]:
    """One row checked: the school, or (column key, message) for each problem."""
    problems: list[tuple[str, str]] = []
    urn = cells["urn"].strip()
    if not urn:
        problems.append(("urn", "Enter the school's URN"))
    elif not operations.URN_PATTERN.fullmatch(urn):
        problems.append(("urn", "Enter the URN as 6 digits, like 120345"))
    elif urn in first_row_of_urn:
        problems.append(
            ("urn", f"URN {urn} is also on row {first_row_of_urn[urn]}; keep one of them")
        )
    else:
        first_row_of_urn[urn] = number

    name = " ".join(cells["name"].split())
    if not name:
        problems.append(("name", "Enter the school's name"))
    elif len(name) > NAME_MAX:
        problems.append(("name", f"The name must be {NAME_MAX} characters or fewer"))

    phase = _phase(cells["phase"], cells.get("type", ""))
    if not isinstance(phase, SchoolPhase):  # a message (SchoolPhase is a str too)
        problems.append(("phase", phase))

    local_authority = " ".join(cells.get("local_authority", "").split()) or None
    if local_authority and len(local_authority) > LOCAL_AUTHORITY_MAX:
        problems.append(
            (
                "local_authority",
                f"The local authority must be {LOCAL_AUTHORITY_MAX} characters or fewer",
            )
        )

    pupils = _pupils(cells.get("pupils_on_roll", ""))
    if isinstance(pupils, str):
        problems.append(("pupils_on_roll", pupils))

    contact_email = cells.get("contact_email", "").strip() or None
    try:
        contact_email = operations.check_contact_email(contact_email)
    except RuleError as error:
        problems.append(("contact_email", error.message))

    if problems:
        return None, problems
    return ImportRow(number, urn, name, phase, local_authority, pupils, contact_email), []
