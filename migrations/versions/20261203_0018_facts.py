"""Report summaries: per-referral facts, per referral-and-measure facts, and counts per
day and school, kept up to date with each change (mhst.reports.fact_sync). The tables
start empty: after upgrading a database that holds records, run
``flask reports refresh-facts`` (mhst.reports.facts.recompute_all) to fill them.

Revision ID: 0018_facts
Revises: 0017_lists
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_facts"
down_revision: str | None = "0017_lists"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_fact",
        sa.Column("referral_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("needs", sa.Integer(), nullable=False),
        sa.Column("reached_accepted", sa.Integer(), nullable=False),
        sa.Column("reached_signposted", sa.Integer(), nullable=False),
        sa.Column("reached_stepped_up", sa.Integer(), nullable=False),
        sa.Column("reached_withdrawn", sa.Integer(), nullable=False),
        sa.Column("reached_not_accepted", sa.Integer(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("first_contact_on", sa.Date(), nullable=True),
        sa.Column("second_contact_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_referral_fact")),
    )
    with op.batch_alter_table("referral_fact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referral_fact_received_on_school_id", ["received_on", "school_id"], unique=False
        )
        batch_op.create_index(
            "ix_referral_fact_school_id_received_on", ["school_id", "received_on"], unique=False
        )
    op.create_table(
        "measure_fact",
        sa.Column("referral_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("measure_code", sa.String(length=20), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("first_record_id", sa.Integer(), nullable=False),
        sa.Column("first_completed_on", sa.Date(), nullable=False),
        sa.Column("last_record_id", sa.Integer(), nullable=False),
        sa.Column("last_completed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", "measure_code", name=op.f("pk_measure_fact")),
    )
    with op.batch_alter_table("measure_fact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_measure_fact_last_completed_on_school_id",
            ["last_completed_on", "school_id"],
            unique=False,
        )
    op.create_table(
        "daily_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("school_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("contacts_attended", sa.Integer(), nullable=False),
        sa.Column("contacts_did_not_attend", sa.Integer(), nullable=False),
        sa.Column("contacts_cancelled_by_family", sa.Integer(), nullable=False),
        sa.Column("contacts_cancelled_by_service", sa.Integer(), nullable=False),
        sa.Column("stage_assessment", sa.Integer(), nullable=False),
        sa.Column("stage_treatment", sa.Integer(), nullable=False),
        sa.Column("stage_review", sa.Integer(), nullable=False),
        sa.Column("stage_discharge", sa.Integer(), nullable=False),
        sa.Column("mode_face_to_face_school", sa.Integer(), nullable=False),
        sa.Column("mode_face_to_face_elsewhere", sa.Integer(), nullable=False),
        sa.Column("mode_video", sa.Integer(), nullable=False),
        sa.Column("mode_telephone", sa.Integer(), nullable=False),
        sa.Column("who_child", sa.Integer(), nullable=False),
        sa.Column("who_parent_carer", sa.Integer(), nullable=False),
        sa.Column("who_both", sa.Integer(), nullable=False),
        sa.Column("activities_staff_training", sa.Integer(), nullable=False),
        sa.Column("activities_assembly", sa.Integer(), nullable=False),
        sa.Column("activities_workshop", sa.Integer(), nullable=False),
        sa.Column("activities_health_fair", sa.Integer(), nullable=False),
        sa.Column("activities_parent_information_session", sa.Integer(), nullable=False),
        sa.Column("activities_mental_health_week_toolkit", sa.Integer(), nullable=False),
        sa.Column("activities_other", sa.Integer(), nullable=False),
        sa.Column("attendance_staff_training", sa.Integer(), nullable=False),
        sa.Column("attendance_assembly", sa.Integer(), nullable=False),
        sa.Column("attendance_workshop", sa.Integer(), nullable=False),
        sa.Column("attendance_health_fair", sa.Integer(), nullable=False),
        sa.Column("attendance_parent_information_session", sa.Integer(), nullable=False),
        sa.Column("attendance_mental_health_week_toolkit", sa.Integer(), nullable=False),
        sa.Column("attendance_other", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "school_id", name=op.f("pk_daily_count")),
    )
    with op.batch_alter_table("daily_count", schema=None) as batch_op:
        batch_op.create_index("ix_daily_count_school_id_day", ["school_id", "day"], unique=False)
    op.create_table(
        "monthly_count",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("school_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("contacts_attended", sa.Integer(), nullable=False),
        sa.Column("contacts_did_not_attend", sa.Integer(), nullable=False),
        sa.Column("contacts_cancelled_by_family", sa.Integer(), nullable=False),
        sa.Column("contacts_cancelled_by_service", sa.Integer(), nullable=False),
        sa.Column("stage_assessment", sa.Integer(), nullable=False),
        sa.Column("stage_treatment", sa.Integer(), nullable=False),
        sa.Column("stage_review", sa.Integer(), nullable=False),
        sa.Column("stage_discharge", sa.Integer(), nullable=False),
        sa.Column("mode_face_to_face_school", sa.Integer(), nullable=False),
        sa.Column("mode_face_to_face_elsewhere", sa.Integer(), nullable=False),
        sa.Column("mode_video", sa.Integer(), nullable=False),
        sa.Column("mode_telephone", sa.Integer(), nullable=False),
        sa.Column("who_child", sa.Integer(), nullable=False),
        sa.Column("who_parent_carer", sa.Integer(), nullable=False),
        sa.Column("who_both", sa.Integer(), nullable=False),
        sa.Column("activities_staff_training", sa.Integer(), nullable=False),
        sa.Column("activities_assembly", sa.Integer(), nullable=False),
        sa.Column("activities_workshop", sa.Integer(), nullable=False),
        sa.Column("activities_health_fair", sa.Integer(), nullable=False),
        sa.Column("activities_parent_information_session", sa.Integer(), nullable=False),
        sa.Column("activities_mental_health_week_toolkit", sa.Integer(), nullable=False),
        sa.Column("activities_other", sa.Integer(), nullable=False),
        sa.Column("attendance_staff_training", sa.Integer(), nullable=False),
        sa.Column("attendance_assembly", sa.Integer(), nullable=False),
        sa.Column("attendance_workshop", sa.Integer(), nullable=False),
        sa.Column("attendance_health_fair", sa.Integer(), nullable=False),
        sa.Column("attendance_parent_information_session", sa.Integer(), nullable=False),
        sa.Column("attendance_mental_health_week_toolkit", sa.Integer(), nullable=False),
        sa.Column("attendance_other", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "school_id", name=op.f("pk_monthly_count")),
    )
    with op.batch_alter_table("monthly_count", schema=None) as batch_op:
        batch_op.create_index(
            "ix_monthly_count_school_id_month", ["school_id", "month"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("monthly_count", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_count_school_id_month")
    op.drop_table("monthly_count")
    with op.batch_alter_table("daily_count", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_count_school_id_day")
    op.drop_table("daily_count")
    with op.batch_alter_table("measure_fact", schema=None) as batch_op:
        batch_op.drop_index("ix_measure_fact_last_completed_on_school_id")
    op.drop_table("measure_fact")
    with op.batch_alter_table("referral_fact", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_fact_school_id_received_on")
        batch_op.drop_index("ix_referral_fact_received_on_school_id")
    op.drop_table("referral_fact")
