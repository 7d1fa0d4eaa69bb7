"""One discharge per discharge event: discharge.event_id unique (a double submit cannot
record the closing of a case twice for one status change).

The upgrade refuses, naming the rows, a database where some event already has two
discharges: they are clinical records, never deleted by a migration; staff decide which
is right (and a retention or erasure process removes the other) before upgrading again.

Revision ID: 0038_integrity
Revises: 0037_notification_retries
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038_integrity"
down_revision: str | None = "0037_notification_retries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHOWN = 20  # duplicates named in the message; the count says if there are more


def duplicate_discharges(connection) -> list[tuple[int, int, list[int]]]:
    """(event id, referral id, discharge ids) for each event with more than one discharge."""
    discharge = sa.table(
        "discharge", sa.column("id"), sa.column("event_id"), sa.column("referral_id")
    )
    events = (
        sa.select(discharge.c.event_id)
        .group_by(discharge.c.event_id)
        .having(sa.func.count() > 1)
        .subquery()
    )
    rows = connection.execute(
        sa.select(discharge.c.event_id, discharge.c.referral_id, discharge.c.id)
        .where(discharge.c.event_id.in_(sa.select(events.c.event_id)))
        .order_by(discharge.c.event_id, discharge.c.id)
    )
    found: dict[int, tuple[int, list[int]]] = {}
    for event_id, referral_id, discharge_id in rows:
        found.setdefault(event_id, (referral_id, []))[1].append(discharge_id)
    return [(event, referral, ids) for event, (referral, ids) in found.items()]


def upgrade() -> None:
    duplicates = duplicate_discharges(op.get_bind())
    if duplicates:
        named = "; ".join(
            f"event {event} of referral {referral}: discharges {', '.join(map(str, ids))}"
            for event, referral, ids in duplicates[:SHOWN]
        )
        more = f" (and {len(duplicates) - SHOWN} more events)" if len(duplicates) > SHOWN else ""
        raise RuntimeError(
            f"0038_integrity makes discharge.event_id unique, but {len(duplicates)} discharge "
            f"events have more than one discharge row: {named}{more}. These are clinical "
            "records and the migration deletes none: decide with the service which row of "
            "each is right, remove the others through the records process, then upgrade again."
        )
    with op.batch_alter_table("discharge", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_discharge_event_id"), ["event_id"])


def downgrade() -> None:
    with op.batch_alter_table("discharge", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_discharge_event_id"), type_="unique")
