"""School register, participation history, cohorts, onboarding, named leads, interest
registrations and whole-school activities.

Existing schools become "not participating", the status every school starts in.

Revision ID: 0002_school_register
Revises: 0001_foundation
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_school_register"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PHASES = ("primary", "secondary", "all_through", "special", "alternative_provision", "college")
STATUSES = (
    "not_participating",
    "interest_registered",
    "assigned_to_cohort",
    "onboarding",
    "active",
    "paused",
    "left",
)
LEAD_KINDS = ("lead", "deputy")
INTEREST_STATUSES = ("pending", "accepted", "declined")
ACTIVITY_KINDS = (
    "staff_training",
    "assembly",
    "workshop",
    "health_fair",
    "parent_information_session",
    "mental_health_week_toolkit",
    "other",
)
PRINCIPLES = (
    "leadership",
    "ethos_and_environment",
    "curriculum",
    "student_voice",
    "staff_development",
    "identifying_need",
    "working_with_parents",
    "targeted_support",
)


def one_of(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    """The CHECK constraint the models' string enums declare (ck_<table>_<name>)."""
    return sa.CheckConstraint(
        f"{column} IN ({', '.join(repr(v) for v in values)})", name=op.f(f"ck_{table}_{name}")
    )


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cohort",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("academic_year", sa.Integer(), nullable=False),
        sa.Column("go_live_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort")),
        sa.UniqueConstraint("name", name=op.f("uq_cohort_name")),
    )
    op.create_index(op.f("ix_cohort_academic_year"), "cohort", ["academic_year"])
    op.create_table(
        "cohort_team",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_cohort_team_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_cohort_team_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("cohort_id", "team_id", name=op.f("pk_cohort_team")),
    )

    with op.batch_alter_table("school") as batch:
        batch.add_column(sa.Column("phase", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("local_authority", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("pupils_on_roll", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cohort_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "participation_status",
                sa.String(length=30),
                nullable=False,
                server_default="not_participating",  # for the schools already there
            )
        )
        batch.create_check_constraint(
            op.f("ck_school_phase"), f"phase IN ({', '.join(repr(v) for v in PHASES)})"
        )
        batch.create_check_constraint(
            op.f("ck_school_participation_status"),
            f"participation_status IN ({', '.join(repr(v) for v in STATUSES)})",
        )
        batch.create_check_constraint(op.f("ck_school_pupils_not_negative"), "pupils_on_roll >= 0")
        batch.create_foreign_key(
            op.f("fk_school_cohort_id_cohort"), "cohort", ["cohort_id"], ["id"]
        )
        batch.create_index(op.f("ix_school_cohort_id"), ["cohort_id"])
        batch.create_index(op.f("ix_school_participation_status"), ["participation_status"])
    with op.batch_alter_table("school") as batch:
        batch.alter_column("participation_status", server_default=None)

    op.create_table(
        "participation_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=30), nullable=True),
        sa.Column("to_status", sa.String(length=30), nullable=False),
        sa.Column("occurred_at", when(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        one_of("participation_event", "participation_from_status", "from_status", STATUSES),
        one_of("participation_event", "participation_to_status", "to_status", STATUSES),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["user_account.id"],
            name=op.f("fk_participation_event_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_participation_event_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_event")),
    )
    op.create_index(op.f("ix_participation_event_school_id"), "participation_event", ["school_id"])

    op.create_table(
        "school_onboarding",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("lead_capacity_confirmed", sa.Boolean(), nullable=False),
        sa.Column("involves_children_and_families", sa.Boolean(), nullable=False),
        sa.Column("supports_evaluation", sa.Boolean(), nullable=False),
        sa.Column("accommodation_available", sa.Boolean(), nullable=False),
        sa.Column("safeguarding_aligned", sa.Boolean(), nullable=False),
        sa.Column("welcome_pack_sent_on", sa.Date(), nullable=True),
        sa.Column("updated_at", when(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_school_onboarding_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_school_onboarding_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_school_onboarding")),
    )

    op.create_table(
        "school_lead_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("started_at", when(), nullable=False),
        sa.Column("ended_at", when(), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        one_of("school_lead_assignment", "lead_kind", "kind", LEAD_KINDS),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["user_account.id"],
            name=op.f("fk_school_lead_assignment_assigned_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_school_lead_assignment_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_school_lead_assignment_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_lead_assignment")),
    )
    op.create_index(
        op.f("ix_school_lead_assignment_school_id"), "school_lead_assignment", ["school_id"]
    )
    op.create_index(
        op.f("ix_school_lead_assignment_user_id"), "school_lead_assignment", ["user_id"]
    )
    op.create_index(
        "uq_school_lead_assignment_current",
        "school_lead_assignment",
        ["school_id", "kind"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )

    op.create_table(
        "interest_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_name", sa.String(length=200), nullable=False),
        sa.Column("urn", sa.String(length=6), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_role", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("pupils_on_roll", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("submitted_at", when(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reviewed_at", when(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        one_of("interest_registration", "interest_status", "status", INTEREST_STATUSES),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["service_area.id"],
            name=op.f("fk_interest_registration_area_id_service_area"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["user_account.id"],
            name=op.f("fk_interest_registration_reviewed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_interest_registration_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interest_registration")),
    )
    op.create_index(op.f("ix_interest_registration_urn"), "interest_registration", ["urn"])

    op.create_table(
        "whole_school_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("other_kind", sa.String(length=120), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("delivered_by", sa.String(length=200), nullable=False),
        sa.Column("attendance", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", when(), nullable=False),
        one_of("whole_school_activity", "activity_kind", "kind", ACTIVITY_KINDS),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_whole_school_activity_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_whole_school_activity_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whole_school_activity")),
    )
    op.create_index(op.f("ix_whole_school_activity_held_on"), "whole_school_activity", ["held_on"])
    op.create_index(
        op.f("ix_whole_school_activity_school_id"), "whole_school_activity", ["school_id"]
    )
    op.create_table(
        "activity_principle",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("principle", sa.String(length=30), nullable=False),
        one_of("activity_principle", "principle", "principle", PRINCIPLES),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["whole_school_activity.id"],
            name=op.f("fk_activity_principle_activity_id_whole_school_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", "principle", name=op.f("pk_activity_principle")),
    )


def downgrade() -> None:
    op.drop_table("activity_principle")
    op.drop_index(op.f("ix_whole_school_activity_school_id"), table_name="whole_school_activity")
    op.drop_index(op.f("ix_whole_school_activity_held_on"), table_name="whole_school_activity")
    op.drop_table("whole_school_activity")
    op.drop_index(op.f("ix_interest_registration_urn"), table_name="interest_registration")
    op.drop_table("interest_registration")
    op.drop_index("uq_school_lead_assignment_current", table_name="school_lead_assignment")
    op.drop_index(op.f("ix_school_lead_assignment_user_id"), table_name="school_lead_assignment")
    op.drop_index(op.f("ix_school_lead_assignment_school_id"), table_name="school_lead_assignment")
    op.drop_table("school_lead_assignment")
    op.drop_table("school_onboarding")
    op.drop_index(op.f("ix_participation_event_school_id"), table_name="participation_event")
    op.drop_table("participation_event")
    with op.batch_alter_table("school") as batch:
        batch.drop_index(op.f("ix_school_participation_status"))
        batch.drop_index(op.f("ix_school_cohort_id"))
        batch.drop_constraint(op.f("fk_school_cohort_id_cohort"), type_="foreignkey")
        batch.drop_constraint(op.f("ck_school_pupils_not_negative"), type_="check")
        batch.drop_constraint(op.f("ck_school_participation_status"), type_="check")
        batch.drop_constraint(op.f("ck_school_phase"), type_="check")
        batch.drop_column("participation_status")
        batch.drop_column("cohort_id")
        batch.drop_column("pupils_on_roll")
        batch.drop_column("local_authority")
        batch.drop_column("phase")
    op.drop_table("cohort_team")
    op.drop_index(op.f("ix_cohort_academic_year"), table_name="cohort")
    op.drop_table("cohort")
