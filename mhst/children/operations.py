"""A child's record after it is made: corrections of their or their parent's details, and
merging two records of one child (and undoing a merge).

A **correction** names its reason and is kept as history (``child_records.apply_changes``:
who, when, old and new values), refused if someone saved the record after the user read
it (``mhst.core.versions``). A **merge** moves the merged record's referrals to the kept
one, marks the merged record as merged into it (it is never deleted), and keeps the list
of what moved so that an **undo** moves exactly those back. Both are audited.

Guards: a record is never merged into itself; a record already merged cannot take part
in another merge until it is undone, and a record others were merged into is never
merged into a third (no chains: every merge points at a record that is not merged); every
referral of both records must be within the user's reach into children's records
(``scoping.scope(user, Referral, Kind.CHILD)``): nobody merges another team's children.

Operations add to the session and flush; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core import nhs_number
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.core.versions import ensure_current
from mhst.extensions import db
from mhst.referrals.child_models import (
    Child,
    ChildCorrection,
    ChildMerge,
    ChildMergeReferral,
    Ethnicity,
    Gender,
    YearGroup,
)
from mhst.referrals.child_records import apply_changes
from mhst.referrals.eligibility import MAX_TEXT
from mhst.referrals.models import Referral
from mhst.referrals.submission import CHILD_TEXT_LIMITS, check_child_details
from mhst.schools.models import School
from mhst.security import scoping

MERGED_MESSAGE = "This record was merged into {reference}: change that record instead"


@dataclass
class Details:
    """A child's and parent's details as the correction form sends them."""

    given_name: str
    family_name: str
    date_of_birth: date
    nhs_number: str | None
    gender: Gender
    ethnicity: Ethnicity | None
    school: School
    year_group: YearGroup
    parent_carer_name: str | None = None
    parent_carer_relationship: str | None = None
    parent_carer_phone: str | None = None
    parent_carer_email: str | None = None

    def values(self) -> dict[str, Any]:
        values = dict(vars(self))
        values["nhs_number"] = nhs_number.normalise(self.nhs_number or "") or None
        for name in CHILD_TEXT_LIMITS:
            values[name] = values[name] or None
        return values


def _reason(reason: str | None, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(field, "Enter the reason")
    if len(reason) > MAX_TEXT:
        raise RuleError(field, f"Enter {MAX_TEXT} characters or fewer")
    return reason


# The correction form's field for each detail (the school is chosen by its id).
FORM_FIELDS = {"school": "school_id"}


def correct_details(
    child: Child,
    details: Details,
    *,
    by: User,
    reason: str,
    read_version: int,
    today: date | None = None,
) -> ChildCorrection:
    """Correct a child's or parent's details, with the reason, keeping the old values.
    Refused on a merged record, on a version someone has since saved, or if nothing
    changed."""
    if child.merged:
        raise RuleError("reason", MERGED_MESSAGE.format(reference=child.merged_into.reference))
    values = details.values()
    ensure_current(
        child,
        read_version,
        {
            FORM_FIELDS.get(name, name): (getattr(child, name), value)
            for name, value in values.items()
        },
    )
    check_child_details(details, today or service_today())
    reason = _reason(reason)
    correction = apply_changes(child, values, by=by, reason=reason)
    if correction is None:
        raise RuleError("reason", "Nothing has changed: change a detail before you save")
    return correction


# ---- merging --------------------------------------------------------------------------


def out_of_reach(user: User, children: list[Child]) -> int:
    """How many referrals of ``children`` are beyond ``user``'s reach into children's
    records (another team's schools). One query."""
    ids = [child.id for child in children]
    return db.session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(
            Referral.child_id.in_(ids),
            ~scoping.scope(user, Referral, scoping.Kind.CHILD),
        )
    )


def merge_problem(user: User, kept: Child, merged: Child) -> str | None:
    """Why ``merged`` cannot be merged into ``kept`` by ``user``, or None if it can."""
    if kept.id == merged.id:
        return "A record cannot be merged into itself: choose the other record of this child"
    for child in (merged, kept):
        if child.merged:
            return (
                f"{child.reference} was already merged into {child.merged_into.reference}: "
                "merge into that record, or undo the earlier merge first"
            )
    if _has_merged_into_it(merged):
        return (
            f"Other records were merged into {merged.reference}: merge {kept.reference} into "
            f"{merged.reference} instead, so that no merge rests on another"
        )
    if out_of_reach(user, [kept, merged]):
        return (
            "Some referrals of these records are in another team's schools: ask a clinical "
            "lead to merge them"
        )
    return None


