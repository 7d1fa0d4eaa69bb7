"""Amending clinical text: who may, the versions kept, and the audit entry naming them.

Only the author of a text, or a senior clinician, may amend it, always with a reason.
The amendment form carries the version the user read: an amendment made on a version
someone has since amended is refused (:class:`~mhst.core.versions.StaleEdit`), and two
made at the same moment cannot both be saved (``text_version``'s unique key).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from mhst.accounts.models import User
from mhst.amendments.models import TextVersion
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.core.versions import Change, StaleEdit
from mhst.extensions import db
from mhst.security.roles import Role

REASON_MAX = 1000


@dataclass(frozen=True)
class AmendableText:
    """One clinical text of one record, as the record's own module describes it."""

    record: object  # the model instance; ``field`` is its attribute holding the text
    record_type: AuditRecordType
    field: str
    label: str  # "the session notes", for messages and the audit entry
    author_id: int | None  # who wrote it first
    written_at: datetime  # when it was first written
    required: bool = True  # False: an amendment may leave it empty
    max_length: int = 10_000

    @property
    def record_id(self) -> int:
        return self.record.id

    @property
    def current(self) -> str | None:
        return getattr(self.record, self.field)


def may_amend(user: User, author_id: int | None) -> bool:
    return user.id == author_id or user.role is Role.SENIOR_CLINICIAN


def versions_of(text: AmendableText) -> list[TextVersion]:
    return versions_for(text.record_type, [text.record_id]).get((text.record_id, text.field), [])


def current_version(text: AmendableText) -> int:
    """The version number of the text as it is now (1 until it is first amended)."""
    versions = versions_of(text)
    return versions[-1].version if versions else 1


def _checked(text: AmendableText, new_text: str | None, reason: str | None, by: User):
    if not may_amend(by, text.author_id):
        raise RuleError("text", f"Only the author or a senior clinician can amend {text.label}")
    new_text = (new_text or "").strip() or None
    reason = (reason or "").strip()
    if new_text is None and text.required:
        raise RuleError("text", f"Enter {text.label}")
    if new_text and len(new_text) > text.max_length:
        raise RuleError(
            "text", f"{text.label.capitalize()} must be {text.max_length:,} characters or fewer"
        )
    if new_text == ((text.current or "").strip() or None):
        raise RuleError("text", f"Change {text.label} to amend them, or go back")
    if not reason:
        raise RuleError("reason", "Enter why you are making this amendment")
    if len(reason) > REASON_MAX:
        raise RuleError("reason", f"The reason must be {REASON_MAX:,} characters or fewer")
    return new_text, reason


def amend(
    text: AmendableText,
    *,
    new_text: str | None,
    reason: str | None,
    by: User,
    read_version: int | None,
) -> TextVersion:
    """Replace the text with ``new_text``, keeping every earlier version; returns the new
    version. ``read_version`` is the version the user was shown."""
    new_text, reason = _checked(text, new_text, reason, by)
    versions = versions_of(text)
    now_at = versions[-1].version if versions else 1
    if read_version != now_at:
        raise StaleEdit([Change("text", text.current or "blank")], now_at)
    if not versions:
        db.session.add(
            TextVersion(
                record_type=text.record_type,
                record_id=text.record_id,
                field=text.field,
                version=1,
                text=text.current,
                written_by_id=text.author_id,
                written_at=text.written_at,
            )
        )
    amended = TextVersion(
        record_type=text.record_type,
        record_id=text.record_id,
        field=text.field,
        version=now_at + 1,
        text=new_text,
        written_by_id=by.id,
        written_at=utcnow(),
        reason=reason,
    )
    db.session.add(amended)
    setattr(text.record, text.field, new_text)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        text.record_type,
        text.record_id,
        user=by,
        detail=f"{text.label} amended: version {amended.version} (text_version {amended.id})",
    )
    return amended


def versions_for(
    record_type: AuditRecordType, record_ids: Iterable[int]
) -> dict[tuple[int, str], list[TextVersion]]:
    """Every version of the amended texts of these records, in one query, keyed by
    (record id, field), oldest first. Texts never amended have no entry."""
    ids = list(record_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(TextVersion)
        .where(TextVersion.record_type == record_type, TextVersion.record_id.in_(ids))
        .options(joinedload(TextVersion.written_by))
        .order_by(TextVersion.record_id, TextVersion.field, TextVersion.version)
    )
    found: dict[tuple[int, str], list[TextVersion]] = defaultdict(list)
    for row in rows:
        found[(row.record_id, row.field)].append(row)
    return dict(found)


TextKey = tuple[AuditRecordType, int, str]  # (record type, record id, field)


def versions_for_records(
    wanted: Mapping[AuditRecordType, Iterable[int]],
) -> dict[TextKey, list[TextVersion]]:
    """:func:`versions_for` for records of several types (a page showing risk reviews,
    discharge summaries and supervision decisions), still in one query; keyed by
    (record type, record id, field)."""
    clauses = [
        and_(TextVersion.record_type == record_type, TextVersion.record_id.in_(list(ids)))
        for record_type, ids in wanted.items()
        if ids
    ]
    if not clauses:
        return {}
    rows = db.session.scalars(
        select(TextVersion)
        .where(or_(*clauses))
        .options(joinedload(TextVersion.written_by))
        .order_by(TextVersion.record_id, TextVersion.field, TextVersion.version)
    )
    found: dict[TextKey, list[TextVersion]] = defaultdict(list)
    for row in rows:
        found[(row.record_type, row.record_id, row.field)].append(row)
    return dict(found)
