"""Risk flags on cases (a risk raised at a session, a measure beyond its risk threshold)
until a senior clinician reviews them; sessions cancelled because their case closed.

Revision ID: 0011_risk_flags
Revises: 0010_child_identity
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_risk_flags"
down_revision: str | None = "0010_child_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ATTENDANCE_BEFORE = ("attended", "did_not_attend", "cancelled_by_family", "cancelled_by_service")
ATTENDANCE_AFTER = (*ATTENDANCE_BEFORE, "case_closed")
SOURCES = ("session", "measure")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _replace_attendance_check(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("care_contact", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_care_contact_attendance"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_care_contact_attendance"), _in("attendance", values)
        )


def upgrade() -> None:
    op.create_table(
        "case_risk_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_text", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("review_notes", sa.Text(), nullable=True),
        sa.CheckConstraint(_in("source", SOURCES), name=op.f("ck_case_risk_flag_risk_flag_source")),
        sa.ForeignKeyConstraint(
            ["raised_by_id"],
            ["user_account.id"],
            name=op.f("fk_case_risk_flag_raised_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_case_risk_flag_referral_id_referral")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["user_account.id"],
            name=op.f("fk_case_risk_flag_reviewed_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_risk_flag")),
    )
    with op.batch_alter_table("case_risk_flag", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_risk_flag_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_risk_flag_reviewed_at"), ["reviewed_at"], unique=False
        )
    _replace_attendance_check(ATTENDANCE_AFTER)


def downgrade() -> None:
    # Before this revision a session cancelled because its case closed was cancelled by
    # the service (its reason says why).
    op.execute(
        "UPDATE care_contact SET attendance = 'cancelled_by_service' "
        "WHERE attendance = 'case_closed'"
    )
    _replace_attendance_check(ATTENDANCE_BEFORE)
    with op.batch_alter_table("case_risk_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_risk_flag_reviewed_at"))
        batch_op.drop_index(batch_op.f("ix_case_risk_flag_referral_id"))
    op.drop_table("case_risk_flag")
