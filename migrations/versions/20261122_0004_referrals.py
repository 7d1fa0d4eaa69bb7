"""Children, referrals, their needs and risk screen, history, consent and signposting.

Revision ID: 0004_referrals
Revises: 0003_directory
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_referrals"
down_revision: str | None = "0003_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENDERS = ("female", "male", "non_binary", "other", "not_stated")
ETHNICITIES = tuple("ABCDEFGHJKLMNPRSZ")
YEAR_GROUPS = ("reception", *(f"year_{n}" for n in range(1, 14)), "post_16")
SOURCES = ("school", "self_referral_online", "parent_carer", "school_nurse", "gp")
DURATIONS = (
    "less_than_a_month",
    "one_to_three_months",
    "three_to_six_months",
    "more_than_six_months",
)
IMPACTS = ("a_little", "quite_a_lot", "a_great_deal")
AGREES = ("yes", "no", "not_sure")
STATUSES = (
    "submitted",
    "awaiting_consent",
    "ready_for_triage",
    "accepted",
    "allocated",
    "in_treatment",
    "discharged",
    "signposted",
    "not_accepted",
    "stepped_up",
    "withdrawn",
)
NEEDS = (
    "low_mood",
    "worry",
    "anxiety_and_avoidance",
    "sleep_difficulties",
    "challenging_behaviour",
    "family_relationships",
    "adjusting_to_change",
    "emotional_regulation",
    "other",
)
RISKS = (
    "self_harm",
    "thoughts_of_suicide",
    "safeguarding_concern",
    "eating_difficulties",
    "unusual_experiences",
    "substance_use",
)
CONSENT_KINDS = ("parent_carer", "young_person", "gillick")
CONSENT_METHODS = ("in_writing", "online_form", "phone", "in_person")


def one_of(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    """The CHECK constraint the models' string enums declare (ck_<table>_<name>)."""
    return sa.CheckConstraint(
        f"{column} IN ({', '.join(repr(v) for v in values)})", name=op.f(f"ck_{table}_{name}")
    )


def fk(table: str, column: str, target: str, **kwargs) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **kwargs
    )


def upgrade() -> None:
    op.create_table(
        "child",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("gender", sa.String(length=20), nullable=False),
        sa.Column("ethnicity", sa.String(length=1), nullable=True),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("year_group", sa.String(length=20), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("parent_carer_name", sa.String(length=200), nullable=True),
        sa.Column("parent_carer_relationship", sa.String(length=100), nullable=True),
        sa.Column("parent_carer_phone", sa.String(length=40), nullable=True),
        sa.Column("parent_carer_email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "nhs_number IS NULL OR length(nhs_number) = 10", name=op.f("ck_child_nhs_number_ten")
        ),
        one_of("child", "gender", "gender", GENDERS),
        one_of("child", "ethnicity", "ethnicity", ETHNICITIES),
        one_of("child", "year_group", "year_group", YEAR_GROUPS),
        fk("child", "school_id", "school"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child")),
    )
    op.create_index(op.f("ix_child_nhs_number"), "child", ["nhs_number"])
    op.create_index(op.f("ix_child_school_id"), "child", ["school_id"])

    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("referrer_name", sa.String(length=200), nullable=True),
        sa.Column("referrer_contact", sa.String(length=254), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("in_education", sa.Boolean(), nullable=False),
        sa.Column("need_other", sa.String(length=500), nullable=True),
        sa.Column("duration", sa.String(length=30), nullable=False),
        sa.Column("impact", sa.String(length=20), nullable=False),
        sa.Column("needs_detail", sa.Text(), nullable=False),
        sa.Column("already_tried", sa.Text(), nullable=False),
        sa.Column("risk_detail", sa.Text(), nullable=True),
        sa.Column("discussed_with_team", sa.Boolean(), nullable=False),
        sa.Column("child_agrees", sa.String(length=10), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("ineligible_reason", sa.Text(), nullable=True),
        sa.Column("high_risk", sa.Boolean(), nullable=False),
        sa.Column("risk_reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("risk_reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("risk_review_notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        one_of("referral", "referral_source", "source", SOURCES),
        one_of("referral", "duration", "duration", DURATIONS),
        one_of("referral", "impact", "impact", IMPACTS),
        one_of("referral", "child_agrees", "child_agrees", AGREES),
        one_of("referral", "referral_status", "status", STATUSES),
        fk("referral", "child_id", "child"),
        fk("referral", "school_id", "school"),
        fk("referral", "submitted_by_id", "user_account"),
        fk("referral", "risk_reviewed_by_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    for column in ("child_id", "school_id", "received_on", "high_risk", "status"):
        op.create_index(op.f(f"ix_referral_{column}"), "referral", [column])

    op.create_table(
        "referral_need",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("need", sa.String(length=30), nullable=False),
        one_of("referral_need", "need", "need", NEEDS),
        fk("referral_need", "referral_id", "referral", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("referral_id", "need", name=op.f("pk_referral_need")),
    )
    op.create_table(
        "referral_risk",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("risk", sa.String(length=30), nullable=False),
        one_of("referral_risk", "risk", "risk", RISKS),
        fk("referral_risk", "referral_id", "referral", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("referral_id", "risk", name=op.f("pk_referral_risk")),
    )
    op.create_table(
        "referral_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=30), nullable=True),
        sa.Column("to_status", sa.String(length=30), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        one_of("referral_event", "referral_event_from_status", "from_status", STATUSES),
        one_of("referral_event", "referral_event_to_status", "to_status", STATUSES),
        fk("referral_event", "referral_id", "referral"),
        fk("referral_event", "by_user_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_event")),
    )
    op.create_index(op.f("ix_referral_event_referral_id"), "referral_event", ["referral_id"])
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("given_by_name", sa.String(length=200), nullable=False),
        sa.Column("relationship_to_child", sa.String(length=100), nullable=True),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("gillick_assessed_on", sa.Date(), nullable=True),
        sa.Column("gillick_assessment", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        one_of("consent", "consent_kind", "kind", CONSENT_KINDS),
        one_of("consent", "consent_method", "method", CONSENT_METHODS),
        fk("consent", "referral_id", "referral"),
        fk("consent", "recorded_by_id", "user_account"),
        fk("consent", "withdrawn_by_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    op.create_index(op.f("ix_consent_referral_id"), "consent", ["referral_id"])
    op.create_table(
        "referral_signpost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        fk("referral_signpost", "referral_id", "referral"),
        fk("referral_signpost", "event_id", "referral_event"),
        fk("referral_signpost", "service_id", "directory_service"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_signpost")),
    )
    op.create_index(op.f("ix_referral_signpost_referral_id"), "referral_signpost", ["referral_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_referral_signpost_referral_id"), table_name="referral_signpost")
    op.drop_table("referral_signpost")
    op.drop_index(op.f("ix_consent_referral_id"), table_name="consent")
    op.drop_table("consent")
    op.drop_index(op.f("ix_referral_event_referral_id"), table_name="referral_event")
    op.drop_table("referral_event")
    op.drop_table("referral_risk")
    op.drop_table("referral_need")
    for column in ("status", "high_risk", "received_on", "school_id", "child_id"):
        op.drop_index(op.f(f"ix_referral_{column}"), table_name="referral")
    op.drop_table("referral")
    op.drop_index(op.f("ix_child_school_id"), table_name="child")
    op.drop_index(op.f("ix_child_nhs_number"), table_name="child")
    op.drop_table("child")
