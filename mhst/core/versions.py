"""Optimistic locking for edit forms: a save made on a version someone else has since
changed is refused, showing what they saved, and the first save is kept.

An editable model has a ``version`` column declared as SQLAlchemy's ``version_id_col``
(:func:`version_column` and :data:`VERSIONED`), so the database refuses an UPDATE of a
row changed since it was read in this transaction (``StaleDataError``, shown by
``commit_operation``). The form carries the version the user read (:class:`VersionedForm`);
the operation calls :func:`ensure_current` before changing anything, which compares it
with the saved one across the user's whole time on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.orm import mapped_column
from wtforms import HiddenField

from mhst.core.forms import BaseForm
from mhst.core.rules import RuleError

STALE_MESSAGE = (
    "Someone else changed this record while you were editing it, so your changes have not "
    "been saved"
)


def version_column():
    """The ``version`` column of an editable model; pair it with :func:`versioned`."""
    return mapped_column(Integer, nullable=False, server_default="1", default=1)


def versioned(column) -> dict[str, Any]:
    """``__mapper_args__`` making ``column`` the model's ``version_id_col``."""
    return {"version_id_col": column}


class VersionField(HiddenField):
    """The version the record was read at, re-posted with the form."""

    def read_version(self) -> int:
        """The posted version; 0 (never current) if it is missing or not a number."""
        try:
            return int(self.data)
        except (TypeError, ValueError):
            return 0


class VersionedForm(BaseForm):
    """An edit form that carries the version of the record it was filled in from."""

    version = VersionField()

    def read_version(self) -> int:
        return self.version.read_version()


@dataclass(frozen=True)
class Change:
    field: str  # the form field whose saved value differs from what the user sent
    saved: str  # the saved value, as the user would read it


class StaleEdit(RuleError):
    """The record was saved by someone else after the user read it. ``changes`` lists the
    fields where the saved value differs from what the user submitted."""

    def __init__(self, changes: list[Change], current_version: int):
        first = changes[0].field if changes else ""
        super().__init__(first, STALE_MESSAGE)
        self.changes = changes
        self.current_version = current_version

    def field_messages(self) -> list[tuple[str, str]]:
        """(field, message) for each field saved differently; one message if none was."""
        if not self.changes:
            return [("", f"{STALE_MESSAGE}. Check the page and save again")]
        return [
            (
                change.field,
                f"{STALE_MESSAGE}. It was saved as “{change.saved}”: check it and save again",
            )
            for change in self.changes
        ]

    def refresh_form(self, form) -> None:
        """The form now carries the saved version: saving again, having seen what changed,
        replaces it on purpose."""
        if hasattr(form, "version"):
            form.version.data = str(self.current_version)


def describe(value: object) -> str:
    """A saved value as a person would read it in a message."""
    if value is None or value == "":
        return "blank"
    if isinstance(value, Enum) and hasattr(value, "label"):
        return value.label
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        from mhst.core.formatting import format_date

        return format_date(value)
    for attribute in ("name", "full_name"):
        if isinstance(getattr(value, attribute, None), str):
            return getattr(value, attribute)
    return str(value)


def ensure_current(
    record, read_version: int | None, submitted: Mapping[str, tuple[object, object]]
) -> None:
    """Refuse the save (:class:`StaleEdit`) unless ``record`` is still at ``read_version``.

    ``submitted`` maps each form field to (the saved value, the value the user sent), so
    the refusal can say which saved values differ from the user's.
    """
    if record is None or read_version == record.version:
        return
    changes = [
        Change(field, describe(saved))
        for field, (saved, sent) in submitted.items()
        if saved != sent
    ]
    raise StaleEdit(changes, record.version)
