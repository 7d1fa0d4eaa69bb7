"""Lookups for the deprivation decile of a school's area: lsoa_deprivation (LSOA code to
IMD decile, from the English Indices of Deprivation File 1) and postcode_lsoa (postcode
to LSOA, from the ONS postcode lookup). Public area-level figures; no person's data.

Revision ID: 0034_need_lookups
Revises: 0033_campaigns
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034_need_lookups"
down_revision: str | None = "0033_campaigns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lsoa_deprivation",
        sa.Column("lsoa_code", sa.String(length=9), nullable=False),
        sa.Column("imd_decile", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "imd_decile BETWEEN 1 AND 10", name=op.f("ck_lsoa_deprivation_imd_decile_range")
        ),
        sa.PrimaryKeyConstraint("lsoa_code", name=op.f("pk_lsoa_deprivation")),
    )
    op.create_table(
        "postcode_lsoa",
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("lsoa_code", sa.String(length=9), nullable=False),
        sa.PrimaryKeyConstraint("postcode", name=op.f("pk_postcode_lsoa")),
    )


def downgrade() -> None:
    op.drop_table("postcode_lsoa")
    op.drop_table("lsoa_deprivation")
