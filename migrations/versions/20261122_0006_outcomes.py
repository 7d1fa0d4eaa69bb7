"""Outcome measures recorded for referrals, the final-measures note at discharge, and
the commissioner role.

Revision ID: 0006_outcomes
Revises: 0005_casework
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_outcomes"
down_revision: str | None = "0005_casework"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = (
    "administrator",
    "clinical_lead",
    "senior_clinician",
    "emhp",
    "school_mental_health_lead",
)
ROLES_AFTER = (*ROLES_BEFORE, "commissioner")
RESPONDENTS = ("child", "parent_carer", "practitioner")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _replace_role_check(roles: tuple[str, ...]) -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_user_account_role"), _in("role", roles))


def upgrade() -> None:
    op.create_table(
        "measure_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("measure_code", sa.String(length=20), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("respondent", sa.String(length=20), nullable=False),
        sa.Column("care_contact_id", sa.Integer(), nullable=True),
        sa.Column("by_item", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            _in("respondent", RESPONDENTS), name=op.f("ck_measure_record_respondent")
        ),
        sa.ForeignKeyConstraint(
            ["care_contact_id"],
            ["care_contact.id"],
            name=op.f("fk_measure_record_care_contact_id_care_contact"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_measure_record_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_measure_record_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_record")),
    )
    with op.batch_alter_table("measure_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_record_care_contact_id"), ["care_contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_record_completed_on"), ["completed_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_record_referral_id"), ["referral_id"], unique=False
        )
    op.create_table(
        "measure_answer",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("item_number", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("item_text", sa.String(length=500), nullable=True),
        sa.CheckConstraint("item_number >= 1", name=op.f("ck_measure_answer_item_number_positive")),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["measure_record.id"],
            name=op.f("fk_measure_answer_record_id_measure_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "item_number", name=op.f("pk_measure_answer")),
    )
    op.create_table(
        "measure_score",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("scale", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["measure_record.id"],
            name=op.f("fk_measure_score_record_id_measure_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "scale", name=op.f("pk_measure_score")),
    )
    with op.batch_alter_table("discharge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("final_measures_note", sa.Text(), nullable=True))
    _replace_role_check(ROLES_AFTER)


def downgrade() -> None:
    bind = op.get_bind()
    commissioners = bind.scalar(
        sa.text("SELECT COUNT(*) FROM user_account WHERE role = 'commissioner'")
    )
    if commissioners:
        raise RuntimeError(
            f"{commissioners} commissioner account(s) exist: change their role or remove them "
            "before downgrading below 0006_outcomes"
        )
    _replace_role_check(ROLES_BEFORE)
    with op.batch_alter_table("discharge", schema=None) as batch_op:
        batch_op.drop_column("final_measures_note")
    op.drop_table("measure_score")
    op.drop_table("measure_answer")
    with op.batch_alter_table("measure_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_record_referral_id"))
        batch_op.drop_index(batch_op.f("ix_measure_record_completed_on"))
        batch_op.drop_index(batch_op.f("ix_measure_record_care_contact_id"))
    op.drop_table("measure_record")
