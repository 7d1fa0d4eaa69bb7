"""Report summaries: the paired outcomes per month, school and measure (outcome_count),
kept up to date with each change (mhst.reports.fact_sync) like the other summaries. The
table starts empty: after upgrading a database that holds records, run
``flask reports refresh-facts`` (mhst.reports.facts.recompute_all) to fill it.

Revision ID: 0019_rollups
Revises: 0018_facts
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_rollups"
down_revision: str | None = "0018_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome_count",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("school_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("measure_code", sa.String(length=20), nullable=False),
        sa.Column("definition", sa.String(length=16), nullable=False),
        sa.Column("paired", sa.Integer(), nullable=False),
        sa.Column("judged", sa.Integer(), nullable=False),
        sa.Column("improved", sa.Integer(), nullable=False),
        sa.Column("deteriorated", sa.Integer(), nullable=False),
        sa.Column("recovery_applies", sa.Integer(), nullable=False),
        sa.Column("recovered", sa.Integer(), nullable=False),
        sa.Column("totals", sa.Integer(), nullable=False),
        sa.Column("first_total_hundredths", sa.BigInteger(), nullable=False),
        sa.Column("last_total_hundredths", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "school_id", "measure_code", name=op.f("pk_outcome_count")
        ),
    )
    with op.batch_alter_table("outcome_count", schema=None) as batch_op:
        batch_op.create_index("ix_outcome_count_school_id_month", ["school_id", "month"])


def downgrade() -> None:
    with op.batch_alter_table("outcome_count", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_count_school_id_month")
    op.drop_table("outcome_count")
