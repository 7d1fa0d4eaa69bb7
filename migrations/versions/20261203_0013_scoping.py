"""Supervision records keep the team where the supervision took place.

A practitioner who moves team leaves their supervision behind with the old team's senior
clinicians. Records made before this revision take the practitioner's team as it is now
(the best the data can say); a practitioner without a team leaves it empty.

Revision ID: 0013_scoping
Revises: 0011_risk_flags
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_scoping"
down_revision: str | None = "0012_passwords"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("supervision_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_supervision_record_team_id_team"), "team", ["team_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_supervision_record_team_id"), ["team_id"])
    op.execute(
        "UPDATE supervision_record SET team_id = (SELECT user_account.team_id FROM user_account "
        "WHERE user_account.id = supervision_record.practitioner_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("supervision_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_record_team_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_supervision_record_team_id_team"), type_="foreignkey"
        )
        batch_op.drop_column("team_id")
