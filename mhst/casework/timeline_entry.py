"""One entry of a child's timeline, and the small helpers every source of it shares
(``mhst.casework.timeline`` assembles them)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time

from mhst.accounts.models import User
from mhst.audit.models import AuditRecordType
from mhst.core.time import SERVICE_TIME_ZONE

SYSTEM = "The system"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened on a child's record.

    ``has_time`` is False for things recorded by date only (group sessions,
    supervision): ``when`` is then the start of that day in UK time.
    """

    when: datetime
    # "status", "consent", "risk", "allocation", "session", "group", "supervision",
    # "measure", "discharge", "letter", "risk_flag"
    kind: str
    title: str
    detail: str | None
    by: str
    has_time: bool = True
    # The care contact a "session" entry shows (its notes' reading is audited), the
    # measure record of a "measure" entry, or the risk flag of a "risk_flag" entry.
    record_id: int | None = field(default=None, compare=False)
    # A "measure" entry links to its record (which shows any notes) when the viewer may
    # see the case's notes: the case's id, else None.
    link_case_id: int | None = field(default=None, compare=False)
    # A link from the entry's title (a letter's PDF), when the viewer may open it.
    link_url: str | None = field(default=None, compare=False)
    # A file the entry made, to download (a letter's PDF), when the viewer may open it.
    download_url: str | None = field(default=None, compare=False)
    # The referral the entry belongs to (a child's page shows several referrals' entries).
    referral_id: int | None = field(default=None, compare=False)
    # Ties at the same moment: a record comes before the status change it caused.
    order: int = field(default=0, compare=False)
    sequence: int = field(default=0, compare=False)
    # Clinical texts shown with their amendments: (label, current text, versions).
    texts: tuple = field(default=(), compare=False)
    entered_in_error: bool = field(default=False, compare=False)  # shown struck through
    # A clinical text kept as versions (a risk review, a triage decision's reason, a
    # supervision decision, a discharge summary), shown after ``detail`` with when it was
    # amended: ``text_key`` names it (record type, record id, field), ``author_id`` wrote
    # it; ``versions`` and ``amend_url`` are added by ``mhst.casework.amendable``.
    text: str | None = None
    text_key: tuple[AuditRecordType, int, str] | None = field(default=None, compare=False)
    author_id: int | None = field(default=None, compare=False)
    versions: tuple = field(default=(), compare=False)
    amend_url: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Sources:
    """What every source reads: the referrals' ids, and those whose clinical text (notes,
    risk updates, supervision decisions, links to measure records) the viewer may see."""

    ids: tuple[int, ...]
    notes_for: frozenset[int]

    @classmethod
    def of(cls, ids: Collection[int], include_notes: bool | Collection[int]) -> Sources:
        if include_notes is True:
            notes_for = frozenset(ids)
        elif include_notes is False:
            notes_for = frozenset()
        else:
            notes_for = frozenset(include_notes) & frozenset(ids)
        return cls(tuple(ids), notes_for)

    def notes(self, referral_id: int) -> bool:
        return referral_id in self.notes_for


def name_of(user: User | None) -> str:
    return user.full_name if user is not None else SYSTEM


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=SERVICE_TIME_ZONE)


def joined(*parts: str | None, sep: str = ". ") -> str | None:
    return sep.join(part for part in parts if part) or None
