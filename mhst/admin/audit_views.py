"""The administrator's view of the audit log: browse and filter, newest first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.audit.operations import names_record
from mhst.core import keyset
from mhst.security.permissions import Permission, requires

bp = Blueprint("audit", __name__, url_prefix="/admin/audit-log")

# Keyset order (ix_audit_event_occurred_at_id read backwards): the last page of tens of
# millions of entries costs what the first does.
NEWEST_FIRST = [keyset.Key(AuditEvent.occurred_at, True), keyset.Key(AuditEvent.id, True)]
# One record's entries: the same order, but through an expression no index has, so the
# planner finds the few entries through the record indexes (record_id, the GIN on
# record_ids) and sorts them, instead of reading the whole log newest first hoping to
# meet 51 of them soon (measured: 8 s on 5 million entries, see the README).
ONE_RECORD_NEWEST_FIRST = [
    keyset.Key(func.coalesce(AuditEvent.occurred_at, AuditEvent.occurred_at), True),
    keyset.Key(AuditEvent.id, True),
]


def _parse_day(raw: str, label: str, errors: list) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(
            (label, f"Enter the {label.replace('_', ' ')} date as YYYY-MM-DD, like 2026-11-22")
        )
        return None


@bp.get("/")
@requires(Permission.VIEW_AUDIT_LOG)
def index():
    args = {
        key: request.args.get(key, "").strip()[:254]
        for key in ("actor", "action", "record_type", "record_id", "from", "to")
    }
    errors: list[tuple[str, str]] = []
    stmt = select(AuditEvent)
    if args["actor"]:
        stmt = stmt.where(
            func.lower(AuditEvent.actor).contains(args["actor"].lower(), autoescape=True)
        )
    if args["action"]:
        if args["action"] in {a.value for a in AuditAction}:
            stmt = stmt.where(AuditEvent.action == AuditAction(args["action"]))
        else:
            errors.append(("action", "Select an action from the list"))
    if args["record_type"]:
        if args["record_type"] in {t.value for t in AuditRecordType}:
            stmt = stmt.where(AuditEvent.record_type == AuditRecordType(args["record_type"]))
        else:
            errors.append(("record_type", "Select a record type from the list"))
    if args["record_id"]:
        stmt = stmt.where(names_record(args["record_id"]))  # alone or in a list
    start = _parse_day(args["from"], "from", errors)
    end = _parse_day(args["to"], "to", errors)
    if start and end and end < start:
        errors.append(("to", "The 'to' date must be the same as or after the 'from' date"))
    else:
        if start:
            stmt = stmt.where(AuditEvent.occurred_at >= datetime.combine(start, time(), UTC))
        if end:
            stmt = stmt.where(
                AuditEvent.occurred_at < datetime.combine(end + timedelta(days=1), time(), UTC)
            )
    return render_template(
        "admin/audit/index.html",
        page=keyset.paginate(
            stmt,
            ONE_RECORD_NEWEST_FIRST if args["record_id"] else NEWEST_FIRST,
            request.args,
            per_page=50,
        ),
        filters=args,
        filter_errors=errors,
        action_options=[(action.value, action.label) for action in AuditAction],
        record_type_options=sorted(
            ((record_type.value, record_type.label) for record_type in AuditRecordType),
            key=lambda option: option[1],
        ),
    ), 400 if errors else 200
