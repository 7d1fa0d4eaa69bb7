"""The signposting directory: services and their concern flags.

Revision ID: 0003_directory
Revises: 0002_school_register
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_directory"
down_revision: str | None = "0002_school_register"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("children", "adult")
CONCERNS = (
    "general_mental_health",
    "eating_disorders",
    "bereavement",
    "psychosis",
    "post_sexual_abuse",
    "self_harm",
    "substance_misuse",
    "neurodiversity",
    "maternity_perinatal",
    "employment_support",
    "criminal_justice",
    "forensic_mental_health",
    "dementia_older_age",
    "physical_health",
    "prenatal_perinatal",
    "homeless",
)


def one_of(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    """The CHECK constraint the models' string enums declare (ck_<table>_<name>)."""
    return sa.CheckConstraint(
        f"{column} IN ({', '.join(repr(v) for v in values)})", name=op.f(f"ck_{table}_{name}")
    )


def upgrade() -> None:
    op.create_table(
        "directory_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_kind", sa.String(length=20), nullable=False),
        sa.Column("level_of_need", sa.String(length=120), nullable=False),
        sa.Column("level_order", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("provider", sa.String(length=120), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("area_text", sa.String(length=120), nullable=False),
        sa.Column("covers_city", sa.Boolean(), nullable=False),
        sa.Column("covers_county", sa.Boolean(), nullable=False),
        sa.Column("covers_rutland", sa.Boolean(), nullable=False),
        sa.Column("age_text", sa.String(length=120), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("referral_routes", sa.JSON(), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("edited_by_admin", sa.Boolean(), nullable=False),
        one_of("directory_service", "directory_table", "table_kind", TABLES),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_directory_service_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_service")),
        sa.UniqueConstraint(
            "table_kind",
            "level_of_need",
            "name",
            "area_text",
            name="uq_directory_service_key",
        ),
    )
    op.create_index(op.f("ix_directory_service_table_kind"), "directory_service", ["table_kind"])
    op.create_table(
        "directory_service_concern",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("concern", sa.String(length=40), nullable=False),
        one_of("directory_service_concern", "concern", "concern", CONCERNS),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name=op.f("fk_directory_service_concern_service_id_directory_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "concern", name=op.f("pk_directory_service_concern")),
    )


def downgrade() -> None:
    op.drop_table("directory_service_concern")
    op.drop_index(op.f("ix_directory_service_table_kind"), table_name="directory_service")
    op.drop_table("directory_service")
