"""Letters on a child's record (letter) and the texts they are produced from
(letter_template, with every save in letter_template_revision).

Revision ID: 0027_letters
Revises: 0026_reminders
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027_letters"
down_revision: str | None = "0026_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "'consent_request', 'appointment', 'did_not_attend', 'discharge_parent', 'discharge_gp', 'school_advice'"


def _kind() -> sa.Column:
    return sa.Column("kind", sa.String(length=30), nullable=False)


def _kind_check(table: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f(f"ck_{table}_letter_kind"))


def upgrade() -> None:
    op.create_table(
        "letter_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        _kind(),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_letter_template_updated_by_id_user_account"),
        ),
        _kind_check("letter_template"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_template")),
        sa.UniqueConstraint("kind", name=op.f("uq_letter_template_kind")),
    )
    op.create_table(
        "letter_template_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        _kind(),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["saved_by_id"],
            ["user_account.id"],
            name=op.f("fk_letter_template_revision_saved_by_id_user_account"),
        ),
        _kind_check("letter_template_revision"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_template_revision")),
    )
    with op.batch_alter_table("letter_template_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_letter_template_revision_kind"), ["kind"], unique=False
        )
    op.create_table(
        "letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("care_contact_id", sa.Integer(), nullable=True),
        _kind(),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_address", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("produced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("produced_by_id", sa.Integer(), nullable=False),
        sa.Column("shared_with_school_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shared_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["care_contact_id"],
            ["care_contact.id"],
            name=op.f("fk_letter_care_contact_id_care_contact"),
        ),
        sa.ForeignKeyConstraint(
            ["produced_by_id"],
            ["user_account.id"],
            name=op.f("fk_letter_produced_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_letter_referral_id_referral")
        ),
        sa.ForeignKeyConstraint(
            ["shared_by_id"], ["user_account.id"], name=op.f("fk_letter_shared_by_id_user_account")
        ),
        _kind_check("letter"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter")),
    )
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letter_referral_id"), ["referral_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_referral_id"))
    op.drop_table("letter")
    with op.batch_alter_table("letter_template_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_template_revision_kind"))
    op.drop_table("letter_template_revision")
    op.drop_table("letter_template")
