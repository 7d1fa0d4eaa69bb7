"""Finding a child by part of a name: a pg_trgm GIN index on ``child.name_key``.

The children search filters ``name_key LIKE '%word%'`` for each word typed: a B-tree
cannot serve a pattern that starts with ``%``, so the search read every child in the
user's reach. A trigram GIN index on the same column (the query's expression exactly:
``name_key``, with ``gin_trgm_ops``) serves ``LIKE '%word%'`` for words of three or more
characters. PostgreSQL only: SQLite has no such index and the migration does nothing
there (the model declares the index for PostgreSQL only, ``Index.ddl_if``).

The downgrade drops the index but keeps the pg_trgm extension: ``CREATE EXTENSION IF
NOT EXISTS`` may have found it already installed, and other databases' objects or a
later migration may use it; an unused extension costs nothing.

Revision ID: 0020_trigram
Revises: 0019_rollups
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_trigram"
down_revision: str | None = "0019_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_child_name_key_trgm"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        INDEX,
        "child",
        ["name_key"],
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
    )


def downgrade() -> None:
    if _postgresql():
        op.drop_index(INDEX, table_name="child")
