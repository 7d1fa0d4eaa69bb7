"""One child, many referrals: the child's name key for the identity rule, merges of two
records of one child, the history of corrections to a child's details, the version an
edit was read at, and the possible-duplicate flag.

Revision ID: 0010_child_identity
Revises: 0009_retention
Create Date: 2026-12-03
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_child_identity"
down_revision: str | None = "0009_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _part(text: str | None) -> str:
    # A frozen copy of mhst.referrals.children.name_part, as it was when this ran.
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare.casefold()).strip()


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _user(table: str, column: str, nullable: bool = False) -> list:
    return [
        sa.Column(column, sa.Integer(), nullable=nullable),
        sa.ForeignKeyConstraint(
            [column], ["user_account.id"], name=op.f(f"fk_{table}_{column}_user_account")
        ),
    ]


def _fill_name_keys() -> None:
    connection = op.get_bind()
    child = sa.table(
        "child",
        sa.column("id", sa.Integer),
        sa.column("given_name", sa.String),
        sa.column("family_name", sa.String),
        sa.column("name_key", sa.String),
    )
    rows = connection.execute(sa.select(child.c.id, child.c.given_name, child.c.family_name))
    for child_id, given, family in rows.all():
        connection.execute(
            child.update()
            .where(child.c.id == child_id)
            .values(name_key=f"{_part(given)}|{_part(family)}")
        )


def _child_columns() -> None:
    with op.batch_alter_table("child") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=210), nullable=True))
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("possible_duplicate_of_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.create_foreign_key(
            op.f("fk_child_merged_into_id_child"), "child", ["merged_into_id"], ["id"]
        )
        batch.create_foreign_key(
            op.f("fk_child_possible_duplicate_of_id_child"),
            "child",
            ["possible_duplicate_of_id"],
            ["id"],
        )
        batch.create_check_constraint(
            op.f("ck_child_not_merged_into_self"), "merged_into_id IS NULL OR merged_into_id <> id"
        )
        batch.create_index(op.f("ix_child_merged_into_id"), ["merged_into_id"])
    _fill_name_keys()
    with op.batch_alter_table("child") as batch:
        batch.alter_column("name_key", existing_type=sa.String(length=210), nullable=False)
        batch.create_index("ix_child_identity", ["name_key", "date_of_birth", "school_id"])


def _merge_tables() -> None:
    op.create_table(
        "child_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kept_child_id", sa.Integer(), nullable=False),
        sa.Column("merged_child_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", _when(), nullable=False),
        *_user("child_merge", "merged_by_id"),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("undone_at", _when(), nullable=True),
        *_user("child_merge", "undone_by_id", nullable=True),
        sa.Column("undo_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kept_child_id <> merged_child_id", name=op.f("ck_child_merge_two_children")
        ),
        sa.ForeignKeyConstraint(
            ["kept_child_id"], ["child.id"], name=op.f("fk_child_merge_kept_child_id_child")
        ),
        sa.ForeignKeyConstraint(
            ["merged_child_id"], ["child.id"], name=op.f("fk_child_merge_merged_child_id_child")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_merge")),
    )
    with op.batch_alter_table("child_merge") as batch:
        batch.create_index(op.f("ix_child_merge_kept_child_id"), ["kept_child_id"])
        batch.create_index(op.f("ix_child_merge_merged_child_id"), ["merged_child_id"])
    op.create_table(
        "child_merge_referral",
        sa.Column("merge_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merge_id"],
            ["child_merge.id"],
            name=op.f("fk_child_merge_referral_merge_id_child_merge"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_child_merge_referral_referral_id_referral"),
        ),
        sa.PrimaryKeyConstraint("merge_id", "referral_id", name=op.f("pk_child_merge_referral")),
    )


def _correction_tables() -> None:
    op.create_table(
        "child_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("corrected_at", _when(), nullable=False),
        *_user("child_correction", "corrected_by_id"),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_child_correction_child_id_child")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_child_correction_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_correction")),
    )
    with op.batch_alter_table("child_correction") as batch:
        batch.create_index(op.f("ix_child_correction_child_id"), ["child_id"])
    op.create_table(
        "child_correction_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correction_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.String(length=300), nullable=True),
        sa.Column("new_value", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["correction_id"],
            ["child_correction.id"],
            name=op.f("fk_child_correction_value_correction_id_child_correction"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_correction_value")),
    )
    with op.batch_alter_table("child_correction_value") as batch:
        batch.create_index(op.f("ix_child_correction_value_correction_id"), ["correction_id"])


def upgrade() -> None:
    _child_columns()
    _merge_tables()
    _correction_tables()


def downgrade() -> None:
    op.drop_table("child_correction_value")
    op.drop_table("child_correction")
    op.drop_table("child_merge_referral")
    op.drop_table("child_merge")
    with op.batch_alter_table("child") as batch:
        batch.drop_index("ix_child_identity")
        batch.drop_index(op.f("ix_child_merged_into_id"))
        batch.drop_constraint(op.f("ck_child_not_merged_into_self"), type_="check")
        batch.drop_constraint(op.f("fk_child_possible_duplicate_of_id_child"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_child_merged_into_id_child"), type_="foreignkey")
        batch.drop_column("version")
        batch.drop_column("possible_duplicate_of_id")
        batch.drop_column("merged_into_id")
        batch.drop_column("name_key")
