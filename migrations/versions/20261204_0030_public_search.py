"""The public pages: each team's public contact route (phone and email families may use),
shown on the public list of participating schools; and a pg_trgm GIN index on
``school.name`` for that list's search by part of a name (``name ILIKE '%words%'``).

At national size (24,000 schools, bench/bench_public.py) the search read the A-to-Z
index until it had a page of matches: every entry for a search matching few or none.
The trigram index finds the matches directly. PostgreSQL only, as 0020_trigram's: the
model declares it for PostgreSQL (``Index.ddl_if``) and SQLite gets nothing; the
downgrade keeps the extension (0020_trigram's may need it).

Revision ID: 0030_public_search
Revises: 0029_self_referral
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_public_search"
down_revision: str | None = "0029_self_referral"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


INDEX = "ix_school_name_trgm"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("public_email", sa.String(length=254), nullable=True))
    if _postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            INDEX,
            "school",
            ["name"],
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if _postgresql():
        op.drop_index(INDEX, table_name="school")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_column("public_email")
        batch_op.drop_column("public_phone")
