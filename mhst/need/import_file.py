"""Reading a CSV file of school-level indicators of need, by URN.

Pure functions: every row is checked and every problem reported (with the file's own
column name), so nothing is written unless the whole file is good. The checks that need
the database (the URN on the register, the LSOA and postcode lookups) are
:mod:`mhst.need.importer`'s. Only school-level figures are accepted: a file with a column
about a pupil is refused as a whole.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from mhst.schools import operations as school_rules
from mhst.schools.import_file import (  # noqa: F401  (decode_upload, UnreadableFile: re-exported)
    Column,
    Problem,
    UnreadableFile,
    check_csv_rows,
    decode_upload,
)

MAX_ROWS = 30_000  # every school in England, with room
MAX_FILE_BYTES = 8 * 1024 * 1024
SURVEY_NAME_MAX = 120
FIRST_SURVEY_YEAR, LAST_SURVEY_YEAR = 2000, 2100

# The public files' own headers first, then friendlier ones. DfE's school-level census
# data ("Schools, pupils and their characteristics") and Get Information about Schools
# for free school meals; the English Indices of Deprivation File 1 and the ONS postcode
# lookup for the area.
COLUMNS = (
    Column("urn", "URN", ("URN", "School URN"), required=True),
    Column(
        "fsm_percent",
        "Free school meals (%)",
        (
            "% of pupils known to be eligible for free school meals",
            "PercentageFSM",
            "FSM %",
            "FSM percent",
            "Free school meals %",
            "Free school meals (%)",
        ),
        required=False,
    ),
    Column(
        "imd_decile",
        "IMD decile",
        (
            "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
            "Index of Multiple Deprivation (IMD) Decile",
            "IMD decile",
            "Deprivation decile",
        ),
        required=False,
    ),
    Column(
        "lsoa_code",
        "LSOA code",
        (
            "LSOA code (2011)",
            "LSOA code (2021)",
            "LSOA21CD",
            "LSOA11CD",
            "lsoa21",
            "lsoa11",
            "LSOA code",
            "LSOA",
        ),
        required=False,
    ),
    Column("postcode", "Postcode", ("Postcode", "pcds", "pcd"), required=False),
    Column("survey_name", "Survey name", ("Survey name", "Survey"), required=False),
    Column("survey_year", "Survey year", ("Survey year",), required=False),
    Column(
        "belonging_low_percent",
        "Low belonging (%)",
        ("Belonging (low) %", "Low belonging %", "Low belonging (%)", "Belonging low %"),
        required=False,
    ),
    Column(
        "low_wellbeing_percent",
        "Low wellbeing (%)",
        ("Low wellbeing %", "Low wellbeing (%)", "Wellbeing low %"),
        required=False,
    ),
)

# Headers that name a pupil's data: a file with any of them is refused as a whole.
PUPIL_LEVEL_HEADERS = (
    "UPN",
    "Unique pupil number",
    "Pupil name",
    "Pupil",
    "Forename",
    "First name",
    "Surname",
    "Last name",
    "Legal surname",
    "Date of birth",
    "DOB",
    "NHS number",
    "Gender",
    "Sex",
)
PUPIL_LEVEL_MESSAGE = (
    'The file has a column "{header}", about a pupil: only school-level figures can be '
    "imported. Remove every column about a pupil (and never upload a pupil's data)"
)

# What DfE files write for a figure withheld or not applicable: read as "not given".
NOT_GIVEN = frozenset({"x", "c", "z", "u", "..", ":", "supp", "ne", "na", "n/a"})

PERCENT_KEYS = ("fsm_percent", "belonging_low_percent", "low_wellbeing_percent")
_NUMBER = re.compile(r"-?\d{1,6}(\.\d{1,6})?")
_LSOA = re.compile(r"[EW]01\d{6}")
_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}")
_ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class NeedRow:
    """One school's indicators from the file, checked. ``None``: the cell was blank."""

    row: int
    urn: str
    fsm_percent: Decimal | None = None
    imd_decile: int | None = None
    lsoa_code: str | None = None
    postcode: str | None = None
    survey_name: str | None = None
    survey_year: int | None = None
    belonging_low_percent: Decimal | None = None
    low_wellbeing_percent: Decimal | None = None


