"""Importing schools from a CSV file, such as an extract of the national schools register
(Get Information about Schools, GIAS).

Reading the file is pure and lives in :mod:`mhst.schools.import_file`: every row is
checked and every problem reported, so nothing is written unless the whole file is good.
:func:`import_schools` then creates new schools and updates existing ones by URN with
the school form's rules (:func:`mhst.schools.operations.checked_school_details`), in the
caller's one unit of work and in a number of queries that does not grow row by row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from mhst.accounts.models import User
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from mhst.schools import operations
from mhst.schools.import_file import ImportRow
from mhst.schools.models import School

# URNs looked up per query when loading the schools a file names: it keeps each IN list
# within the bound parameters any SQLite build allows (999 in older ones).
LOAD_CHUNK = 500


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


def _chunks(urns: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(urns), LOAD_CHUNK):
        yield urns[start : start + LOAD_CHUNK]


def _existing_by_urn(urns: list[str]) -> dict[str, School]:
    """The schools already on the register with these URNs, in one query per chunk."""
    found: dict[str, School] = {}
    for chunk in _chunks(urns):
        stmt = (
            select(School)
            .where(School.urn.in_(chunk))
            .options(db.joinedload(School.area), db.joinedload(School.team))
        )
        for school in db.session.scalars(stmt):
            found[school.urn] = school
    return found


def _ids_by_urn(urns: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(urns):
        stmt = select(School.urn, School.id).where(School.urn.in_(chunk))
        ids.update((urn, id_) for urn, id_ in db.session.execute(stmt))
    return ids


def _new_school_row(details: dict[str, Any]) -> dict[str, Any]:
    """A new school's column values, from :func:`operations.checked_school_details`."""
    row = {key: value for key, value in details.items() if key not in ("area", "team")}
    team = details["team"]
    return {
        **row,
        "area_id": details["area"].id,
        "team_id": team.id if team is not None else None,
        "participation_status": operations.NEW_SCHOOL_STATUS,
    }


CHANGED_COLUMNS = (
    "name",
    "phase",
    "area_id",
    "local_authority",
    "pupils_on_roll",
    "team_id",
    "contact_email",
)


def _changed_school_row(school: School, details: dict[str, Any]) -> dict[str, Any]:
    """An existing school's new values, as parameters of :func:`_update_changed`."""
    values = {
        "name": details["name"],
        "phase": details["phase"],
        "area_id": details["area"].id,
        "local_authority": details["local_authority"],
        "pupils_on_roll": details["pupils_on_roll"],
        "team_id": details["team"].id if details["team"] else None,
        "contact_email": details["contact_email"],
    }
    return {"school_id": school.id, **{f"new_{key}": value for key, value in values.items()}}


def _update_changed(changed: list[dict[str, Any]]) -> None:
    """One batched UPDATE (executemany) of the changed schools. A flush would update
    versioned rows one at a time; each version moves on here too, so a form opened
    before the import is refused as stale."""
    table = School.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("school_id"))
        .values(
            {table.c[name]: bindparam(f"new_{name}") for name in CHANGED_COLUMNS}
            | {table.c.version: table.c.version + 1}
        ),
        changed,
    )
    db.session.expire_all()


def _values_for(
    row: ImportRow, school: School | None, *, area: ServiceArea, team: Team | None
) -> dict[str, Any]:
    """What the school will hold: a new one the row's values in ``area``; an existing one
    keeps its area, and its team, local authority and pupils where the file says nothing."""
    if school is None:
        return {
            "name": row.name,
            "phase": row.phase,
            "area": area,
            "local_authority": row.local_authority,
            "pupils_on_roll": row.pupils_on_roll,
            "team": team,
            "contact_email": row.contact_email,
        }
    return {
        "name": row.name,
        "phase": row.phase,
        "area": school.area,
        "local_authority": row.local_authority or school.local_authority,
        "pupils_on_roll": (
            school.pupils_on_roll if row.pupils_on_roll is None else row.pupils_on_roll
        ),
        "team": team or school.team,
        "contact_email": row.contact_email or school.contact_email,
    }


def import_schools(
    rows: list[ImportRow], *, area: ServiceArea, team: Team | None, by: User
) -> ImportResult:
    """Add the new schools (not participating, in ``area``) and update the others by URN.

    Existing schools keep their area; they keep their team unless ``team`` is given, and
    keep their local authority and pupils on roll where the file's cell is blank. A school
    the file does not change is left alone (and not audited). Does not commit.

    Each school gets the school form's rules (:func:`operations.checked_school_details`),
    but the writing is done a file at a time, not a row at a time: the schools the file
    names are loaded together, every row is checked and placed in memory, then the
    changed schools are flushed, the new ones inserted and their ids read back, and one
    audit event per added or changed school inserted, each in batched statements. So the
    number of queries does not grow with the rows (beyond one per :data:`LOAD_CHUNK`
    URNs), and the largest file stays well inside a request's time. The new schools are
    not objects in the session: query for them (a commit expires the session anyway).
    """
    existing = _existing_by_urn([row.urn for row in rows])
    first_row_of_urn: dict[str, int] = {}
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    written: list[tuple[AuditAction, str]] = []  # what happened to each URN, in file order
    unchanged = 0
    # Nothing is written until every row has been checked: no lazy loads, no autoflush.
    with db.session.no_autoflush:
        for row in rows:
            if row.urn in first_row_of_urn:  # the file's check stops this; kept as a guard
                raise RuleError(
                    "file",
                    f"Row {row.row}: URN {row.urn} is also on row {first_row_of_urn[row.urn]}; "
                    "keep one of them",
                )
            first_row_of_urn[row.urn] = row.row
            school = existing.get(row.urn)
            values = _values_for(row, school, area=area, team=team)
            if school is not None and all(
                getattr(school, key) == value for key, value in values.items()
            ):
                unchanged += 1
                continue
            try:
                details = operations.checked_school_details(
                    school, urn=row.urn, holder_of=existing.get, **values
                )
            except RuleError as error:
                raise RuleError("file", f"Row {row.row}: {error.message}") from error
            if school is None:
                new_rows.append(_new_school_row(details))
                written.append((AuditAction.CREATE, row.urn))
            else:
                changed.append(_changed_school_row(school, details))
                written.append((AuditAction.UPDATE, row.urn))
    ids = {urn: school.id for urn, school in existing.items()}  # before they are expired
    if changed:
        _update_changed(changed)
    if new_rows:
        # Inserted as rows, not objects: a flush would insert objects one at a time on
        # SQLite, which cannot return the ids of a batch in order.
        db.session.execute(insert(School), new_rows)
        ids.update(_ids_by_urn([new["urn"] for new in new_rows]))
    audit.record_many(
        AuditRecordType.SCHOOL, [(action, ids[urn]) for action, urn in written], user=by
    )
    return ImportResult(
        added=len(new_rows), updated=len(written) - len(new_rows), unchanged=unchanged
    )
