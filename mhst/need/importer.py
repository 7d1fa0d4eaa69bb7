"""Importing school-level indicators of need: the checks that need the database, then
the writing, in the caller's one unit of work (this module never commits).

:func:`resolve` checks the rows :mod:`mhst.need.import_file` read against the register
(every URN a school on it) and the lookup tables (the decile found from the LSOA, else
from the postcode's LSOA; a decile given that disagrees with its LSOA's is a problem).
:func:`import_need` replaces each named school's row: an import is the latest figures.
Queries do not grow row by row (one per :data:`CHUNK` keys looked up).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, insert, select

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.need.import_file import COLUMNS, NeedRow, Problem
from mhst.need.models import LsoaDeprivation, PostcodeLsoa, SchoolNeed
from mhst.schools.models import School

CHUNK = 500  # keys per IN list: within any SQLite build's bound parameters
SOURCE_MAX = 200
LABELS = {column.key: column.label for column in COLUMNS}


@dataclass(frozen=True)
class Resolved:
    """A row ready to write: its school and the decile it ends with."""

    school_id: int
    row: NeedRow


@dataclass(frozen=True)
class ImportResult:
    added: int
    replaced: int


def _chunks(keys: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), CHUNK):
        yield keys[start : start + CHUNK]


def _lookup(column_key, column_value, keys: Iterable[str]) -> dict:
    found: dict = {}
    for chunk in _chunks(sorted(set(keys))):
        found.update(
            db.session.execute(select(column_key, column_value).where(column_key.in_(chunk))).all()
        )
    return found


def _school_ids(urns: list[str]) -> dict[str, int]:
    return _lookup(School.urn, School.id, urns)


def _deciles(lsoa_codes: Iterable[str]) -> dict[str, int]:
    return _lookup(LsoaDeprivation.lsoa_code, LsoaDeprivation.imd_decile, lsoa_codes)


def _lsoas(postcodes: Iterable[str]) -> dict[str, str]:
    return _lookup(PostcodeLsoa.postcode, PostcodeLsoa.lsoa_code, postcodes)


def _area(row: NeedRow, deciles: dict[str, int], lsoas: dict[str, str]):
    """(lsoa code, decile, [(column key, message)]) for one row."""
    lsoa, via = row.lsoa_code, "lsoa_code"
    if lsoa is None and row.postcode is not None:
        lsoa, via = lsoas.get(row.postcode), "postcode"
        if lsoa is None and row.imd_decile is None:
            return (
                None,
                None,
                [("postcode", f"Postcode {row.postcode} is not in the postcode lookup")],
            )
    if lsoa is None:
        return None, row.imd_decile, []
    found = deciles.get(lsoa)
    if found is None:
        if row.imd_decile is not None:
            return lsoa, row.imd_decile, []  # the decile is given; the LSOA cannot check it
        where = f"LSOA {lsoa}" + (f" (postcode {row.postcode})" if via == "postcode" else "")
        return None, None, [(via, f"{where} is not in the deprivation lookup")]
    if row.imd_decile is not None and row.imd_decile != found:
        where = f"LSOA {lsoa}" + (f" (postcode {row.postcode})" if via == "postcode" else "")
        return (
            None,
            None,
            [
                (
                    "imd_decile",
                    f"The IMD decile {row.imd_decile} disagrees with {where}, "
                    f"whose decile is {found}",
                )
            ],
        )
    return lsoa, found, []


def resolve(rows: list[NeedRow], headers: dict[str, str]) -> tuple[list[Resolved], list[Problem]]:
    """Every row against the register and the lookups: what to write, or every problem
    (``headers``: the file's name of each column, for the report)."""
    ids = _school_ids([row.urn for row in rows])
    lsoas = _lsoas(row.postcode for row in rows if row.postcode and not row.lsoa_code)
    deciles = _deciles([row.lsoa_code for row in rows if row.lsoa_code] + list(lsoas.values()))
    resolved: list[Resolved] = []
    problems: list[Problem] = []
    for row in rows:
        found: list[tuple[str, str]] = []
        if row.urn not in ids:
            found.append(("urn", f"No school with URN {row.urn} is on the register"))
        lsoa, decile, area_problems = _area(row, deciles, lsoas)
        found.extend(area_problems)
        problems.extend(
            Problem(message, row=row.row, urn=row.urn, column=headers.get(key, LABELS[key]))
            for key, message in found
        )
        if not found:
            resolved.append(Resolved(ids[row.urn], replace(row, lsoa_code=lsoa, imd_decile=decile)))
    return (resolved if not problems else []), problems


def _values(item: Resolved, *, source: str, by_id: int, now) -> dict[str, Any]:
    row = item.row
    return {
        "school_id": item.school_id,
        "fsm_percent": row.fsm_percent,
        "imd_decile": row.imd_decile,
        "lsoa_code": row.lsoa_code,
        "postcode": row.postcode,
        "survey_name": row.survey_name,
        "survey_year": row.survey_year,
        "belonging_low_percent": row.belonging_low_percent,
        "low_wellbeing_percent": row.low_wellbeing_percent,
        "source": source[:SOURCE_MAX],
        "updated_at": now,
        "updated_by_id": by_id,
    }


def import_need(rows: list[Resolved], *, source: str, by) -> ImportResult:
    """Replace the named schools' indicators with the file's (a blank cell clears the
    figure: the file is the latest publication), keeping who imported them, when and from
    which file; audit each school's row. Does not commit."""
    school_ids = [item.school_id for item in rows]
    existing: set[int] = set()
    for chunk in _chunks([str(i) for i in school_ids]):
        ids = [int(i) for i in chunk]
        existing.update(
            db.session.scalars(select(SchoolNeed.school_id).where(SchoolNeed.school_id.in_(ids)))
        )
        db.session.execute(delete(SchoolNeed).where(SchoolNeed.school_id.in_(ids)))
    now = utcnow()
    values = [_values(item, source=source, by_id=by.id, now=now) for item in rows]
    if values:
        # A Core INSERT of the table, one executemany: the ORM's bulk insert sent a
        # statement per row here (24,000 statements for a national file).
        db.session.execute(insert(SchoolNeed.__table__), values)
    db.session.expire_all()
    audit.record_many(
        AuditRecordType.SCHOOL_NEED,
        [
            (AuditAction.UPDATE if school_id in existing else AuditAction.CREATE, school_id)
            for school_id in school_ids
        ],
        user=by,
    )
    return ImportResult(added=len(school_ids) - len(existing), replaced=len(existing))
