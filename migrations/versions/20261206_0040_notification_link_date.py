"""A notification's link may carry a date: a visit booked at a school links to the
school's visits in that visit's week, not to the school's page in the current week.

Revision ID: 0040_notification_link_date
Revises: 0039_totp_encryption
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040_notification_link_date"
down_revision: str | None = "0039_totp_encryption"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("link_date")
