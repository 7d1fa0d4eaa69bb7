"""Reminders of sessions to families: each referral's agreement to reminders
(reminder_preference: who agreed, by text and/or email, the number and address, and
discretion) and the reminders sent (session_reminder: one per session and channel, with
Notify's id and what became of it).

Revision ID: 0026_reminders
Revises: 0025_feeds
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_reminders"
down_revision: str | None = "0025_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTACTS = ("parent_carer", "young_person")
CHANNELS = ("text", "email")
STATUSES = ("pending", "sent", "delivered", "failed", "logged", "not_sent")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _preference_table() -> None:
    op.create_table(
        "reminder_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=20), nullable=True),
        sa.Column("by_text", sa.Boolean(), nullable=False),
        sa.Column("by_email", sa.Boolean(), nullable=False),
        sa.Column("mobile_number", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("discreet", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            _in("contact", CONTACTS), name=op.f("ck_reminder_preference_reminder_contact")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_reminder_preference_referral_id_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_reminder_preference_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_preference")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_reminder_preference_referral_id")),
    )


def _reminder_table() -> None:
    op.create_table(
        "session_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("care_contact_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("announced_starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notify_id", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("logged_text", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _in("channel", CHANNELS), name=op.f("ck_session_reminder_reminder_channel")
        ),
        sa.CheckConstraint(
            _in("status", STATUSES), name=op.f("ck_session_reminder_reminder_status")
        ),
        sa.ForeignKeyConstraint(
            ["care_contact_id"],
            ["care_contact.id"],
            name=op.f("fk_session_reminder_care_contact_id_care_contact"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_reminder")),
        sa.UniqueConstraint(
            "care_contact_id", "channel", name=op.f("uq_session_reminder_care_contact_id_channel")
        ),
    )
    with op.batch_alter_table("session_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_reminder_status"), ["status"], unique=False)


def upgrade() -> None:
    _preference_table()
    _reminder_table()


def downgrade() -> None:
    with op.batch_alter_table("session_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_reminder_status"))
    op.drop_table("session_reminder")
    op.drop_table("reminder_preference")
