"""Casework: allocation, care contacts, discharge, groups and supervision.

Revision ID: 0005_casework
Revises: 0004_referrals
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_casework"
down_revision: str | None = "0004_referrals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def one_of(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    """The CHECK constraint the models' string enums declare (ck_<table>_<name>)."""
    return sa.CheckConstraint(
        f"{column} IN ({', '.join(repr(v) for v in values)})", name=op.f(f"ck_{table}_{name}")
    )


def upgrade() -> None:
    op.create_table(
        "group_programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("is_virtual", sa.Boolean(), nullable=False),
        sa.Column("planned_sessions", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "planned_sessions >= 1 AND planned_sessions <= 52",
            name=op.f("ck_group_programme_planned_range"),
        ),
        sa.CheckConstraint(
            "is_virtual OR school_id IS NOT NULL", name=op.f("ck_group_programme_school_or_virtual")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_group_programme_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_group_programme_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_group_programme_team_id_team")
        ),
        one_of(
            "group_programme",
            "group_kind",
            "kind",
            (
                "targeted",
                "universal",
            ),
        ),
        one_of(
            "group_programme",
            "group_audience",
            "audience",
            (
                "children",
                "parents",
            ),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_programme")),
    )
    with op.batch_alter_table("group_programme", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_programme_school_id"), ["school_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_group_programme_team_id"), ["team_id"], unique=False)

    op.create_table(
        "supervision_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["user_account.id"],
            name=op.f("fk_supervision_record_practitioner_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_supervision_record_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["user_account.id"],
            name=op.f("fk_supervision_record_supervisor_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_record")),
    )
    with op.batch_alter_table("supervision_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_record_held_on"), ["held_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supervision_record_practitioner_id"), ["practitioner_id"], unique=False
        )

    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("allocated_by_id", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["allocated_by_id"],
            ["user_account.id"],
            name=op.f("fk_allocation_allocated_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["user_account.id"],
            name=op.f("fk_allocation_practitioner_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_allocation_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation")),
    )
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_allocation_practitioner_id"), ["practitioner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_allocation_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            "uq_allocation_current",
            ["referral_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "care_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=30), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("pathway", sa.String(length=40), nullable=True),
        sa.Column("attendance", sa.String(length=30), nullable=True),
        sa.Column("who_attended", sa.String(length=20), nullable=True),
        sa.Column("clinical_notes", sa.Text(), nullable=True),
        sa.Column("risk_update", sa.Text(), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 480",
            name=op.f("ck_care_contact_duration_range"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_care_contact_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["user_account.id"],
            name=op.f("fk_care_contact_practitioner_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_care_contact_referral_id_referral")
        ),
        one_of(
            "care_contact",
            "contact_stage",
            "stage",
            (
                "assessment",
                "treatment",
                "review",
                "discharge",
            ),
        ),
        one_of(
            "care_contact",
            "contact_mode",
            "mode",
            (
                "face_to_face_school",
                "face_to_face_elsewhere",
                "video",
                "telephone",
            ),
        ),
        one_of(
            "care_contact",
            "pathway",
            "pathway",
            (
                "guided_self_help_anxiety",
                "parent_led_cbt_anxiety",
                "behavioural_activation",
                "cbt_sleep",
                "parenting_behaviour",
                "graded_exposure",
                "other",
            ),
        ),
        one_of(
            "care_contact",
            "attendance",
            "attendance",
            (
                "attended",
                "did_not_attend",
                "cancelled_by_family",
                "cancelled_by_service",
            ),
        ),
        one_of(
            "care_contact",
            "who_attended",
            "who_attended",
            (
                "child",
                "parent_carer",
                "both",
            ),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_contact")),
    )
    with op.batch_alter_table("care_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_contact_practitioner_id"), ["practitioner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_contact_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_care_contact_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "group_facilitator",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["group_programme.id"],
            name=op.f("fk_group_facilitator_group_id_group_programme"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_group_facilitator_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_facilitator")),
    )
    op.create_table(
        "group_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("as_parent", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["group_programme.id"],
            name=op.f("fk_group_participant_group_id_group_programme"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_group_participant_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_participant")),
        sa.UniqueConstraint("group_id", "referral_id", name="uq_group_participant_referral"),
    )
    with op.batch_alter_table("group_participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_participant_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_participant_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "group_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("head_count", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "head_count IS NULL OR head_count >= 0",
            name=op.f("ck_group_session_head_count_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["group_programme.id"],
            name=op.f("fk_group_session_group_id_group_programme"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_group_session_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_session")),
    )
    with op.batch_alter_table("group_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_session_group_id"), ["group_id"], unique=False)

    op.create_table(
        "supervision_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["supervision_record.id"],
            name=op.f("fk_supervision_case_record_id_supervision_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_supervision_case_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_case")),
    )
    with op.batch_alter_table("supervision_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_case_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supervision_case_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "discharge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("discharged_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["discharged_by_id"],
            ["user_account.id"],
            name=op.f("fk_discharge_discharged_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["referral_event.id"], name=op.f("fk_discharge_event_id_referral_event")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_discharge_referral_id_referral")
        ),
        one_of(
            "discharge",
            "discharge_reason",
            "reason",
            (
                "goals_met",
                "stepped_up",
                "signposted_on",
                "disengaged",
                "moved_school",
                "consent_withdrawn",
                "other",
            ),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge")),
    )
    with op.batch_alter_table("discharge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discharge_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "group_attendance",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["group_participant.id"],
            name=op.f("fk_group_attendance_participant_id_group_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_session.id"],
            name=op.f("fk_group_attendance_session_id_group_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "participant_id", name=op.f("pk_group_attendance")),
    )


def downgrade() -> None:
    op.drop_table("group_attendance")
    with op.batch_alter_table("discharge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discharge_referral_id"))

    op.drop_table("discharge")
    with op.batch_alter_table("supervision_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_case_referral_id"))
        batch_op.drop_index(batch_op.f("ix_supervision_case_record_id"))

    op.drop_table("supervision_case")
    with op.batch_alter_table("group_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_session_group_id"))

    op.drop_table("group_session")
    with op.batch_alter_table("group_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_participant_referral_id"))
        batch_op.drop_index(batch_op.f("ix_group_participant_group_id"))

    op.drop_table("group_participant")
    op.drop_table("group_facilitator")
    with op.batch_alter_table("care_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_contact_starts_at"))
        batch_op.drop_index(batch_op.f("ix_care_contact_referral_id"))
        batch_op.drop_index(batch_op.f("ix_care_contact_practitioner_id"))

    op.drop_table("care_contact")
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_allocation_current",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_allocation_referral_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_practitioner_id"))

    op.drop_table("allocation")
    with op.batch_alter_table("supervision_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_record_practitioner_id"))
        batch_op.drop_index(batch_op.f("ix_supervision_record_held_on"))

    op.drop_table("supervision_record")
    with op.batch_alter_table("group_programme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_programme_team_id"))
        batch_op.drop_index(batch_op.f("ix_group_programme_school_id"))

    op.drop_table("group_programme")
