"""An index for finding a child by date of birth alone: the search's other index,
ix_child_identity, leads with the name key, so a date-only search read all of it (a
million entries at national size).

Revision ID: 0023_child_birth_date
Revises: 0022_national
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023_child_birth_date"
down_revision: str | None = "0022_national"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.create_index("ix_child_date_of_birth", ["date_of_birth"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.drop_index("ix_child_date_of_birth")
