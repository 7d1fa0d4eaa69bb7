"""The retention review's decisions (mhst.privacy): records past their retention date
approved for deletion or pseudonymisation.

Revision ID: 0009_retention
Revises: 0008_session_corrections
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_retention"
down_revision: str | None = "0008_session_corrections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "action IN ('pseudonymise', 'delete')",
            name=op.f("ck_retention_decision_retention_action"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_retention_decision_child_id_child"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["user_account.id"],
            name=op.f("fk_retention_decision_approved_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_decision")),
    )
    with op.batch_alter_table("retention_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retention_decision_child_id"), ["child_id"], unique=False
        )
        batch_op.create_index(
            "uq_retention_decision_pending",
            ["child_id"],
            unique=True,
            sqlite_where=sa.text("applied_at IS NULL"),
            postgresql_where=sa.text("applied_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("retention_decision", schema=None) as batch_op:
        batch_op.drop_index("uq_retention_decision_pending")
        batch_op.drop_index(batch_op.f("ix_retention_decision_child_id"))
    op.drop_table("retention_decision")
