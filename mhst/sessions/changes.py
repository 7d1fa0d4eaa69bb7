"""The history rows corrections leave (:class:`SessionChange`), and reading them back for
a page in one query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mhst.accounts.models import User
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.sessions.change_models import ChangeKind, SessionChange

REASON_MAX = 1000
REASON = "reason"  # the form field every correction's reason is typed in


def checked_reason(reason: str | None, what: str = "this change") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(REASON, f"Enter why you are making {what}")
    if len(reason) > REASON_MAX:
        raise RuleError(REASON, f"The reason must be {REASON_MAX:,} characters or fewer")
    return reason


def log_change(
    kind: ChangeKind,
    *,
    by: User,
    reason: str,
    from_value: str | None = None,
    to_value: str | None = None,
    care_contact_id: int | None = None,
    group_session_id: int | None = None,
) -> SessionChange:
    change = SessionChange(
        kind=kind,
        care_contact_id=care_contact_id,
        group_session_id=group_session_id,
        from_value=from_value,
        to_value=to_value,
        reason=reason,
        changed_by_id=by.id,
        changed_at=utcnow(),
    )
    db.session.add(change)
    return change


def _grouped(column, ids: Iterable[int]) -> dict[int, list[SessionChange]]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(SessionChange)
        .where(column.in_(ids))
        .options(joinedload(SessionChange.changed_by))
        .order_by(SessionChange.changed_at, SessionChange.id)
    )
    found: dict[int, list[SessionChange]] = defaultdict(list)
    for row in rows:
        found[getattr(row, column.key)].append(row)
    return dict(found)


def contact_changes(contact_ids: Iterable[int]) -> dict[int, list[SessionChange]]:
    """The corrections of these 1:1 sessions (by care contact id), oldest first."""
    return _grouped(SessionChange.care_contact_id, contact_ids)


def group_session_changes(session_ids: Iterable[int]) -> dict[int, list[SessionChange]]:
    """The corrections of these group sessions (by session id), oldest first."""
    return _grouped(SessionChange.group_session_id, session_ids)
