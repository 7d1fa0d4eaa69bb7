"""Parsing and repair of the LLR "At a glance" directory export (pure: no database).

The file is a tab-separated export of a spreadsheet with two tables: the children and
young people's table first, then the adult table, which starts at the line beginning
"Adult Mental Health". Each table has a header row ("Mental Health level of need", the
concern flag columns, ...) and continuation header rows (route names, notes).

Children's columns: level of need, 7 concern flags, service, further info, area, age,
referral routes (NHS 111, direct, GP, educational settings, My Self referral, and an
unnamed column some rows use: "Other route").
Adult columns: level of need, 16 concern flags, provider, service, further info, area,
age, 6 referral routes.

Repair rules (each repaired row is reported with its line number and what was done):

* Blank lines are skipped; header rows (a first cell "Mental Health level of need", or a
  cell such as "Service/offer" or "Referrals will be assessed ...") are skipped.
* A line beginning "Adult Mental Health" switches to the adult table.
* The level of need is carried down from the row above, within each table. A row whose
  level cell holds a flag mark ("Y") has had its flags shifted one column to the left: the
  mark belongs to the first concern column and the level is carried down.
* The first text cell after the flags starts the service part (provider or service name).
  When it sits one column to the right of where it should (an extra blank cell) or one
  column to the left (a cell lost), the service part is moved back into place; when it is
  further away, or the row has no service name, the row is not imported and is reported.
* Other lines that are not service rows (titles, dates, notes) are skipped and reported.
* The age is parsed into a minimum and maximum (see :func:`parse_age`); the original text
  is kept. Text that gives no age ("Parents/carers", "-") is imported with no ages and
  reported. An unknown level of need or area is imported as it is and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mhst.directory.models import Concern, DirectoryTable

FLAG_MARKS = {"y", "yes", "x"}

LEVEL_ORDER = {
    "urgent/crisis intervention": 1,
    "high level intervention": 2,
    "moderate level intervention": 3,
    "both low and moderate interventions": 4,
    "low level intervention": 5,
    "self help": 6,
    "advice and signposting": 7,
    "resilience and wellbeing": 8,
}
UNKNOWN_LEVEL_ORDER = 99


@dataclass(frozen=True)
class Layout:
    concerns: tuple[Concern, ...]
    has_provider: bool
    routes: tuple[str, ...]

    @property
    def tail_start(self) -> int:
        """Column index of the first cell after the flags (provider or service)."""
        return 1 + len(self.concerns)


C = Concern
LAYOUTS = {
    DirectoryTable.CHILDREN: Layout(
        concerns=(
            C.GENERAL_MENTAL_HEALTH,
            C.EATING_DISORDERS,
            C.BEREAVEMENT,
            C.PSYCHOSIS,
            C.POST_SEXUAL_ABUSE,
            C.SELF_HARM,
            C.SUBSTANCE_MISUSE,
        ),
        has_provider=False,
        routes=(
            "NHS 111 (select option 2) onward referral",
            "Direct referral into service",
            "GP",
            "Via educational settings",
            "My Self referral onward referral",
            "Other route",
            "Other route",
        ),
    ),
    DirectoryTable.ADULT: Layout(
        concerns=(
            C.GENERAL_MENTAL_HEALTH,
            C.NEURODIVERSITY,
            C.MATERNITY_PERINATAL,
            C.EATING_DISORDERS,
            C.EMPLOYMENT_SUPPORT,
            C.CRIMINAL_JUSTICE,
            C.FORENSIC_MENTAL_HEALTH,
            C.DEMENTIA_OLDER_AGE,
            C.BEREAVEMENT,
            C.PHYSICAL_HEALTH,
            C.PRENATAL_PERINATAL,
            C.HOMELESS,
            C.PSYCHOSIS,
            C.POST_SEXUAL_ABUSE,
            C.SELF_HARM,
            C.SUBSTANCE_MISUSE,
        ),
        has_provider=True,
        routes=(
            "NHS 111 option 2 onward referral",
            "Service user can refer directly",
            "Health, social care or emergency professionals",
            "Via educational settings",
            "GP",
            "Drop in",
        ),
    ),
}

HEADER_PHRASES = (
    "mental health level of need",
    "service/offer",
    "referral route options",
    "referrals will be assessed",
    "version for health and social care",
    "service user can refer directly",
    "direct referral into service",
)


@dataclass
class ParsedService:
    table: DirectoryTable
    level_of_need: str
    level_order: int
    name: str
    provider: str | None
    description: str
    area_text: str
    covers_city: bool
    covers_county: bool
    covers_rutland: bool
    age_text: str
    min_age: int | None
    max_age: int | None
    concerns: list[Concern]
    referral_routes: list[dict]
    source_line: int

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.table.value, self.level_of_need, self.name, self.area_text)


@dataclass
class ParseReport:
    repaired: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


# ---- ages ---------------------------------------------------------------------------

_RANGE = re.compile(r"^(\d{1,3})\s*(?:to|-|\u2013)\s*(\d{1,3})\b")
_UP_TO = re.compile(r"^up to\s*(\d{1,3})\b")
_AND_OVER = re.compile(r"^(\d{1,3})\b.*?(?:\+|and over|onwards|or over|and above)")
_OVER = re.compile(r"^over\s*(\d{1,3})\b")
_PLUS = re.compile(r"(\d{1,3})\s*\+")


def parse_age(text: str) -> tuple[int | None, int | None, bool]:
    """``(min_age, max_age, understood)`` for an age cell of the file.

    "All age" -> (0, None); "Up to 18" (and "Up to 18 (25 with SEN ...)") -> (0, 18);
    "14 to 35", "11-19" -> (14, 35), (11, 19); "11+", "18 +", "16 and over", "12 onwards",
    "17 years & five months and over" -> (n, None); "Over 65" -> (65, None) (services
    "over 65" also say "65+"); "In person 13+ online 16+" -> (13, None), the lowest age.
    Anything else (blank, "-", "Parents/carers") -> (None, None, False).
    """
    value = " ".join(text.split()).lower().rstrip(".")
    if not value:
        return None, None, False
    if value in {"all age", "all ages"}:
        return 0, None, True
    if match := _RANGE.match(value):
        low, high = int(match[1]), int(match[2])
        if low <= high:
            return low, high, True
        return None, None, False
    if match := _UP_TO.match(value):
        return 0, int(match[1]), True
    if match := _AND_OVER.match(value):
        return int(match[1]), None, True
    if match := _OVER.match(value):
        return int(match[1]), None, True
    if match := _PLUS.search(value):
        return int(match[1]), None, True
    return None, None, False


# ---- areas --------------------------------------------------------------------------


def parse_area(text: str) -> tuple[bool, bool, bool, bool]:
    """``(city, county, rutland, understood)`` for an area cell.

    "LLR" (and text beginning "LLR") -> all three; "City"/"Leicester City"/"Leicester" ->
    city; "County"/"Leicestershire" -> county; "Rutland" anywhere -> Rutland ("County &
    Rutland", "Leicestershire & Rutland", "Attending a Rutland school"). Other text
    ("Universities", "Varied") covers none and is reported.
    """
    value = text.lower()
    if value.startswith("llr"):
        return True, True, True, True
    city = bool(re.search(r"\bcity\b", value)) or value.strip() == "leicester"
    county = "county" in value or "leicestershire" in value
    rutland = "rutland" in value
    return city, county, rutland, city or county or rutland


def level_order(level: str) -> int:
    return LEVEL_ORDER.get(" ".join(level.split()).lower(), UNKNOWN_LEVEL_ORDER)


# ---- rows ---------------------------------------------------------------------------


def _clean(cell: str) -> str:
    return " ".join(cell.replace("\xa0", " ").split())


def _is_mark(cell: str) -> bool:
    return cell.lower() in FLAG_MARKS


def parse_directory(text: str) -> tuple[list[ParsedService], ParseReport]:
    """Every service row of ``text`` (the file's contents), repaired, and the report."""
    report = ParseReport()
    services: list[ParsedService] = []
    table = DirectoryTable.CHILDREN
    level = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        cells = [_clean(cell) for cell in raw.split("\t")]
        filled = [cell for cell in cells if cell]
        if not filled:
            continue
        first = cells[0]
        if first.lower().startswith("adult mental health"):
            table, level = DirectoryTable.ADULT, ""
            continue
        if any(cell.lower().startswith(HEADER_PHRASES) for cell in filled):
            continue
        layout = LAYOUTS[table]
        if len(filled) < 3:
            report.skipped.append((number, f"not a service row: “{filled[0][:60]}”"))
            continue
        service = _parse_row(number, cells, table, layout, level, report)
        if service is None:
            continue
        level = service.level_of_need
        services.append(service)
    return services, report


def _parse_row(
    number: int,
    cells: list[str],
    table: DirectoryTable,
    layout: Layout,
    carried_level: str,
    report: ParseReport,
) -> ParsedService | None:
    repairs: list[str] = []
    flag_count = len(layout.concerns)
    expected = layout.tail_start
    level_cell = cells[0]
    flags_shifted_left = _is_mark(level_cell)
    if flags_shifted_left:
        level_cell = ""
        repairs.append("flags shifted one column left (a “Y” in the level of need column)")
    start = next(
        (index for index in range(1, len(cells)) if cells[index] and not _is_mark(cells[index])),
        None,
    )
    if start is None:
        report.rejected.append((number, "no service name"))
        return None
    if start == expected + 1 and not cells[expected]:
        repairs.append("service columns shifted one column right (moved back)")
    elif start == expected - 1:
        repairs.append("service columns shifted one column left (moved back)")
    elif start != expected:
        report.rejected.append(
            (number, f"service columns out of place (column {start + 1}, not {expected + 1})")
        )
        return None
    first_flag = 0 if flags_shifted_left else 1
    flag_cells = (cells[first_flag:start] + [""] * flag_count)[:flag_count]
    tail = cells[start:]
    if layout.has_provider:
        provider, tail = tail[0] or None, tail[1:]
    else:
        provider = None
    tail = tail + [""] * (4 + len(layout.routes))
    name, description, area_text, age_text = tail[0], tail[1], tail[2], tail[3]
    if not name:
        report.rejected.append((number, "no service name"))
        return None
    if level_cell:
        level = level_cell
    elif carried_level:
        level = carried_level  # the usual case: carried down silently
    else:
        report.rejected.append((number, f"“{name}”: no level of need above it"))
        return None
    order = level_order(level)
    if order == UNKNOWN_LEVEL_ORDER:
        report.warnings.append((number, f"“{name}”: unknown level of need “{level}”"))
    min_age, max_age, age_understood = parse_age(age_text)
    if not age_understood:
        report.warnings.append((number, f"“{name}”: age “{age_text}” not understood (no ages)"))
    city, county, rutland, area_understood = parse_area(area_text)
    if not area_text:
        report.warnings.append((number, f"“{name}”: no area"))
    elif not area_understood:
        report.warnings.append((number, f"“{name}”: area “{area_text}” is not a known area"))
    routes = [
        {"route": route, "detail": detail}
        for route, detail in zip(layout.routes, tail[4 : 4 + len(layout.routes)], strict=True)
        if detail
    ]
    extra = [cell for cell in tail[4 + len(layout.routes) :] if cell]
    if extra:
        report.warnings.append((number, f"“{name}”: cells beyond the last column ignored"))
    if repairs:
        report.repaired.append((number, f"“{name}”: " + "; ".join(repairs)))
    return ParsedService(
        table=table,
        level_of_need=level,
        level_order=order,
        name=name[:250],
        provider=provider,
        description=description,
        area_text=area_text[:120],
        covers_city=city,
        covers_county=county,
        covers_rutland=rutland,
        age_text=age_text[:120],
        min_age=min_age,
        max_age=max_age,
        concerns=[
            concern
            for concern, cell in zip(layout.concerns, flag_cells, strict=True)
            if _is_mark(cell)
        ],
        referral_routes=routes,
        source_line=number,
    )
