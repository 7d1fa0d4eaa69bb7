"""The public pages: each team's public contact route (phone and email families may use),
shown on the public list of participating schools.

Revision ID: 0030_public_search
Revises: 0028_notifications
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_public_search"
down_revision: str | None = "0028_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("public_email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_column("public_email")
        batch_op.drop_column("public_phone")
