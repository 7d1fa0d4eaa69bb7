"""Questionnaires completed online: links sent to families (questionnaire_link: the
measure, who it is for, how it was sent, only the token's hash, its expiry, and whether it
was used or withdrawn) and the mark of a measure the family answered online
(measure_record.online).

Revision ID: 0031_questionnaire_links
Revises: 0030_public_search
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031_questionnaire_links"
down_revision: str | None = "0030_public_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESPONDENTS = ("child", "parent_carer", "practitioner")
CHANNELS = ("text", "email", "qr_code")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _fk(column: str, table: str, **options) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{table}.id"],
        name=op.f(f"fk_questionnaire_link_{column}_{table}"),
        **options,
    )


def upgrade() -> None:
    op.create_table(
        "questionnaire_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("measure_code", sa.String(length=20), nullable=False),
        sa.Column("respondent", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("sent_to", sa.String(length=40), nullable=True),
        sa.Column("shown_name", sa.String(length=50), nullable=True),
        sa.Column("baseline_record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=False),
        sa.Column("notify_id", sa.String(length=64), nullable=True),
        sa.Column("send_error", sa.String(length=500), nullable=True),
        sa.Column("logged_text", sa.String(length=1000), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("measure_record_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            _in("respondent", RESPONDENTS), name=op.f("ck_questionnaire_link_link_respondent")
        ),
        sa.CheckConstraint(
            _in("channel", CHANNELS), name=op.f("ck_questionnaire_link_link_channel")
        ),
        _fk("baseline_record_id", "measure_record", ondelete="SET NULL"),
        _fk("measure_record_id", "measure_record", ondelete="SET NULL"),
        _fk("referral_id", "referral"),
        _fk("sent_by_id", "user_account"),
        _fk("withdrawn_by_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_questionnaire_link_token_hash")),
    )
    op.create_index(
        op.f("ix_questionnaire_link_referral_id"), "questionnaire_link", ["referral_id"]
    )
    with op.batch_alter_table("measure_record") as batch_op:
        batch_op.add_column(
            sa.Column("online", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("measure_record") as batch_op:
        batch_op.alter_column("online", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("measure_record") as batch_op:
        batch_op.drop_column("online")
    op.drop_index(op.f("ix_questionnaire_link_referral_id"), table_name="questionnaire_link")
    op.drop_table("questionnaire_link")