def _has_merged_into_it(child: Child) -> bool:
    return (
        db.session.scalar(select(Child.id).where(Child.merged_into_id == child.id).limit(1))
        is not None
    )


def merge_children(kept: Child, merged: Child, *, by: User, reason: str) -> ChildMerge:
    """Merge ``merged`` into ``kept``: its referrals move to ``kept``, it is marked merged
    into ``kept``, and the merge keeps what moved. Both rows are locked first, so two
    merges at once cannot chain or cross."""
    reason = _reason(reason)
    if kept.id != merged.id:  # else merge_problem refuses it
        kept, merged = _locked_pair(kept, merged)
    problem = merge_problem(by, kept, merged)
    if problem:
        raise RuleError("reason", problem)
    moving = db.session.scalars(
        select(Referral).where(Referral.child_id == merged.id).order_by(Referral.id)
    ).all()
    merge = ChildMerge(
        kept_child=kept,
        merged_child=merged,
        merged_by=by,
        reason=reason,
        moved=[ChildMergeReferral(referral_id=referral.id) for referral in moving],
    )
    for referral in moving:
        referral.child_id = kept.id
    merged.merged_into = kept
    for child, other in ((kept, merged), (merged, kept)):
        if child.possible_duplicate_of_id == other.id:
            child.possible_duplicate_of = None
    db.session.add(merge)
    db.session.flush()
    detail = f"{merged.reference} merged into {kept.reference}: {len(moving)} referral(s) moved"
    _audit(AuditAction.CREATE, merge, by=by, detail=detail)
    return merge


def _audit(action: AuditAction, merge: ChildMerge, *, by: User, detail: str) -> None:
    """The merge (made or undone), and an update of each of its two records."""
    record(action, AuditRecordType.CHILD_MERGE, merge.id, user=by, detail=detail)
    for child_id in (merge.kept_child_id, merge.merged_child_id):
        record(AuditAction.UPDATE, AuditRecordType.CHILD, child_id, user=by, detail=detail)


def _locked_pair(kept: Child, merged: Child) -> tuple[Child, Child]:
    """Both children locked in id order (two merges locking the same pair cannot
    deadlock), reloaded as saved."""
    first, second = sorted({kept.id, merged.id})
    locked = {first: lock_row(Child, first), second: lock_row(Child, second)}
    return locked[kept.id], locked[merged.id]


def undo_problem(user: User, merge: ChildMerge) -> str | None:
    """Why ``merge`` cannot be undone by ``user`` now, or None if it can."""
    if merge.undone:
        return "This merge has already been undone"
    if merge.kept_child.merged:
        return (
            f"{merge.kept_child.reference} has since been merged into "
            f"{merge.kept_child.merged_into.reference}: undo that merge first"
        )
    moved = [link.referral_id for link in merge.moved]
    still_there = db.session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(Referral.id.in_(moved), Referral.child_id == merge.kept_child_id)
    )
    if still_there != len(moved):
        return "Some of the referrals this merge moved have since moved again"
    if out_of_reach(user, [merge.kept_child]):
        return "Some referrals of this record are in another team's schools: ask a clinical lead"
    return None


def undo_merge(merge: ChildMerge, *, by: User, reason: str) -> ChildMerge:
    """Undo a merge: the referrals it moved go back to the merged record, which is no
    longer marked merged. The merge stays, marked undone, with who, when and why."""
    reason = _reason(reason)
    lock_row(Child, merge.kept_child_id)
    merged = lock_row(Child, merge.merged_child_id)
    db.session.refresh(merge)
    problem = undo_problem(by, merge)
    if problem:
        raise RuleError("reason", problem)
    moved = [link.referral_id for link in merge.moved]
    for referral in db.session.scalars(select(Referral).where(Referral.id.in_(moved))):
        referral.child_id = merged.id
    merged.merged_into = None
    merge.undone_at = utcnow()
    merge.undone_by = by
    merge.undo_reason = reason
    db.session.flush()
    detail = f"merge of {merged.reference} into {merge.kept_child.reference} undone"
    _audit(AuditAction.UPDATE, merge, by=by, detail=detail)
    return merge
