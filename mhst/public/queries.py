"""The searches behind the public pages: the schools taking part and the children's
part of the signposting directory. Each page is one keyset page (mhst.core.keyset) and a
fixed number of other queries, whatever the page or the search."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mhst.core import keyset
from mhst.directory import operations as directory
from mhst.directory.importer import LAYOUTS
from mhst.directory.models import DirectoryService, DirectoryTable
from mhst.extensions import db
from mhst.organisation.models import ServiceArea
from mhst.schools.models import School, SchoolPhase
from mhst.schools.name_search import ACTIVE, active_schools_named

SEARCH_MAX = 100  # characters of a typed search kept; the rest is ignored
MAX_AGE = 25  # the children's table serves young people up to 25
URGENT_LEVEL = 1  # level_order of "Urgent/crisis intervention" (mhst.directory.importer)
URGENT_SHOWN = 20
A_TO_Z = [keyset.Key(School.name), keyset.Key(School.id)]
SUPPORT_ORDER = [keyset.Key(expression) for expression in directory.SEARCH_ORDER]
CHILDREN_CONCERNS = LAYOUTS[DirectoryTable.CHILDREN].concerns


@dataclass
class Search:
    """What was typed or chosen (as typed, to show again), and what was wrong with it."""

    values: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def args(self) -> dict[str, str]:
        """The search as link arguments (pagination keeps it)."""
        return {name: value for name, value in self.values.items() if value}


def read_search(args: Mapping[str, str], names: tuple[str, ...]) -> Search:
    return Search({name: (args.get(name) or "").strip()[:SEARCH_MAX] for name in names})


def _choose(search: Search, name: str, allowed: Mapping[str, object], message: str):
    """The allowed value chosen for ``name`` (None for any), or an error."""
    value = search.values[name]
    if not value:
        return None
    if value in allowed:
        return allowed[value]
    search.errors.append((name, message))
    return None


# ---- schools ------------------------------------------------------------------------


def areas() -> list[ServiceArea]:
    return list(db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)))


def schools_page(search: Search, area_list: list[ServiceArea], args: Mapping[str, str]):
    """The page of active schools matching the search, A to Z (None if it is wrong)."""
    q = search.values["q"]
    stmt = active_schools_named(q) if q else select(School).where(ACTIVE)
    area = _choose(
        search, "area", {str(a.id): a.id for a in area_list}, "Select an area from the list"
    )
    if area is not None:
        stmt = stmt.where(School.area_id == area)
    phase = _choose(
        search, "phase", {p.value: p for p in SchoolPhase}, "Select a type of school from the list"
    )
    if phase is not None:
        stmt = stmt.where(School.phase == phase)
    if search.errors:
        return None
    return keyset.paginate(
        stmt, A_TO_Z, args, options=[joinedload(School.area), joinedload(School.team)]
    )


# ---- local support ------------------------------------------------------------------


def support_criteria(search: Search) -> dict:
    """The directory search a family's answers ask for (always the children's table)."""
    criteria: dict = {"table": DirectoryTable.CHILDREN}
    concern = _choose(
        search,
        "concern",
        {c.value: c for c in CHILDREN_CONCERNS},
        "Select what the support is for from the list",
    )
    if concern is not None:
        criteria["concern"] = concern
    area = _choose(
        search, "area", {key: key for key in directory.AREAS}, "Select an area from the list"
    )
    if area is not None:
        criteria["area"] = area
    if search.values["age"]:
        age = directory.typed_age(search.values["age"], MAX_AGE)
        if age is not None:
            criteria["age"] = age
        else:
            search.errors.append(
                ("age", f"Age must be a whole number from 0 to {MAX_AGE}, like 14")
            )
    return criteria


def urgent_services(area: str | None) -> list[DirectoryService]:
    """The directory's urgent and crisis services for children (in the area, if one is
    chosen): shown first on every search, whatever else was asked."""
    stmt = directory.services_query(table=DirectoryTable.CHILDREN, area=area).where(
        DirectoryService.level_order == URGENT_LEVEL
    )
    return list(db.session.scalars(stmt.order_by(*directory.SEARCH_ORDER).limit(URGENT_SHOWN)))


def support_page(criteria: dict, args: Mapping[str, str]):
    """The page of the other (not urgent) services matching the search, by level of need."""
    stmt = directory.services_query(**criteria).where(DirectoryService.level_order != URGENT_LEVEL)
    return keyset.paginate(stmt, SUPPORT_ORDER, args)


def concern_options() -> list[tuple[str, str]]:
    return [(concern.value, concern.label) for concern in CHILDREN_CONCERNS]
