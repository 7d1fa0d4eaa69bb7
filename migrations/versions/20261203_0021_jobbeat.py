"""Background jobs' heartbeat: background_job.heartbeat_at, written by the worker while a
job runs, and an index on status for the sweep that fails jobs whose worker stopped
(mhst.jobs.stalled).

Revision ID: 0021_jobbeat
Revises: 0020_trigram
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_jobbeat"
down_revision: str | None = "0020_trigram"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("background_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_background_job_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("background_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_background_job_status"))
        batch_op.drop_column("heartbeat_at")
