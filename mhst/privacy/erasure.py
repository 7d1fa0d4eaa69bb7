"""Erasure on objection: a family objects before treatment starts, and the child's record
is erased (UK GDPR articles 17 and 21).

**Before treatment starts** means: no referral of the child has been allocated to a
practitioner (now or ever), is in treatment or discharged; no 1:1 or group session has
been attended; no outcome measure has been recorded. A referral still waiting (submitted,
awaiting consent, ready for triage, on the waiting list) or closed at triage (signposted,
stepped up, not accepted) or withdrawn before allocation can be erased. Once treatment has
started the record is part of the child's health record and is kept for its retention
period: erasure is refused, with the reasons.

Erasing deletes every row the walk from the child finds (:mod:`mhst.privacy.graph`),
leaving one audit entry that holds counts and the reason, never the child's or family's
details. The audit log's earlier entries stay (it is append-only): they hold record ids,
staff, times and fixed wording (``tests/test_privacy_erasure.py`` searches the whole log
for the erased child's details).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.privacy import describe
from mhst.privacy.graph import ROOT, ChildRecords, collect, delete_records
from mhst.privacy.mentions import replace_mentions
from mhst.referrals.models import Child, Referral, ReferralStatus
from mhst.sessions.models import Attendance

TREATMENT_STATUSES = frozenset(
    {ReferralStatus.ALLOCATED, ReferralStatus.IN_TREATMENT, ReferralStatus.DISCHARGED}
)
REASON_MAX = 200
ERASED = "a child whose record was erased"


def treatment_started(records: ChildRecords) -> list[str]:
    """Why treatment has started for the child, in words; empty if it has not."""
    reasons = [
        f"referral R{row['id']:06d} is {row['status'].label.lower()}"
        for row in records.of("referral")
        if row["status"] in TREATMENT_STATUSES
    ]
    checks = (
        (records.of("allocation"), "a practitioner has been allocated"),
        (
            [c for c in records.of("care_contact") if c["attendance"] is Attendance.ATTENDED],
            "a 1:1 session was attended",
        ),
        ([a for a in records.of("group_attendance") if a["attended"]], "a group was attended"),
        (records.of("measure_record"), "an outcome measure was recorded"),
        (records.of("discharge"), "a discharge was recorded"),
    )
    return reasons + [reason for rows, reason in checks if rows]


def _words(text: str | None) -> set[str]:
    return set(re.findall(r"[^\W\d_]{2,}", (text or "").casefold()))


def personal_details_in(text: str, records: ChildRecords) -> bool:
    """Whether ``text`` names the child or their parent, or gives the NHS number or date
    of birth (the reason is kept after the record has gone)."""
    named, digits = set(), set()
    for child in records.of(ROOT):
        for column in ("given_name", "family_name", "parent_carer_name"):
            named |= _words(child[column])
        if child["nhs_number"]:
            digits.add(child["nhs_number"])
        digits.add(child["date_of_birth"].strftime("%d%m%Y"))
    for consent in records.of("consent"):
        named |= _words(consent["given_by_name"])
    plain = re.sub(r"[\s/.-]", "", text)
    return bool(_words(text) & named) or any(number in plain for number in digits)


def check_reason(reason: str, records: ChildRecords, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(field, "Enter the reason")
    if len(reason) > REASON_MAX:
        raise RuleError(field, f"The reason must be {REASON_MAX} characters or fewer")
    if personal_details_in(reason, records):
        raise RuleError(
            field,
            "The reason must not name the child or their family, or give their NHS number "
            "or date of birth: it is kept after the record has gone",
        )
    return reason


def erasure_problem(records: ChildRecords) -> str | None:
    started = treatment_started(records)
    if not started:
        return None
    return (
        "This record cannot be erased because treatment has started: "
        + "; ".join(started)
        + ". It is kept for its retention period."
    )


def erase_on_objection(child_id: int, reason: str, *, by) -> dict[str, int]:
    """Erase the child's record; returns the rows deleted per table. Refused (a
    :class:`RuleError`) once treatment has started, or if the reason names the family."""
    # A second erasure waits, then finds nothing; a transition of one of the referrals
    # (which locks the referral) waits too, then finds it gone.
    lock_row(Child, child_id)
    for referral_id in db.session.scalars(select(Referral.id).where(Referral.child_id == child_id)):
        lock_row(Referral, referral_id)
    records = collect([child_id])
    if not records.of(ROOT):
        raise RuleError("reason", "This record has already been erased")
    problem = erasure_problem(records)
    if problem:
        raise RuleError("reason", problem)
    reason = check_reason(reason, records)
    replace_mentions(records, ERASED)
    deleted = delete_records(records)
    record(
        AuditAction.DELETE,
        AuditRecordType.CHILD,
        None,
        user=by,
        detail=f"A child's record was erased on objection: {describe.counted(deleted)}. "
        f"Reason: {reason}",
    )
    db.session.expire_all()
    return deleted
