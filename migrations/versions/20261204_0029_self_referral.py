"""Online self-referral: the drafts of unfinished self-referrals, what a sent one adds to
its referral, and a referral with no staff member as its submitter (the public sent it).

Revision ID: 0029_self_referral
Revises: 0028_notifications
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029_self_referral"
down_revision: str | None = "0028_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "self_referral_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_referral_draft")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_self_referral_draft_token_hash")),
    )
    with op.batch_alter_table("self_referral_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_self_referral_draft_updated_at"), ["updated_at"], unique=False
        )
    op.create_table(
        "self_referral",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("referred_by", sa.String(length=20), nullable=False),
        sa.Column("keep_from_parents", sa.Boolean(), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.CheckConstraint(
            "referred_by IN ('young_person', 'parent_carer')",
            name=op.f("ck_self_referral_self_referral_referred_by"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_self_referral_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_self_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.alter_column("submitted_by_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Referrals the public sent have no submitter: they cannot survive the column
    # becoming required again, so they go with their rows (a downgrade on a live
    # service would lose them: export them first).
    for table in ("self_referral", "referral_need", "referral_risk", "referral_event"):
        op.execute(
            sa.text(
                f"DELETE FROM {table} WHERE referral_id IN "  # noqa: S608 (names from a fixed list)
                "(SELECT id FROM referral WHERE submitted_by_id IS NULL)"
            )
        )
    op.execute("DELETE FROM referral WHERE submitted_by_id IS NULL")
    op.drop_table("self_referral")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.alter_column("submitted_by_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("self_referral_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_referral_draft_updated_at"))
    op.drop_table("self_referral_draft")
