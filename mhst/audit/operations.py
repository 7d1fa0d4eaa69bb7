"""The one way to write to the audit log.

Every read and every write of a child's record calls :func:`record`; so do sign-ins and
changes to users. The event joins the caller's unit of work: it is committed with
the change it describes, or rolled back with it.
"""

from __future__ import annotations

from flask import has_request_context, render_template, request
from flask_login import current_user
from sqlalchemy import ColumnElement, String, Text, cast, event, false, insert, or_, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY, array

from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.forms import commit_unit
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


LIST_CHUNK = 1000  # ids named by one event: a national extract's million is a thousand rows


def record_many(
    record_type: AuditRecordType, actions: list[tuple[AuditAction, object]], *, user
) -> None:
    """Audit many records (a list page, a bulk operation such as an import) in one
    INSERT: see :func:`record_mixed`."""
    _checked(record_type)
    record_mixed([(action, record_type, record_id) for action, record_id in actions], user=user)


def record_mixed(actions: list[tuple[AuditAction, AuditRecordType, object]], *, user) -> None:
    """Audit (action, type, id) triples with the same who and where as :func:`record`:
    ONE event per action and type, naming every id in ``record_ids`` (a single id goes
    in ``record_id`` as :func:`record` puts it), so a page listing 50 children writes one
    row, not 50. "Who read this record" finds both (:func:`names_record`)."""
    # Each type's ids in a dict, first seen first, each once: a list's "not in" made the
    # national extract's 160,000 referrals take minutes (quadratic).
    grouped: dict[tuple[AuditAction, AuditRecordType], dict[str, None]] = {}
    for action, record_type, record_id in actions:
        grouped.setdefault((action, _checked(record_type)), {})[str(record_id)] = None
    if not grouped:
        return
    ip_address = request.remote_addr if has_request_context() else None
    rows = []
    for (action, record_type), unique in grouped.items():
        ids = list(unique)
        for start in range(0, len(ids), LIST_CHUNK):
            chunk = ids[start : start + LIST_CHUNK]
            rows.append(
                {
                    "user_id": user.id,
                    "actor": user.email,
                    "action": action,
                    "record_type": record_type,
                    "record_id": chunk[0] if len(chunk) == 1 else None,
                    "record_ids": None if len(chunk) == 1 else chunk,
                    "ip_address": ip_address,
                    "detail": None if len(chunk) == 1 else f"{len(chunk)} records listed",
                }
            )
    # A Core INSERT: one statement for every row (the ORM's bulk insert would split the
    # rows by which columns are NULL, and a page's query count would vary with its data).
    db.session.execute(insert(AuditEvent.__table__), rows)


def names_record(record_id: object, column=None, ids_column=None) -> ColumnElement[bool]:
    """The audit events about the record ``record_id`` (of a type the caller also
    checks): alone (``record_id``) or in a list (``record_ids``). On PostgreSQL the list
    is searched through its GIN index (``@>``), on SQLite as delimited text."""
    column = AuditEvent.record_id if column is None else column
    ids_column = AuditEvent.record_ids if ids_column is None else ids_column
    wanted = str(record_id)
    if db.session.get_bind().dialect.name == "postgresql":
        in_list = ids_column.op("@>")(cast(array([wanted]), ARRAY(String(60))))
    else:
        in_list = type_coerce(ids_column, Text).contains(f",{wanted},", autoescape=True)
    return or_(column == wanted, in_list)


def names_any(record_ids, column=None, ids_column=None) -> ColumnElement[bool]:
    """Like :func:`names_record` for several ids (``&&``: the arrays overlap)."""
    column = AuditEvent.record_id if column is None else column
    ids_column = AuditEvent.record_ids if ids_column is None else ids_column
    wanted = [str(i) for i in record_ids]
    if not wanted:
        return false()
    if db.session.get_bind().dialect.name == "postgresql":
        in_list = ids_column.op("&&")(cast(array(wanted), ARRAY(String(60))))
    else:
        text_ids = type_coerce(ids_column, Text)
        in_list = or_(*(text_ids.contains(f",{i},", autoescape=True) for i in wanted))
    return or_(column.in_(wanted), in_list)


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
