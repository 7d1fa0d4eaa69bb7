"""Indexes for reads at national size: high-risk referrals awaiting review (the leads'
homes), the signposting decisions by date (the activity report), each school's
participation history in order (the rollout's status at each year end), and the
children flagged as possible duplicates (the child and referral pages).

Revision ID: 0022_national
Revises: 0021_jobbeat
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_national"
down_revision: str | None = "0021_jobbeat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNREVIEWED_SQLITE = "high_risk = 1 AND risk_reviewed_at IS NULL"
UNREVIEWED_POSTGRESQL = "high_risk AND risk_reviewed_at IS NULL"
SIGNPOSTING = "to_status IN ('signposted', 'stepped_up', 'discharged')"
FLAGGED = "possible_duplicate_of_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referral_risk_unreviewed",
            ["received_on", "submitted_at", "id"],
            unique=False,
            sqlite_where=sa.text(UNREVIEWED_SQLITE),
            postgresql_where=sa.text(UNREVIEWED_POSTGRESQL),
        )
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referral_event_signposting",
            ["occurred_at"],
            unique=False,
            sqlite_where=sa.text(SIGNPOSTING),
            postgresql_where=sa.text(SIGNPOSTING),
        )
    with op.batch_alter_table("participation_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participation_event_school_id_occurred_at",
            ["school_id", "occurred_at", "id"],
            unique=False,
        )
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.create_index(
            "ix_child_possible_duplicate_of_id",
            ["possible_duplicate_of_id"],
            unique=False,
            sqlite_where=sa.text(FLAGGED),
            postgresql_where=sa.text(FLAGGED),
        )


def downgrade() -> None:
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.drop_index("ix_child_possible_duplicate_of_id")
    with op.batch_alter_table("participation_event", schema=None) as batch_op:
        batch_op.drop_index("ix_participation_event_school_id_occurred_at")
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_event_signposting")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_risk_unreviewed")
