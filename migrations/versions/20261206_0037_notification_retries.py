"""A notification's email tried again when the mail relay does not take it: the tries so
far (email_attempts) and when it may next be tried (email_next_attempt_at: after a
failure, the wait doubling; or when a worker's claim on it runs out).

Revision ID: 0037_notification_retries
Revises: 0036_group_times
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037_notification_retries"
down_revision: str | None = "0036_group_times"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("email_next_attempt_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("email_next_attempt_at")
        batch_op.drop_column("email_attempts")
