"""Passwords and accounts: a temporary password that must be changed, emailed reset links
(only a hash of each token kept), time unused counted from a reactivation, and a role
granted by one administrator waiting for a second one's approval.

Revision ID: 0012_passwords
Revises: 0011_risk_flags
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_passwords"
down_revision: str | None = "0011_risk_flags"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = (
    "administrator",
    "clinical_lead",
    "senior_clinician",
    "emhp",
    "school_mental_health_lead",
    "commissioner",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("reactivated_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("pending_role", sa.String(length=40)))
        batch_op.add_column(sa.Column("pending_team_id", sa.Integer()))
        batch_op.add_column(sa.Column("role_requested_by_id", sa.Integer()))
        batch_op.add_column(sa.Column("role_requested_at", sa.DateTime(timezone=True)))
        batch_op.add_column(
            sa.Column(
                "awaiting_first_approval", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_user_account_pending_role"), _in("pending_role", ROLES)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_pending_team_id_team"), "team", ["pending_team_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_role_requested_by_id_user_account"),
            "user_account",
            ["role_requested_by_id"],
            ["id"],
        )
    # The server defaults filled the existing rows; the application always sets them.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("must_change_password", server_default=None)
        batch_op.alter_column("awaiting_first_approval", server_default=None)

    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_password_reset_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash")),
    )
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_user_id"))
    op.drop_table("password_reset")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_user_account_role_requested_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_user_account_pending_team_id_team"), type_="foreignkey"
        )
        batch_op.drop_constraint(op.f("ck_user_account_pending_role"), type_="check")
        batch_op.drop_column("awaiting_first_approval")
        batch_op.drop_column("role_requested_at")
        batch_op.drop_column("role_requested_by_id")
        batch_op.drop_column("pending_team_id")
        batch_op.drop_column("pending_role")
        batch_op.drop_column("reactivated_at")
        batch_op.drop_column("must_change_password")
