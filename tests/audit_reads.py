"""What the audit log says was read or changed: the ids an event names alone
(``record_id``) or, for a list page or a bulk operation, together (``record_ids``)."""

from __future__ import annotations

from sqlalchemy import select

from mhst.audit.models import AuditEvent
from mhst.extensions import db


def named_ids(events) -> list[str]:
    """The record ids the ``events`` name, in their order."""
    ids: list[str] = []
    for event in events:
        ids.extend([event.record_id] if event.record_id is not None else event.record_ids or [])
    return ids


def audited_ids(*conditions, newest: int | None = None) -> list[str]:
    """The record ids named by the audit events matching ``conditions`` (oldest event
    first; only the ``newest`` events, if given)."""
    stmt = select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc())
    if newest is not None:
        stmt = stmt.limit(newest)
    return named_ids(reversed(db.session.scalars(stmt).all()))