def normalise_header(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


HEADER_INDEX = {normalise_header(header): column for column in COLUMNS for header in column.headers}
PUPIL_LEVEL = frozenset(normalise_header(header) for header in PUPIL_LEVEL_HEADERS)


def parse_percent(raw: str, label: str) -> Decimal | str | None:
    """A percentage from 0 to 100 to one decimal place ("23.46%" is 23.5), None if blank
    or withheld, or a message."""
    text = raw.strip().removesuffix("%").strip()
    if not text or text.lower() in NOT_GIVEN:
        return None
    if not _NUMBER.fullmatch(text):
        return f"{label} must be a number from 0 to 100, like 23.5"
    try:
        value = Decimal(text).quantize(_ONE_PLACE, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain numbers
        return f"{label} must be a number from 0 to 100, like 23.5"
    if not Decimal(0) <= value <= Decimal(100):
        return f"{label} must be from 0 to 100; the file has {text}"
    return value


def parse_decile(raw: str) -> int | str | None:
    text = raw.strip()
    if not text or text.lower() in NOT_GIVEN:
        return None
    if not re.fullmatch(r"\d{1,2}", text) or not 1 <= int(text) <= 10:
        return f'The IMD decile must be a whole number from 1 to 10; the file has "{text[:20]}"'
    return int(text)


def normalise_postcode(raw: str) -> str | None:
    """``le17rh`` -> ``LE1 7RH``; None if it is not the shape of a UK postcode."""
    compact = re.sub(r"\s+", "", raw).upper()
    if not _POSTCODE.fullmatch(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def _header_problems(header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    positions: dict[str, int] = {}
    problems = []
    for position, cell in enumerate(header):
        name = normalise_header(cell)
        if name in PUPIL_LEVEL:
            return {}, [Problem(PUPIL_LEVEL_MESSAGE.format(header=cell.strip()))]
        column = HEADER_INDEX.get(name)
        if column is None:
            continue  # the public files have many other columns; they are ignored
        if column.key in positions:
            first = header[positions[column.key]].strip()
            problems.append(
                Problem(
                    f"The file has two columns for {column.label}: "
                    f'"{first}" and "{cell.strip()}". Keep one of them'
                )
            )
            continue
        positions[column.key] = position
    if "urn" not in positions:
        problems.append(
            Problem(
                'The file has no URN column. Name it "URN" (check the columns are '
                "separated by commas)"
            )
        )
    elif len(positions) == 1:
        problems.append(
            Problem("The file has a URN column but no indicators: see the columns below")
        )
    return positions, problems


def parse_need_csv(
    text: str, *, keep_good_rows: bool = False
) -> tuple[list[NeedRow], list[Problem]]:
    """Check every row of the CSV ``text``: the good rows and every problem. The caller
    writes nothing unless ``problems`` is empty. Rows are numbered as a spreadsheet shows
    them; blank rows are skipped. With problems, no rows are returned unless
    ``keep_good_rows`` (for checking them against the register too)."""
    rows, problems = check_csv_rows(
        text,
        _header_problems,
        check_row,
        too_many=lambda count: f"The file has {count:,} rows; {MAX_ROWS:,} is the most",
        max_rows=MAX_ROWS,
    )
    return (rows if keep_good_rows or not problems else []), problems


def file_headers(text: str) -> dict[str, str]:
    """The file's own name of each column it has (for the report of the database's checks)."""
    try:
        for record in csv.reader(io.StringIO(text, newline="")):
            if any(cell.strip() for cell in record):
                positions, _ = _header_problems(record)
                return {key: record[position].strip() for key, position in positions.items()}
    except csv.Error:
        pass
    return {}


def _check_urn(number: int, raw: str, first_row_of_urn: dict[str, int]) -> str | None:
    urn = raw.strip()
    if not urn:
        return "Enter the school's URN"
    if not school_rules.URN_PATTERN.fullmatch(urn):
        return "Enter the URN as 6 digits, like 120345"
    if urn in first_row_of_urn:
        return f"URN {urn} is also on row {first_row_of_urn[urn]}; keep one of them"
    first_row_of_urn[urn] = number
    return None


def _check_area(cells: dict[str, str], values: dict, problems: list) -> None:
    decile = parse_decile(cells.get("imd_decile", ""))
    if isinstance(decile, str):
        problems.append(("imd_decile", decile))
    else:
        values["imd_decile"] = decile
    lsoa = cells.get("lsoa_code", "").strip().upper()
    if lsoa and not _LSOA.fullmatch(lsoa):
        problems.append(("lsoa_code", f'"{lsoa[:20]}" is not an LSOA code, like E01025678'))
    values["lsoa_code"] = lsoa or None
    raw_postcode = cells.get("postcode", "").strip()
    postcode = normalise_postcode(raw_postcode) if raw_postcode else None
    if raw_postcode and postcode is None:
        problems.append(("postcode", f'"{raw_postcode[:20]}" is not a postcode, like LE1 7RH'))
    values["postcode"] = postcode


def _check_survey(cells: dict[str, str], values: dict, problems: list) -> None:
    name = " ".join(cells.get("survey_name", "").split())
    if len(name) > SURVEY_NAME_MAX:
        problems.append(
            ("survey_name", f"The survey name must be {SURVEY_NAME_MAX} characters or fewer")
        )
    values["survey_name"] = name or None
    year = cells.get("survey_year", "").strip()
    if year and not (
        re.fullmatch(r"\d{4}", year) and FIRST_SURVEY_YEAR <= int(year) <= LAST_SURVEY_YEAR
    ):
        problems.append(
            (
                "survey_year",
                f'The survey year must be a year, like 2025; the file has "{year[:20]}"',
            )
        )
    values["survey_year"] = int(year) if year.isdigit() and len(year) == 4 else None
    has_rates = values.get("belonging_low_percent") is not None or (
        values.get("low_wellbeing_percent") is not None
    )
    if has_rates and not name:
        key = "survey_name" if "survey_name" in cells else "belonging_low_percent"
        if key not in cells:
            key = "low_wellbeing_percent"
        problems.append(
            (key, "Enter the name of the survey the belonging and wellbeing rates come from")
        )


def check_row(
    number: int, cells: dict[str, str], first_row_of_urn: dict[str, int]
) -> tuple[NeedRow | None, list[tuple[str, str]]]:
    """One row checked: the indicators, or (column key, message) for each problem."""
    problems: list[tuple[str, str]] = []
    urn_problem = _check_urn(number, cells["urn"], first_row_of_urn)
    if urn_problem:
        problems.append(("urn", urn_problem))
    values: dict = {}
    for key in PERCENT_KEYS:
        if key not in cells:
            continue
        label = next(column.label for column in COLUMNS if column.key == key)
        value = parse_percent(cells[key], label)
        if isinstance(value, str):
            problems.append((key, value))
        else:
            values[key] = value
    _check_area(cells, values, problems)
    _check_survey(cells, values, problems)
    if problems:
        return None, problems
    return NeedRow(row=number, urn=cells["urn"].strip(), **values), []
