"""Notifications: what each user is told (in the app, and by email if they choose), and
their choice of email per kind.

Revision ID: 0028_notifications
Revises: 0027_letters
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_notifications"
down_revision: str | None = "0027_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "case_allocated",
    "case_risk_raised",
    "referral_received",
    "risk_review_overdue",
    "referral_status_changed",
    "visit_booked",
    "interest_registered",
)
EMAIL_STATES = ("pending", "sent", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("endpoint", sa.String(length=80), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_state", sa.String(length=10), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_notification_notification_kind")),
        sa.CheckConstraint(
            _in("email_state", EMAIL_STATES),
            name=op.f("ck_notification_notification_email_state"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_notification_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_user_id_created_at", ["user_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_notification_unread",
            ["user_id"],
            unique=False,
            sqlite_where=sa.text("read_at IS NULL"),
            postgresql_where=sa.text("read_at IS NULL"),
        )
        batch_op.create_index(
            "ix_notification_email_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("email_state = 'pending'"),
            postgresql_where=sa.text("email_state = 'pending'"),
        )
        batch_op.create_index("ix_notification_kind_record_id", ["kind", "record_id"], unique=False)
    op.create_table(
        "notification_email_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            _in("kind", KINDS), name=op.f("ck_notification_email_preference_notification_kind")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_email_preference_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_email_preference")),
    )


def downgrade() -> None:
    op.drop_table("notification_email_preference")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_kind_record_id")
        batch_op.drop_index("ix_notification_email_pending")
        batch_op.drop_index("ix_notification_unread")
        batch_op.drop_index("ix_notification_user_id_created_at")
    op.drop_table("notification")
