"""The next-cohort planner: the need score's weights (need_weights, each save a new row
numbered in order) and the decisions adding waiting schools to a cohort
(plan_decision, with each school's score and rank in plan_decision_school).

Revision ID: 0035_cohort_planning
Revises: 0034_need_lookups
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035_cohort_planning"
down_revision: str | None = "0034_need_lookups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WEIGHTS = ("deprivation", "fsm", "wellbeing", "belonging", "waiting")


def upgrade() -> None:
    op.create_table(
        "need_weights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.SmallInteger(), nullable=False) for name in WEIGHTS),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        *(
            sa.CheckConstraint(
                f"{name} BETWEEN 0 AND 10", name=op.f(f"ck_need_weights_{name}_range")
            )
            for name in WEIGHTS
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["user_account.id"], name=op.f("fk_need_weights_set_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_weights")),
        sa.UniqueConstraint("number", name=op.f("uq_need_weights_number")),
    )
    op.create_table(
        "plan_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("weights_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_plan_decision_cohort_id_cohort")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_plan_decision_team_id_team")
        ),
        sa.ForeignKeyConstraint(
            ["weights_id"],
            ["need_weights.id"],
            name=op.f("fk_plan_decision_weights_id_need_weights"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_plan_decision_decided_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_decision")),
    )
    op.create_index(op.f("ix_plan_decision_cohort_id"), "plan_decision", ["cohort_id"])
    op.create_table(
        "plan_decision_school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("fewer_figures", sa.Boolean(), nullable=False),
        sa.CheckConstraint("rank >= 1", name=op.f("ck_plan_decision_school_rank_positive")),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["plan_decision.id"],
            name=op.f("fk_plan_decision_school_decision_id_plan_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_plan_decision_school_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_decision_school")),
    )
    op.create_index(
        op.f("ix_plan_decision_school_decision_id"), "plan_decision_school", ["decision_id"]
    )
    op.create_index(
        op.f("ix_plan_decision_school_school_id"), "plan_decision_school", ["school_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_decision_school_school_id"), table_name="plan_decision_school")
    op.drop_index(op.f("ix_plan_decision_school_decision_id"), table_name="plan_decision_school")
    op.drop_table("plan_decision_school")
    op.drop_index(op.f("ix_plan_decision_cohort_id"), table_name="plan_decision")
    op.drop_table("plan_decision")
    op.drop_table("need_weights")
