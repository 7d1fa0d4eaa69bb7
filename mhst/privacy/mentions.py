"""A child's name written into a record that is not theirs alone: the history of a group
session's attendance corrections lists who came by name (``session_change``'s
``from_value`` and ``to_value``; mhst.sessions.group_corrections), and its reason is
free text that may name them.

Those rows belong to the group session and name other children, so they are not in a
child's subject access export (the child's own attendance is). When a child's record is
erased, deleted or pseudonymised, the child's full name is replaced in the lists of who
came (the others' names and the history's shape stay), and each of their names is removed
from the reason.
"""

from __future__ import annotations

import re

from sqlalchemy import select, update

from mhst.extensions import db
from mhst.privacy.graph import ROOT, ChildRecords

LISTS = ("from_value", "to_value")  # names joined by ", ": the full name is replaced
FREE_TEXT = ("reason",)  # each of the child's names is removed
NAME_REMOVED = "[name removed]"


def _pattern(words: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(words)}(?!\w)")


def _full_names(records: ChildRecords) -> list[re.Pattern]:
    return [_pattern(f"{row['given_name']} {row['family_name']}") for row in records.of(ROOT)]


def _each_name(records: ChildRecords) -> list[re.Pattern]:
    words = {
        word
        for row in records.of(ROOT)
        for word in f"{row['given_name']} {row['family_name']}".split()
        if len(word) > 1
    }
    return [_pattern(word) for word in sorted(words)]


def replace_mentions(records: ChildRecords, replacement: str) -> int:
    """Replace the children's names in the group session histories that name them;
    returns the rows changed. Call before the record's rows are changed or deleted."""
    full, each = _full_names(records), _each_name(records)
    group_ids = sorted({row["group_id"] for row in records.of("group_participant")})
    if not full or not group_ids:
        return 0
    change = db.metadata.tables["session_change"]
    sessions = db.metadata.tables["group_session"]
    of_groups = select(sessions.c.id).where(sessions.c.group_id.in_(group_ids))
    rows = db.session.execute(
        select(change.c.id, *(change.c[name] for name in LISTS + FREE_TEXT)).where(
            change.c.group_session_id.in_(of_groups)
        )
    ).all()
    changed = 0
    for row_id, *texts in rows:
        new = [_replaced(text, full, replacement) for text in texts[: len(LISTS)]]
        new += [_replaced(text, each, NAME_REMOVED) for text in texts[len(LISTS) :]]
        if new != texts:
            values = dict(zip(LISTS + FREE_TEXT, new, strict=True))
            db.session.execute(update(change).where(change.c.id == row_id).values(values))
            changed += 1
    return changed


def _replaced(text: str | None, names: list[re.Pattern], replacement: str) -> str | None:
    if text is None:
        return None
    for name in names:
        text = name.sub(replacement, text)
    return text
