"""The subject access export: everything held about one child, as a printable document
and as JSON, from the rows :func:`mhst.privacy.graph.collect` finds.

Every table the walk reaches is in the export, column by column, so a new table about a
child appears without a change here. Records outside the child's (staff, schools,
services, groups) are named, not copied. The audit log's entries about the child's records
are included without the staff member's network address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, select

from mhst.audit.models import AuditAction
from mhst.audit.operations import record_mixed
from mhst.extensions import db
from mhst.privacy import describe
from mhst.privacy.graph import AUDITED_AS, ChildRecords

# The column that names a row of a table outside the child's record.
NAMED_BY: dict[str, str] = {
    "user_account": "full_name",
    "school": "name",
    "team": "name",
    "directory_service": "name",
    "group_programme": "title",
    "group_session": "held_on",
    "supervision_record": "held_on",
}
AUDIT_COLUMNS = ("occurred_at", "actor", "action", "record_type", "record_id", "detail")
WIDE = 5  # a table with more columns than this shows each row as a summary list


def _outside(records: ChildRecords) -> dict[str, set]:
    """Ids of rows outside the child's record that the record points at, by table."""
    walked = {table.name for table in records.tables}
    wanted: dict[str, set] = {}
    for table in records.tables:
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target in walked or target not in NAMED_BY:
                continue
            values = {row[fk.parent.name] for row in records.of(table.name)} - {None}
            wanted.setdefault(target, set()).update(values)
    return wanted


def names(records: ChildRecords) -> dict[str, dict]:
    """The names of the staff, schools, services and groups the record points at, by
    table and id (a query per table named)."""
    found: dict[str, dict] = {}
    for table_name, ids in _outside(records).items():
        if not ids:
            continue
        table = db.metadata.tables[table_name]
        column = table.c[NAMED_BY[table_name]]
        rows = db.session.execute(select(table.c.id, column).where(table.c.id.in_(sorted(ids))))
        found[table_name] = {row[0]: row[1] for row in rows}
    return found


def as_json(records: ChildRecords, named: dict[str, dict], *, at: datetime, by) -> dict:
    """The JSON export: each table's rows as stored, the names of what they point at, and
    the audit log's entries about them."""
    value = describe.as_json
    return {
        "about": "Everything MHST Case Manager holds about one child (a subject access "
        "export): each table's rows as stored, column by column.",
        "exported_at": at.isoformat(),
        "exported_by": by.full_name,
        "records": {
            name: [{column: value(v) for column, v in row.items()} for row in rows.values()]
            for name, rows in records.rows.items()
            if rows
        },
        "named": {
            table: {str(i): value(label) for i, label in labels.items()}
            for table, labels in named.items()
        },
        "audit_log": [
            {column: value(event[column]) for column in AUDIT_COLUMNS}
            for event in records.audit_events
        ],
    }


@dataclass
class Section:
    """One table of the record in the printable document."""

    table: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]  # (the row's heading, a text per column)

    @property
    def wide(self) -> bool:
        return len(self.columns) > WIDE


def _reference(table_name: str, value: object) -> str:
    if table_name == "referral":
        return f"R{value:06d}"
    return f"{describe.noun(table_name)} {value}"


def _cell(table: Table, column_name: str, value: object, named: dict, walked: set) -> str:
    column = table.c[column_name]
    if value is not None and column.foreign_keys:
        target = next(iter(column.foreign_keys)).column.table.name
        if target in walked:
            return _reference(target, value)
        if value in named.get(target, {}):
            return describe.as_text(named[target][value])
    return describe.as_text(value)


def _heading(table: Table, row: dict, named: dict, walked: set) -> str:
    keys = [column.name for column in table.primary_key.columns]
    if keys == ["id"]:
        text = _reference(table.name, row["id"])
        return text[0].upper() + text[1:] if table.name != "referral" else f"Referral {text}"
    return ", ".join(_cell(table, k, row[k], named, walked) for k in keys)


def sections(records: ChildRecords, named: dict[str, dict]) -> list[Section]:
    """The printable document's sections: a table of the record per section, the child's
    own details first."""
    walked = {table.name for table in records.tables}
    found = []
    for table in records.tables:
        rows = records.of(table.name)
        if not rows:
            continue
        # The id is in each row's heading already.
        columns = [c.name for c in table.columns if not (c.primary_key and c.name == "id")]
        found.append(
            Section(
                table=table.name,
                title=describe.title(table.name),
                columns=[describe.column_label(name) for name in columns],
                rows=[
                    (
                        _heading(table, row, named, walked),
                        [_cell(table, name, row[name], named, walked) for name in columns],
                    )
                    for row in rows
                ],
            )
        )
    return found


def audit_export(records: ChildRecords, *, by) -> None:
    """An export event in the audit log for each record of the child exported."""
    record_mixed(
        [
            (AuditAction.EXPORT, record_type, record_id)
            for table_name, record_type in AUDITED_AS.items()
            for record_id in sorted(records.ids(table_name))
        ],
        user=by,
    )
