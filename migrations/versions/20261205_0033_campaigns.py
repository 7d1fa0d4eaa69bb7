"""Campaigns to schools (issue 17): campaign, its resources (links or files kept in the
database) and its recipients (one per school); a school's office email address; the
campaign an interest registration came from and a whole-school activity was held for.

Revision ID: 0033_campaigns
Revises: 0032_school_need
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033_campaigns"
down_revision: str | None = "0032_school_need"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("queued", "sending", "sent", "delivered", "opened", "failed", "no_address")


def _campaign() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_campaign_days_in_order")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_campaign_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_index("ix_campaign_first_day_id", "campaign", ["first_day", "id"])


def _resource() -> None:
    op.create_table(
        "campaign_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=120), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(url IS NULL) <> (file_name IS NULL)", name=op.f("ck_campaign_resource_link_or_file")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaign_resource_campaign_id_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["user_account.id"],
            name=op.f("fk_campaign_resource_added_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_resource")),
    )
    op.create_index(op.f("ix_campaign_resource_campaign_id"), "campaign_resource", ["campaign_id"])


def _recipient() -> None:
    op.create_table(
        "campaign_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("notify_id", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("logged_text", sa.String(length=4000), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            f"state IN ({', '.join(repr(v) for v in STATES)})",
            name=op.f("ck_campaign_recipient_campaign_recipient_state"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaign_recipient_campaign_id_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_campaign_recipient_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_recipient")),
        sa.UniqueConstraint(
            "campaign_id", "school_id", name=op.f("uq_campaign_recipient_campaign_id_school_id")
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_campaign_recipient_token_hash")),
    )
    op.create_index(
        "ix_campaign_recipient_campaign_id_id", "campaign_recipient", ["campaign_id", "id"]
    )
    op.create_index(op.f("ix_campaign_recipient_school_id"), "campaign_recipient", ["school_id"])
    op.create_index(op.f("ix_campaign_recipient_state"), "campaign_recipient", ["state"])


def upgrade() -> None:
    _campaign()
    _resource()
    _recipient()
    with op.batch_alter_table("school") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
    for table in ("interest_registration", "whole_school_activity"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_campaign_id_campaign"), "campaign", ["campaign_id"], ["id"]
            )
            batch.create_index(op.f(f"ix_{table}_campaign_id"), ["campaign_id"])


def downgrade() -> None:
    for table in ("whole_school_activity", "interest_registration"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(op.f(f"ix_{table}_campaign_id"))
            batch.drop_constraint(op.f(f"fk_{table}_campaign_id_campaign"), type_="foreignkey")
            batch.drop_column("campaign_id")
    with op.batch_alter_table("school") as batch:
        batch.drop_column("contact_email")
    op.drop_table("campaign_recipient")
    op.drop_table("campaign_resource")
    op.drop_table("campaign")
