"""Sessions kept on the server (so sign-out ends them), account lockout, and audit
events for refused pages and for locking and unlocking accounts.

Revision ID: 0014_sessions
Revises: 0013_scoping
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_sessions"
down_revision: str | None = "0013_scoping"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_ACTIONS_BEFORE = (
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
NEW_AUDIT_ACTIONS = ("access_refused", "account_locked", "account_unlocked")
AUDIT_ACTIONS_AFTER = (*AUDIT_ACTIONS_BEFORE, *NEW_AUDIT_ACTIONS)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _replace_audit_action_check(values: tuple[str, ...]) -> None:
    """On SQLite the batch copies audit_event into a new table, and its append-only
    triggers go with the old one: drop them first and make them again after (the same
    triggers as 0001_foundation). PostgreSQL alters the table in place."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER audit_event_no_delete")
        op.execute("DROP TRIGGER audit_event_no_update")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_event_audit_action"), type_="check")
        batch_op.create_check_constraint(op.f("ck_audit_event_audit_action"), _in("action", values))
    if sqlite:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} "
                "ON audit_event BEGIN SELECT RAISE(ABORT, "
                f"'audit_event is append-only: {operation} refused'); END"
            )


def upgrade() -> None:
    op.create_table(
        "sign_in_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_sign_in_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_session_token_hash")),
    )
    with op.batch_alter_table("sign_in_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_session_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("failed_sign_ins_since", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    _replace_audit_action_check(AUDIT_ACTIONS_AFTER)


def downgrade() -> None:
    # The audit log is append-only: events of the new kinds cannot be rewritten to fit the
    # older list, so a database that holds any stays at this revision.
    audit_event = sa.table("audit_event", sa.column("action", sa.String))
    held = op.get_bind().execute(
        sa.select(sa.func.count()).where(audit_event.c.action.in_(NEW_AUDIT_ACTIONS))
    )
    if held.scalar_one():
        raise RuntimeError(
            "The audit log holds access-refused or lockout events, which the schema before "
            "0014_sessions cannot hold; the audit log is never rewritten, so this database "
            "cannot be downgraded past 0014_sessions."
        )
    _replace_audit_action_check(AUDIT_ACTIONS_BEFORE)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_sign_ins_since")
        batch_op.drop_column("failed_sign_ins")
    with op.batch_alter_table("sign_in_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_session_user_id"))
    op.drop_table("sign_in_session")
