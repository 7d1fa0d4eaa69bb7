"""Booking rules: an area's school closures (term dates), the rooms a school provides
for face-to-face sessions, the room a session is booked in, and cancellations of booked
sessions kept in their history.

Revision ID: 0024_booking
Revises: 0023_child_birth_date
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_booking"
down_revision: str | None = "0023_child_birth_date"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = (
    "rescheduled",
    "time_corrected",
    "attendance_changed",
    "date_corrected",
    "group_attendance_changed",
    "entered_in_error",
)
KINDS_AFTER = ("rescheduled", "cancelled", *KINDS_BEFORE[1:])


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _replace_kind_check(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("session_change", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_session_change_session_change_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_session_change_session_change_kind"), _in("kind", values)
        )


def upgrade() -> None:
    op.create_table(
        "term_closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.CheckConstraint("first_day <= last_day", name=op.f("ck_term_closure_days_in_order")),
        sa.CheckConstraint(
            _in("kind", ("holiday", "closure_day")), name=op.f("ck_term_closure_closure_kind")
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["service_area.id"], name=op.f("fk_term_closure_area_id_service_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_closure")),
    )
    with op.batch_alter_table("term_closure", schema=None) as batch_op:
        batch_op.create_index(
            "ix_term_closure_area_days", ["area_id", "first_day", "last_day"], unique=False
        )
    op.create_table(
        "school_room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_school_room_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_room")),
    )
    with op.batch_alter_table("school_room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_room_school_id"), ["school_id"], unique=False)
        batch_op.create_index("uq_school_room_school_id_name", ["school_id", "name"], unique=True)
    with op.batch_alter_table("care_contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("room_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_care_contact_room_id"), ["room_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_care_contact_room_id_school_room"), "school_room", ["room_id"], ["id"]
        )
    _replace_kind_check(KINDS_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM session_change WHERE kind = 'cancelled'")
    _replace_kind_check(KINDS_BEFORE)
    with op.batch_alter_table("care_contact", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_care_contact_room_id_school_room"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_care_contact_room_id"))
        batch_op.drop_column("room_id")
    with op.batch_alter_table("school_room", schema=None) as batch_op:
        batch_op.drop_index("uq_school_room_school_id_name")
        batch_op.drop_index(batch_op.f("ix_school_room_school_id"))
    op.drop_table("school_room")
    with op.batch_alter_table("term_closure", schema=None) as batch_op:
        batch_op.drop_index("ix_term_closure_area_days")
    op.drop_table("term_closure")
