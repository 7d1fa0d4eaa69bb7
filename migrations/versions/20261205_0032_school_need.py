"""School-level indicators of need (school_need): free school meals, the area's
deprivation decile with the LSOA or postcode it was found by, and a wellbeing survey's
summary rates. One row per school; no pupil's data.

Revision ID: 0032_school_need
Revises: 0031_questionnaire_links
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032_school_need"
down_revision: str | None = "0031_questionnaire_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERCENT = sa.Numeric(precision=4, scale=1)


def upgrade() -> None:
    op.create_table(
        "school_need",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("fsm_percent", PERCENT, nullable=True),
        sa.Column("imd_decile", sa.SmallInteger(), nullable=True),
        sa.Column("lsoa_code", sa.String(length=9), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("survey_name", sa.String(length=120), nullable=True),
        sa.Column("survey_year", sa.Integer(), nullable=True),
        sa.Column("belonging_low_percent", PERCENT, nullable=True),
        sa.Column("low_wellbeing_percent", PERCENT, nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "fsm_percent BETWEEN 0 AND 100", name=op.f("ck_school_need_fsm_percent_range")
        ),
        sa.CheckConstraint(
            "imd_decile BETWEEN 1 AND 10", name=op.f("ck_school_need_imd_decile_range")
        ),
        sa.CheckConstraint(
            "belonging_low_percent BETWEEN 0 AND 100", name=op.f("ck_school_need_belonging_range")
        ),
        sa.CheckConstraint(
            "low_wellbeing_percent BETWEEN 0 AND 100", name=op.f("ck_school_need_wellbeing_range")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_school_need_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_school_need_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_school_need")),
    )
    op.create_index(op.f("ix_school_need_imd_decile"), "school_need", ["imd_decile"])


def downgrade() -> None:
    op.drop_index(op.f("ix_school_need_imd_decile"), table_name="school_need")
    op.drop_table("school_need")
