"""Rules of the signposting directory: the idempotent import, searches and editing.

Re-import and administrators' edits: the file is the source of truth. Re-running the
import overwrites the fields of a service it lists (matched by table, level of need, name
and area), including fields an administrator edited; ``edited_by_admin`` is then cleared
and the edit page warns about it. Services no longer in the file are kept and counted as
"not in the file" in the report (an administrator can still see and edit them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, or_, select, true

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.directory.importer import ParsedService, ParseReport, level_order, parse_directory
from mhst.directory.models import (
    Concern,
    DirectoryService,
    DirectoryServiceConcern,
    DirectoryTable,
)
from mhst.extensions import db

FIELDS = (
    "level_order",
    "provider",
    "description",
    "covers_city",
    "covers_county",
    "covers_rutland",
    "age_text",
    "min_age",
    "max_age",
    "referral_routes",
    "source_line",
)

AREAS = {"city": "covers_city", "county": "covers_county", "rutland": "covers_rutland"}
AREA_LABELS = {"city": "Leicester City", "county": "Leicestershire", "rutland": "Rutland"}
MAX_AGE = 120


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    not_in_file: list[str] = field(default_factory=list)
    report: ParseReport = field(default_factory=ParseReport)

    def summary_lines(self) -> list[str]:
        lines = [
            f"Added: {len(self.added)}",
            f"Updated: {len(self.updated)}",
            f"Unchanged: {self.unchanged}",
        ]
        sections = (
            ("Repaired rows", self.report.repaired),
            ("Rows not imported", self.report.rejected),
            ("Lines skipped (not service rows)", self.report.skipped),
            ("Imported with warnings", self.report.warnings),
        )
        for title, entries in sections:
            lines.append(f"{title}: {len(entries)}")
            lines.extend(f"  line {number}: {message}" for number, message in entries)
        if self.not_in_file:
            lines.append(f"In the directory but not in the file (kept): {len(self.not_in_file)}")
            lines.extend(f"  {name}" for name in self.not_in_file)
        return lines


def import_directory(text: str, *, actor: str = "flask import-directory") -> ImportResult:
    """Add or update every service of ``text``; the caller commits (one transaction)."""
    parsed, report = parse_directory(text)
    result = ImportResult(report=report)
    existing = {
        (service.table_kind.value, service.level_of_need, service.name, service.area_text): service
        for service in db.session.scalars(select(DirectoryService))
    }
    seen: set[tuple[str, str, str, str]] = set()
    for row in parsed:
        if row.key in seen:
            report.rejected.append(
                (row.source_line, f"“{row.name}”: listed twice (same level and area)")
            )
            continue
        seen.add(row.key)
        service = existing.get(row.key)
        if service is None:
            service = DirectoryService(
                table_kind=row.table,
                level_of_need=row.level_of_need,
                name=row.name,
                area_text=row.area_text,
            )
            _apply(service, row)
            db.session.add(service)
            db.session.flush()
            record(AuditAction.CREATE, AuditRecordType.DIRECTORY_SERVICE, service.id, actor=actor)
            result.added.append(row.name)
        elif _differs(service, row):
            _apply(service, row)
            service.edited_by_admin = False
            service.updated_by = None
            service.updated_at = utcnow()
            record(
                AuditAction.UPDATE,
                AuditRecordType.DIRECTORY_SERVICE,
                service.id,
                actor=actor,
                detail="re-imported from the directory file",
            )
            result.updated.append(row.name)
        else:
            result.unchanged += 1
    result.not_in_file = sorted(
        service.name for key, service in existing.items() if key not in seen
    )
    db.session.flush()
    return result


def _differs(service: DirectoryService, row: ParsedService) -> bool:
    if any(getattr(service, name) != getattr(row, name) for name in FIELDS):
        return True
    return set(service.concerns) != set(row.concerns)


def _apply(service: DirectoryService, row: ParsedService) -> None:
    for name in FIELDS:
        setattr(service, name, getattr(row, name))
    _set_concerns(service, row.concerns)


def _set_concerns(service: DirectoryService, concerns) -> None:
    wanted = set(concerns)
    service.concern_links = [link for link in service.concern_links if link.concern in wanted]
    have = {link.concern for link in service.concern_links}
    for concern in Concern:
        if concern in wanted and concern not in have:
            service.concern_links.append(DirectoryServiceConcern(concern=concern))


# ---- searching ------------------------------------------------------------------

_WHOLE_NUMBER = re.compile(r"[0-9]{1,3}")


def typed_age(raw: str, maximum: int) -> int | None:
    """An age typed in a search (ASCII digits, 0 to ``maximum``), or None if it is not
    one: "²" and "١٢" are digits to ``str.isdigit`` but not ages."""
    if _WHOLE_NUMBER.fullmatch(raw) and int(raw) <= maximum:
        return int(raw)
    return None


def levels() -> list[str]:
    """The levels of need in the directory, urgent first."""
    rows = db.session.execute(
        select(DirectoryService.level_of_need, func.min(DirectoryService.level_order))
        .group_by(DirectoryService.level_of_need)
        .order_by(func.min(DirectoryService.level_order), DirectoryService.level_of_need)
    )
    return [level for level, _ in rows]


def _fits_age(age: int):
    return and_(
        or_(DirectoryService.min_age.is_(None), DirectoryService.min_age <= age),
        or_(DirectoryService.max_age.is_(None), DirectoryService.max_age >= age),
        # a service with no ages at all ("Parents/carers") fits no particular age
        or_(DirectoryService.min_age.is_not(None), DirectoryService.max_age.is_not(None)),
    )


def _has_concern(concern: Concern):
    return exists().where(
        DirectoryServiceConcern.service_id == DirectoryService.id,
        DirectoryServiceConcern.concern == concern,
    )


# Urgent first, then by level of need and name: the order of every search (the keys of
# a keyset page, mhst.core.keyset, none of them NULL).
SEARCH_ORDER = (
    DirectoryService.level_order,
    DirectoryService.level_of_need,
    DirectoryService.name,
    DirectoryService.id,
)


def services_query(
    *,
    text: str | None = None,
    level: str | None = None,
    concern: Concern | None = None,
    area: str | None = None,
    age: int | None = None,
    table: DirectoryTable | None = None,
):
    """The statement selecting the services matching every filter given (not ordered:
    ``SEARCH_ORDER`` is the order; the public page pages through it by keyset)."""
    stmt = select(DirectoryService)
    if text:
        pattern = f"%{text.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(DirectoryService.name).like(pattern),
                func.lower(DirectoryService.description).like(pattern),
            )
        )
    if level:
        stmt = stmt.where(DirectoryService.level_of_need == level)
    if concern is not None:
        stmt = stmt.where(_has_concern(concern))
    if area:
        stmt = stmt.where(getattr(DirectoryService, AREAS[area]) == true())
    if age is not None:
        stmt = stmt.where(_fits_age(age))
    if table is not None:
        stmt = stmt.where(DirectoryService.table_kind == table)
    return stmt


def search_services(**criteria) -> list[DirectoryService]:
    """Services matching every filter given (see ``services_query``), urgent first then
    by name (one query)."""
    return list(db.session.scalars(services_query(**criteria).order_by(*SEARCH_ORDER)))


def propose_services(
    *, age: int, area: str | None, concerns: list[Concern] | tuple[Concern, ...] = ()
) -> list[DirectoryService]:
    """Services fitting a young person: their age, their area (``city``/``county``/
    ``rutland``, or None for any) and at least one of their concerns (any when none given).

    The children's table is used under 18, the adult table from 18 (plus children's
    services whose ages still fit, such as those up to 25). Most specific first: more of
    the concerns matched, then fewer concerns overall (a specialist service), then fewer
    areas covered, then the narrowest age range, then urgent first and by name.
    """
    stmt = select(DirectoryService).where(_fits_age(age))
    if age < 18:
        stmt = stmt.where(DirectoryService.table_kind == DirectoryTable.CHILDREN)
    if area:
        stmt = stmt.where(getattr(DirectoryService, AREAS[area]) == true())
    wanted = set(concerns)
    if wanted:
        stmt = stmt.where(or_(*(_has_concern(concern) for concern in wanted)))
    services = list(db.session.scalars(stmt))

    def specificity(service: DirectoryService):
        own = set(service.concerns)
        areas = len(service.areas) or 4
        low = service.min_age or 0
        high = service.max_age if service.max_age is not None else MAX_AGE
        return (
            -len(own & wanted),
            len(own) or len(Concern),
            areas,
            high - low,
            service.level_order,
            service.name,
            service.id,
        )

    return sorted(services, key=specificity)


# ---- editing ------------------------------------------------------------------------


def update_service(
    service: DirectoryService,
    *,
    user,
    level_of_need: str,
    name: str,
    provider: str | None,
    description: str,
    area_text: str,
    areas: list[str],
    age_text: str,
    min_age: int | None,
    max_age: int | None,
    concerns: list[Concern],
) -> DirectoryService:
    """An administrator's edit. Raises RuleError when a rule is broken."""
    if min_age is not None and not 0 <= min_age <= MAX_AGE:
        raise RuleError("min_age", f"Minimum age must be between 0 and {MAX_AGE}")
    if max_age is not None and not 0 <= max_age <= MAX_AGE:
        raise RuleError("max_age", f"Maximum age must be between 0 and {MAX_AGE}")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise RuleError("max_age", "Maximum age must be the same as or more than the minimum age")
    unknown = set(areas) - set(AREAS)
    if unknown:
        raise RuleError("areas", "Select areas from the list")
    clash = db.session.scalar(
        select(DirectoryService.id).where(
            DirectoryService.id != service.id,
            DirectoryService.table_kind == service.table_kind,
            DirectoryService.level_of_need == level_of_need,
            DirectoryService.name == name,
            DirectoryService.area_text == area_text,
        )
    )
    if clash is not None:
        raise RuleError(
            "name", "Another service has this name, level of need and area; change one of them"
        )
    before = _snapshot(service)
    service.level_of_need = level_of_need
    service.level_order = level_order(level_of_need)
    service.name = name
    service.provider = provider or None
    service.description = description
    service.area_text = area_text
    for key, column in AREAS.items():
        setattr(service, column, key in areas)
    service.age_text = age_text
    service.min_age = min_age
    service.max_age = max_age
    _set_concerns(service, concerns)
    after = _snapshot(service)
    changed = sorted(key for key in after if after[key] != before[key])
    if changed:
        service.edited_by_admin = True
        service.updated_by = user
        service.updated_at = utcnow()
        record(
            AuditAction.UPDATE,
            AuditRecordType.DIRECTORY_SERVICE,
            service.id,
            user=user,
            detail="changed: " + ", ".join(changed),
        )
    db.session.flush()
    return service


def _snapshot(service: DirectoryService) -> dict:
    return {
        "level_of_need": service.level_of_need,
        "name": service.name,
        "provider": service.provider,
        "description": service.description,
        "area": (
            service.area_text,
            service.covers_city,
            service.covers_county,
            service.covers_rutland,
        ),
        "age": (service.age_text, service.min_age, service.max_age),
        "concerns": tuple(service.concerns),
    }


__all__ = [
    "AREAS",
    "AREA_LABELS",
    "SEARCH_ORDER",
    "ImportResult",
    "import_directory",
    "levels",
    "propose_services",
    "search_services",
    "services_query",
    "typed_age",
    "update_service",
]
