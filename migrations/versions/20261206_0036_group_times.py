"""Group sessions placed in time: an optional start (an aware datetime stored UTC, as a
1:1 session's), length in minutes and school room. Sessions already recorded keep all
three empty: they were recorded with their date only ("time not recorded").

Revision ID: 0036_group_times
Revises: 0035_cohort_planning
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036_group_times"
down_revision: str | None = "0035_cohort_planning"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    "duration_range": (
        "duration_minutes IS NULL OR (duration_minutes > 0 AND duration_minutes <= 480)"
    ),
    "time_with_duration": "(starts_at IS NULL) = (duration_minutes IS NULL)",
    "room_needs_time": "room_id IS NULL OR starts_at IS NOT NULL",
}


def upgrade() -> None:
    with op.batch_alter_table("group_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("duration_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("room_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_group_session_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_session_room_id"), ["room_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_group_session_room_id_school_room"), "school_room", ["room_id"], ["id"]
        )
        for name, condition in CHECKS.items():
            batch_op.create_check_constraint(op.f(f"ck_group_session_{name}"), condition)


def downgrade() -> None:
    with op.batch_alter_table("group_session", schema=None) as batch_op:
        for name in CHECKS:
            batch_op.drop_constraint(op.f(f"ck_group_session_{name}"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_group_session_room_id_school_room"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_group_session_room_id"))
        batch_op.drop_index(batch_op.f("ix_group_session_starts_at"))
        batch_op.drop_column("room_id")
        batch_op.drop_column("duration_minutes")
        batch_op.drop_column("starts_at")
