"""The one way to write to the audit log.

Every read and every write of a child's record calls :func:`record`; so do sign-ins and
changes to users. The event joins the caller's unit of work: it is committed with
the change it describes, or rolled back with it.
"""

from __future__ import annotations

from flask import has_request_context, render_template, request
from flask_login import current_user
from sqlalchemy import event, insert

from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.forms import commit_unit
from mhst.core.time import utcnow
from mhst.extensions import db


class AuditLogIsAppendOnly(Exception):
    pass


def _checked(record_type: AuditRecordType) -> AuditRecordType:
    # AuditRecordType is a str enum: a plain string would pass unnoticed into the column.
    if not isinstance(record_type, AuditRecordType):
        raise TypeError(f"record_type must be an AuditRecordType, not {record_type!r}")
    return record_type


def record(
    action: AuditAction,
    record_type: AuditRecordType,
    record_id: object | None = None,
    *,
    detail: str | None = None,
    user=None,
    actor: str | None = None,
) -> AuditEvent:
    """Add an audit event for ``action`` on ``record_type`` ``record_id`` to the session.

    The user defaults to the signed-in user and the address to the request's.
    """
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    ip_address = request.remote_addr if has_request_context() else None
    event_ = AuditEvent(
        user_id=user.id if user is not None else None,
        actor=actor or (user.email if user is not None else "anonymous"),
        action=action,
        record_type=_checked(record_type),
        record_id=None if record_id is None else str(record_id),
        ip_address=ip_address,
        detail=detail[:500] if detail else None,
    )
    db.session.add(event_)
    return event_


def record_many(
    record_type: AuditRecordType, actions: list[tuple[AuditAction, object]], *, user
) -> None:
    """Audit many records in one INSERT (bulk operations such as an import): one event per
    (action, record id), with the same who and where as :func:`record` gives."""
    _checked(record_type)
    record_mixed([(action, record_type, record_id) for action, record_id in actions], user=user)


def record_mixed(actions: list[tuple[AuditAction, AuditRecordType, object]], *, user) -> None:
    """Like :func:`record_many` for records of several types, (action, type, id) each:
    a page showing sessions and measures audits both in one INSERT."""
    if not actions:
        return
    ip_address = request.remote_addr if has_request_context() else None
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "user_id": user.id,
                "actor": user.email,
                "action": action,
                "record_type": _checked(record_type),
                "record_id": str(record_id),
                "ip_address": ip_address,
                "detail": None,
            }
            for action, record_type, record_id in actions
        ],
    )


def record_exports(record_type: AuditRecordType, record_ids: list[object], *, user) -> None:
    """One EXPORT event per record, for an export of hundreds of thousands (the national
    extract's referrals): by COPY on PostgreSQL, inside the caller's transaction (an
    INSERT of that many rows costs more in the driver than in the database); by
    :func:`record_many` elsewhere."""
    _checked(record_type)
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        record_many(record_type, [(AuditAction.EXPORT, i) for i in record_ids], user=user)
        return
    ip_address = request.remote_addr if has_request_context() else None
    now = utcnow()
    driver = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(
            "COPY audit_event (occurred_at, user_id, actor, action, record_type, record_id, "
            "ip_address) FROM STDIN"
        ) as copy,
    ):
        for record_id in record_ids:
            copy.write_row(
                (
                    now,
                    user.id,
                    user.email,
                    AuditAction.EXPORT.value,
                    record_type.value,
                    str(record_id),
                    ip_address,
                )
            )


def render_audited(template_name: str, **context) -> str:
    """Render a page that reads children's records, then commit the audit events of
    those reads. Rendering comes first: a commit expires every loaded object, and the
    page would then load each one again (a query per row)."""
    return commit_unit(render_template, template_name, **context)


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper, _connection, _target):
    raise AuditLogIsAppendOnly("audit events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper, _connection, _target):
    raise AuditLogIsAppendOnly("audit events cannot be deleted")
