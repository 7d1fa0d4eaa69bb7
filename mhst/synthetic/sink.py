"""Bulk loading: rows buffered per table and written in dependency order, by COPY on
PostgreSQL and executemany on SQLite. Ids are the generator's, so sequences are set
afterwards; progress and rows per second are printed per table."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, text

from mhst.extensions import db

# Every table the generator fills, parents before children (the foreign keys hold at
# every COPY), with the columns in the order the generator gives them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "service_area": ("id", "name"),
    "team": ("id", "name", "area_id"),
    "cohort": ("id", "name", "academic_year", "go_live_date"),
    "cohort_team": ("cohort_id", "team_id"),
    "school": (
        "id", "name", "urn", "area_id", "team_id", "phase", "local_authority",
        "pupils_on_roll", "cohort_id", "participation_status", "version",
    ),
    "user_account": (
        "id", "email", "full_name", "password_hash", "role", "team_id", "school_id", "active",
        "session_version", "created_at", "last_signed_in_at", "must_change_password",
        "awaiting_first_approval", "failed_sign_ins", "totp_secret_encrypted",
        "mfa_enrolled_at",
    ),
    "school_lead_assignment": ("id", "school_id", "user_id", "kind", "started_at"),
    "school_onboarding": (
        "school_id", "lead_capacity_confirmed", "involves_children_and_families",
        "supports_evaluation", "accommodation_available", "safeguarding_aligned",
        "welcome_pack_sent_on", "updated_at", "updated_by_id",
    ),
    "participation_event": (
        "id", "school_id", "from_status", "to_status", "occurred_at", "by_user_id", "reason",
    ),
    "interest_registration": (
        "id", "school_name", "urn", "area_id", "contact_name", "contact_role", "contact_email",
        "pupils_on_roll", "submitted_at", "status", "reviewed_at", "reviewed_by_id", "school_id",
    ),
    "whole_school_activity": (
        "id", "school_id", "kind", "held_on", "theme", "delivered_by", "attendance",
        "recorded_by_id", "recorded_at",
    ),
    "activity_principle": ("activity_id", "principle"),
    "child": (
        "id", "given_name", "family_name", "date_of_birth", "gender", "ethnicity", "nhs_number",
        "year_group", "school_id", "parent_carer_name", "parent_carer_relationship",
        "parent_carer_phone", "created_at", "name_key", "version",
    ),
    "referral": (
        "id", "child_id", "school_id", "source", "referrer_name", "received_on", "submitted_at",
        "submitted_by_id", "in_education", "duration", "impact", "needs_detail",
        "already_tried", "risk_detail", "discussed_with_team", "child_agrees", "eligible",
        "ineligible_reason", "high_risk", "risk_reviewed_at", "risk_reviewed_by_id",
        "risk_review_notes", "status", "status_changed_at", "accepted_on", "closed_on",
    ),
    "referral_need": ("referral_id", "need"),
    "referral_risk": ("referral_id", "risk"),
    "referral_event": (
        "id", "referral_id", "from_status", "to_status", "occurred_at", "by_user_id", "reason",
    ),
    "referral_signpost": ("id", "referral_id", "event_id", "service_id"),
    "consent": (
        "id", "referral_id", "kind", "given_by_name", "relationship_to_child", "given_on",
        "method", "recorded_at", "recorded_by_id", "withdrawn_at", "withdrawn_by_id",
        "withdrawal_reason",
    ),
    "allocation": (
        "id", "referral_id", "practitioner_id", "allocated_at", "allocated_by_id", "ended_at",
        "end_reason",
    ),
    "care_contact": (
        "id", "referral_id", "practitioner_id", "starts_at", "duration_minutes", "stage", "mode",
        "location", "pathway", "attendance", "who_attended", "clinical_notes",
        "cancellation_reason", "created_at", "created_by_id", "version",
        "outcome_recorded_by_id", "outcome_recorded_at",
    ),
    "measure_record": (
        "id", "referral_id", "measure_code", "completed_on", "respondent", "care_contact_id",
        "by_item", "recorded_at", "recorded_by_id", "online",
    ),
    "measure_answer": ("record_id", "item_number", "value", "item_text"),
    "measure_score": ("record_id", "scale", "position", "score"),
    "discharge": (
        "id", "referral_id", "event_id", "reason", "summary", "discharged_at",
        "discharged_by_id", "final_measures_note",
    ),
    "group_programme": (
        "id", "title", "kind", "audience", "team_id", "school_id", "is_virtual",
        "planned_sessions", "created_at", "created_by_id",
    ),
    "group_facilitator": ("group_id", "user_id"),
    "group_session": (
        "id", "group_id", "held_on", "topic", "head_count", "recorded_at", "recorded_by_id",
        "version",
    ),
    "group_participant": ("id", "group_id", "referral_id", "as_parent", "joined_at"),
    "group_attendance": ("session_id", "participant_id", "attended"),
    "supervision_record": (
        "id", "held_on", "supervisor_id", "practitioner_id", "recorded_at", "recorded_by_id",
        "team_id",
    ),
    "supervision_case": ("id", "record_id", "referral_id", "decision"),
    "audit_event": (
        "id", "occurred_at", "user_id", "actor", "action", "record_type", "record_id", "detail",
    ),
}  # fmt: skip

CHUNK_ROWS = 250_000  # rows held before they are written (the rest is streamed)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    """One value in COPY's text format (psycopg's write_row, value by value, is several
    times slower). Datetimes are aware, so str() carries their offset."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    return str(value)


