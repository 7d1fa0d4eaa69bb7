"""Applying the retention review's approved decisions: pseudonymise or delete a child's
record (``flask retention-review``, :mod:`mhst.privacy.cli`).

**Pseudonymise** keeps every row, so the reports' counts (referrals, contacts, measures,
waiting times, outcomes) stay as they were, and removes what identifies the child: in
every table of the record, every text column that is not a coded value (an enum, a
measure's code) is emptied: names, the NHS number, the parent's details, contact
details, notes, reasons and goals. The date of birth is cut to the 1st of its month (or
1 January, ``PSEUDONYMISED_BIRTH_DATE = "year"``). A new table's text is emptied too.

**Delete** removes every row of the record (:func:`mhst.privacy.graph.delete_records`).

Either way one audit entry records what was done, in counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import Enum, LargeBinary, String, Table, select, update

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.privacy import describe
from mhst.privacy.graph import ROOT, ChildRecords, by_key, collect, delete_records
from mhst.privacy.mentions import replace_mentions
from mhst.privacy.models import RetentionAction, RetentionDecision
from mhst.privacy.retention import RetentionRule, is_past, retain_until
from mhst.referrals.models import CLOSED_STATUSES

# Text columns that hold a code, not words about the child: kept.
CODES: frozenset[tuple[str, str]] = frozenset(
    {
        ("measure_record", "measure_code"),
        ("questionnaire_link", "measure_code"),
        # A random token's hash, unique per link (emptied, two links would clash); the
        # link stops working on a closed case whatever it is.
        ("questionnaire_link", "token_hash"),
        ("text_version", "field"),  # which column of the record the text was
        ("retention_decision", "reason"),  # the disposal register (checked when given)
        ("retention_decision", "outcome"),
    }
)
# What a name becomes (the columns cannot be empty in the child's row).
REPLACEMENTS: dict[tuple[str, str], str] = {
    ("child", "given_name"): "Pseudonymised",
    ("child", "family_name"): "record",
}
ACTOR = "flask retention-review"


def text_columns(table: Table) -> dict[str, str | None]:
    """The columns pseudonymisation empties, with what each becomes."""
    emptied = {}
    for column in table.columns:
        if column.primary_key or column.foreign_keys or isinstance(column.type, Enum):
            continue
        if isinstance(column.type, LargeBinary):  # a file about the child (a letter's PDF)
            emptied[column.name] = None
            continue
        if not isinstance(column.type, String) or (table.name, column.name) in CODES:
            continue
        blank = None if column.nullable else ""
        emptied[column.name] = REPLACEMENTS.get((table.name, column.name), blank)
    return emptied


def reduced_birth_date(born: date, keep: str) -> date:
    return date(born.year, 1, 1) if keep == "year" else born.replace(day=1)


def pseudonymise(records: ChildRecords) -> dict[str, int]:
    """Empty the record's free text and cut the date of birth; returns the rows changed
    per table."""
    changed = {}
    for table in records.tables:
        keys = list(records.rows[table.name])
        values = text_columns(table)
        if keys and values:
            db.session.execute(update(table).where(by_key(table, keys)).values(values))
            changed[table.name] = len(keys)
    child = db.metadata.tables[ROOT]
    keep = current_app.config["PSEUDONYMISED_BIRTH_DATE"]
    for row in records.of(ROOT):
        born = reduced_birth_date(row["date_of_birth"], keep)
        db.session.execute(update(child).where(child.c.id == row["id"]).values(date_of_birth=born))
    return changed


@dataclass
class Report:
    """What the command did, in counts and decision numbers only: no names, no children's
    ids, no free text."""

    dry_run: bool
    entries: list[str] = field(default_factory=list)
    applied: dict[RetentionAction, int] = field(default_factory=dict)
    not_due: int = 0

    def add(self, decision: RetentionDecision, counts: dict[str, int]) -> None:
        action = decision.action
        self.applied[action] = self.applied.get(action, 0) + 1
        verb = f"would be {action.verb}" if self.dry_run else action.verb
        self.entries.append(f"Decision {decision.id}: {verb}: {describe.counted(counts)}")

    def skip(self, decision: RetentionDecision) -> None:
        self.not_due += 1
        self.entries.append(
            f"Decision {decision.id}: left as it is: the record is no longer closed and past "
            "its retention date"
        )

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        totals = [
            f"{n} record{'s' * (n != 1)} {verb} {action.verb}" for action, n in self.applied.items()
        ]
        if self.not_due:
            totals.append(f"{self.not_due} left as they were")
        summary = "; ".join(totals) if totals else "No approved decisions to apply"
        return [*self.entries, summary + "."]


def _still_due(records: ChildRecords, today: date) -> bool:
    referrals = records.of("referral")
    if not records.of(ROOT) or not referrals:
        return False
    if any(row["status"] not in CLOSED_STATUSES for row in referrals):
        return False
    (child,) = records.of(ROOT)
    ended = max(row["closed_on"] for row in referrals)
    retention = RetentionRule.from_config(current_app.config)
    return is_past(retain_until(child["date_of_birth"], ended, retention), today)


def pending() -> list[RetentionDecision]:
    """Approved decisions not yet applied, oldest first."""
    return db.session.scalars(
        select(RetentionDecision)
        .where(RetentionDecision.applied_at.is_(None), RetentionDecision.child_id.is_not(None))
        .order_by(RetentionDecision.id)
    ).all()


def apply(decision: RetentionDecision, report: Report) -> None:
    """Apply one approved decision (in a dry run, count what it would change), if the
    record is still closed and past its retention date."""
    records = collect([decision.child_id])
    if not _still_due(records, service_today()):
        report.skip(decision)
        return
    action = decision.action
    if report.dry_run:
        deleting = action is RetentionAction.DELETE  # links to a kept record stay
        report.add(decision, records.counts_with_links() if deleting else records.counts())
        return
    if action is RetentionAction.PSEUDONYMISE:
        replace_mentions(records, " ".join(REPLACEMENTS.values()))
        counts = pseudonymise(records)
    else:
        replace_mentions(records, "a child whose record was deleted")
        counts = delete_records(records)
    db.session.expire_all()
    decision.applied_at = utcnow()
    decision.outcome = describe.counted(counts)[:500]
    record(
        AuditAction.DELETE if action is RetentionAction.DELETE else AuditAction.UPDATE,
        AuditRecordType.RETENTION_DECISION,
        decision.id,
        actor=ACTOR,
        detail=f"Retention review: a child's record was {action.verb}: {decision.outcome}"[:500],
    )
    report.add(decision, counts)
