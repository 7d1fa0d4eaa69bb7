"""Foundation: service areas, teams, schools (minimal), users and the audit log.

The audit log is append-only in the database itself: triggers on both PostgreSQL and
SQLite refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("administrator", "clinical_lead", "senior_clinician", "emhp", "school_mental_health_lead")
AUDIT_ACTIONS = (
    "read",
    "create",
    "update",
    "delete",
    "export",
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "timed_out",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "service_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_area")),
        sa.UniqueConstraint("name", name=op.f("uq_service_area_name")),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["service_area.id"], name=op.f("fk_team_area_id_service_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("name", name=op.f("uq_team_name")),
    )
    op.create_index(op.f("ix_team_area_id"), "team", ["area_id"])

    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("urn", sa.String(length=6), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("length(urn) = 6", name=op.f("ck_school_urn_six_digits")),
        sa.ForeignKeyConstraint(
            ["area_id"], ["service_area.id"], name=op.f("fk_school_area_id_service_area")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_school_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint("urn", name=op.f("uq_school_urn")),
    )
    op.create_index(op.f("ix_school_area_id"), "school", ["area_id"])
    op.create_index(op.f("ix_school_team_id"), "school", ["team_id"])

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in("role", ROLES), name=op.f("ck_user_account_role")),
        sa.CheckConstraint(
            "(role = 'school_mental_health_lead' AND school_id IS NOT NULL AND team_id IS NULL)"
            " OR (role <> 'school_mental_health_lead' AND school_id IS NULL)",
            name=op.f("ck_user_account_role_scope"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_user_account_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_user_account_team_id_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_index(op.f("ix_user_account_school_id"), "user_account", ["school_id"])
    op.create_index(op.f("ix_user_account_team_id"), "user_account", ["team_id"])

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("record_type", sa.String(length=60), nullable=False),
        sa.Column("record_id", sa.String(length=60), nullable=True),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.CheckConstraint(_in("action", AUDIT_ACTIONS), name=op.f("ck_audit_event_audit_action")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_audit_event_user_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_occurred_at"), "audit_event", ["occurred_at"])
    op.create_index("ix_audit_event_record", "audit_event", ["record_type", "record_id"])
    op.create_index(op.f("ix_audit_event_user_id"), "audit_event", ["user_id"])
    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP;
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: {operation} refused'); END"
            )


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER audit_event_no_delete")
        op.execute("DROP TRIGGER audit_event_no_update")


def downgrade() -> None:
    _drop_append_only_triggers()
    op.drop_index(op.f("ix_audit_event_user_id"), table_name="audit_event")
    op.drop_index("ix_audit_event_record", table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_occurred_at"), table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index(op.f("ix_user_account_team_id"), table_name="user_account")
    op.drop_index(op.f("ix_user_account_school_id"), table_name="user_account")
    op.drop_table("user_account")
    op.drop_index(op.f("ix_school_team_id"), table_name="school")
    op.drop_index(op.f("ix_school_area_id"), table_name="school")
    op.drop_table("school")
    op.drop_index(op.f("ix_team_area_id"), table_name="team")
    op.drop_table("team")
    op.drop_table("service_area")