class Sink:
    """Collects rows and writes them in :data:`COLUMNS` order when enough are held."""

    def __init__(self, connection: Connection, echo: Callable[[str], None] = print):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.rows: dict[str, list[Sequence]] = {name: [] for name in COLUMNS}
        self.held = 0
        self.written: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.seconds: dict[str, float] = dict.fromkeys(COLUMNS, 0.0)
        self.ids: dict[str, int] = {}
        self.echo = echo
        self.deferred_keys = self.postgres and _defer_foreign_keys(connection)
        self.indexes = _drop_indexes(connection, tuple(COLUMNS)) if self.postgres else []

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def add(self, table: str, row: Sequence) -> None:
        self.rows[table].append(row)
        self.held += 1

    def maybe_flush(self) -> None:
        if self.held >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                started = time.perf_counter()
                self._write(table, rows)
                self.seconds[table] += time.perf_counter() - started
                self.written[table] += len(rows)
                self.rows[table] = []
        self.held = 0

    def _write(self, table: str, rows: list[Sequence]) -> None:
        columns = COLUMNS[table]
        if self.postgres:
            cursor = self.connection.connection.driver_connection.cursor()
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # nosec B608
                for start in range(0, len(rows), 10_000):
                    block = rows[start : start + 10_000]
                    copy.write("".join("\t".join(map(_text, row)) + "\n" for row in block))
            return
        model_table = db.metadata.tables[table]
        self.connection.execute(
            model_table.insert(), [dict(zip(columns, r, strict=True)) for r in rows]
        )

    def finish(self) -> None:
        """Write what is left, check the foreign keys if their triggers were off, and set
        each id sequence past the generator's ids."""
        self.flush()
        if self.indexes:
            started = time.perf_counter()
            self.connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
            for definition in self.indexes:
                self.connection.execute(text(definition))
            self.echo(f"{len(self.indexes)} indexes built in {time.perf_counter() - started:.1f} s")
        if self.deferred_keys:
            started = time.perf_counter()
            check_foreign_keys(self.connection, tuple(COLUMNS))
            self.echo(f"Foreign keys checked in {time.perf_counter() - started:.1f} s")
            self.connection.execute(text("SET LOCAL session_replication_role = origin"))
        if self.postgres:
            for table, last in self.ids.items():
                self.connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :last)"),
                    {"last": last},
                )

    def report(self) -> list[tuple[str, int, float]]:
        """(table, rows, seconds) of every table written."""
        return [(t, n, self.seconds[t]) for t, n in self.written.items() if n]


def _defer_foreign_keys(connection: Connection) -> bool:
    """As a superuser, turn off the row-by-row foreign key triggers for this transaction
    (:func:`check_foreign_keys` checks every key once, set-based, at the end: several
    times faster). CHECK, NOT NULL and unique constraints hold throughout."""
    superuser = connection.execute(
        text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    if superuser:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    return bool(superuser)


FOREIGN_KEYS = text("""
    SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, p.attname
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    JOIN pg_attribute p ON p.attrelid = c.confrelid AND p.attnum = c.confkey[1]
    WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1
""")


def check_foreign_keys(connection: Connection, tables: tuple[str, ...]) -> None:
    """Every foreign key of ``tables`` points at a row: raise if one does not."""
    for table, column, parent, key in connection.execute(FOREIGN_KEYS).all():
        if table not in tables:
            continue
        # Names from the catalogue, not from input (bandit B608).
        orphans = connection.execute(
            text(
                f'SELECT count(*) FROM {table} t WHERE t."{column}" IS NOT NULL AND NOT '  # noqa: S608
                f'EXISTS (SELECT 1 FROM {parent} p WHERE p."{key}" = t."{column}")'  # nosec B608
            )
        ).scalar()
        if orphans:
            raise RuntimeError(f"{orphans} {table}.{column} rows point at no {parent}")


INDEXES = text("""
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), t.relname
    FROM pg_index i
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
    WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
""")


def _drop_indexes(connection: Connection, tables: tuple[str, ...]) -> list[str]:
    """Drop the indexes that back no constraint (kept: primary keys and UNIQUE
    constraints, which the foreign keys need), for one sorted build each at the end
    instead of an insert per row; their definitions, to build them again. A unique
    index (a partial one, say) is checked in full when it is built again."""
    found = [
        (name, definition)
        for name, definition, table in connection.execute(INDEXES).all()
        if table in tables
    ]
    for name, _ in found:
        connection.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in found]
