"""Session corrections leaving history: who recorded a 1:1 session's outcome (the author
of its notes), sessions deleted as entered in error (kept, counted nowhere), one group
session per group per date, and the history of every correction.

Revision ID: 0008_session_corrections
Revises: 0007_record_versions
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_session_corrections"
down_revision: str | None = "0007_record_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "rescheduled",
    "time_corrected",
    "attendance_changed",
    "date_corrected",
    "group_attendance_changed",
    "entered_in_error",
)
NOT_IN_ERROR = sa.text("entered_in_error_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("care_contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome_recorded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("outcome_recorded_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("entered_in_error_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_care_contact_outcome_recorded_by_id_user_account"),
            "user_account",
            ["outcome_recorded_by_id"],
            ["id"],
        )
    # A logged session's outcome was recorded by whoever logged it, or last changed it.
    op.execute(
        "UPDATE care_contact SET outcome_recorded_by_id = created_by_id, "
        "outcome_recorded_at = COALESCE(updated_at, created_at) WHERE attendance IS NOT NULL"
    )
    with op.batch_alter_table("group_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("entered_in_error_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_index(
        "uq_group_session_group_id_held_on",
        "group_session",
        ["group_id", "held_on"],
        unique=True,
        sqlite_where=NOT_IN_ERROR,
        postgresql_where=NOT_IN_ERROR,
    )
    op.create_table(
        "session_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("care_contact_id", sa.Integer(), nullable=True),
        sa.Column("group_session_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_value", sa.Text(), nullable=True),
        sa.Column("to_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(care_contact_id IS NULL) <> (group_session_id IS NULL)",
            name=op.f("ck_session_change_one_session"),
        ),
        sa.CheckConstraint(
            f"kind IN ({', '.join(repr(kind) for kind in KINDS)})",
            name=op.f("ck_session_change_session_change_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["care_contact_id"],
            ["care_contact.id"],
            name=op.f("fk_session_change_care_contact_id_care_contact"),
        ),
        sa.ForeignKeyConstraint(
            ["group_session_id"],
            ["group_session.id"],
            name=op.f("fk_session_change_group_session_id_group_session"),
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["user_account.id"],
            name=op.f("fk_session_change_changed_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_change")),
    )
    op.create_index(
        op.f("ix_session_change_care_contact_id"), "session_change", ["care_contact_id"]
    )
    op.create_index(
        op.f("ix_session_change_group_session_id"), "session_change", ["group_session_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_session_change_group_session_id"), table_name="session_change")
    op.drop_index(op.f("ix_session_change_care_contact_id"), table_name="session_change")
    op.drop_table("session_change")
    op.drop_index("uq_group_session_group_id_held_on", table_name="group_session")
    with op.batch_alter_table("group_session", schema=None) as batch_op:
        batch_op.drop_column("entered_in_error_at")
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("care_contact", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_care_contact_outcome_recorded_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("entered_in_error_at")
        batch_op.drop_column("outcome_recorded_at")
        batch_op.drop_column("outcome_recorded_by_id")
