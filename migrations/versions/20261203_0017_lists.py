"""Lists at national size: composite indexes matching the keyset-paginated lists, and
one audit event per list page naming the records shown (``audit_event.record_ids``).

The single-column indexes on referral (received_on, status, school_id), school (name:
none before) and audit_event (occurred_at, user_id, record) become composite indexes
ending in ``id``, the lists' tie-breaker; each still serves what its leading column did.
``record_ids`` is a text array with a GIN index on PostgreSQL, a delimited text
(``,12,15,``) on SQLite. Adding a column keeps the audit log's append-only triggers.

Revision ID: 0017_lists
Revises: 0015_mfa
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_lists"
down_revision: str | None = "0016_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, old index, old columns, new index, new columns)
REPLACED = (
    ("referral", "ix_referral_received_on", ["received_on"], "ix_referral_received_on_id",
     ["received_on", "id"]),
    ("referral", "ix_referral_status", ["status"], "ix_referral_status_received_on",
     ["status", "received_on", "id"]),
    ("referral", "ix_referral_school_id", ["school_id"], "ix_referral_school_received_on",
     ["school_id", "received_on", "id"]),
    ("audit_event", "ix_audit_event_occurred_at", ["occurred_at"],
     "ix_audit_event_occurred_at_id", ["occurred_at", "id"]),
    ("audit_event", "ix_audit_event_user_id", ["user_id"], "ix_audit_event_user_occurred_at",
     ["user_id", "occurred_at", "id"]),
    ("audit_event", "ix_audit_event_record", ["record_type", "record_id"],
     "ix_audit_event_record", ["record_type", "record_id", "occurred_at"]),
)  # fmt: skip


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for table, old, _old_columns, new, columns in REPLACED:
        op.drop_index(old, table_name=table)
        op.create_index(new, table, columns)
    op.create_index("ix_school_name_id", "school", ["name", "id"])
    if _postgresql():
        op.add_column("audit_event", sa.Column("record_ids", postgresql.ARRAY(sa.String(60))))
    else:
        # A plain ADD COLUMN (not a batch copy): the append-only triggers stay in place.
        op.add_column("audit_event", sa.Column("record_ids", sa.Text()))
    # GIN on PostgreSQL; SQLite (searched with LIKE) gets a plain index, to match the model.
    op.create_index(
        "ix_audit_event_record_ids", "audit_event", ["record_ids"], postgresql_using="gin"
    )


def downgrade() -> None:
    # The audit log is never rewritten: a list page's event would lose the records it
    # names, so a database holding any stays at this revision.
    audit_event = sa.table("audit_event", sa.column("record_ids"))
    held = op.get_bind().execute(
        sa.select(sa.func.count()).where(audit_event.c.record_ids.is_not(None))
    )
    if held.scalar_one():
        raise RuntimeError(
            "The audit log holds list events naming several records (record_ids), which "
            "the schema before 0017_lists cannot hold; the audit log is never rewritten, "
            "so this database cannot be downgraded past 0017_lists."
        )
    op.drop_index("ix_audit_event_record_ids", table_name="audit_event")
    op.drop_column("audit_event", "record_ids")
    op.drop_index("ix_school_name_id", table_name="school")
    for table, old, old_columns, new, _columns in reversed(REPLACED):
        op.drop_index(new, table_name=table)
        op.create_index(old, table, old_columns)
