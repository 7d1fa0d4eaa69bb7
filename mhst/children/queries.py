"""Finding children (staff search) and what a child's page shows, each in a fixed number
of queries, within the user's reach (``mhst.security.scoping``), with the reads audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record_many
from mhst.core import keyset, nhs_number
from mhst.extensions import db
from mhst.referrals.child_models import Child, ChildCorrection, ChildMerge
from mhst.referrals.children import name_part
from mhst.referrals.models import Referral
from mhst.security import scoping

_DIGITS = re.compile(r"[0-9\s-]+")


def looks_like_nhs_number(text: str) -> bool:
    """Digits, with or without spaces or dashes: the search means an NHS number."""
    return bool(_DIGITS.fullmatch(text or ""))


# A to Z by family name, then given name and date of birth; the id breaks ties.
SEARCH_ORDER = [
    keyset.Key(Child.family_name),
    keyset.Key(Child.given_name),
    keyset.Key(Child.date_of_birth),
    keyset.Key(Child.id),
]
# "More than 100 children found": a search never counts every child in a national reach.
COUNT_CAP = 100


def search_statement(user: User, *, text: str | None, date_of_birth: date | None) -> Select:
    """Children in ``user``'s reach, not merged into another record, matching ``text``
    (an NHS number with or without spaces, or words each found in the first or last
    name, ignoring case, accents and spacing) and the date of birth, if given. Not
    ordered: ``search_page`` pages it in ``SEARCH_ORDER``.

    Each word is ``name_key LIKE '%word%'``: on PostgreSQL the trigram index
    ``ix_child_name_key_trgm`` (migration 0020_trigram) is on exactly ``name_key``."""
    stmt = select(Child).where(scoping.scope(user, Child), Child.merged_into_id.is_(None))
    text = (text or "").strip()
    if text and looks_like_nhs_number(text):
        stmt = stmt.where(Child.nhs_number == nhs_number.normalise(text))
    elif text:
        for word in name_part(text).split(" "):
            stmt = stmt.where(Child.name_key.contains(word, autoescape=True))
    if date_of_birth is not None:
        stmt = stmt.where(Child.date_of_birth == date_of_birth)
    return stmt


def search_page(stmt: Select, args: Mapping[str, str]) -> keyset.KeysetPage:
    """The page of the search ``args`` asks for (``keyset.requested``), with each
    child's school: one query (two from a cursor: its sort values are looked up)."""
    return keyset.paginate(stmt, SEARCH_ORDER, args, options=[joinedload(Child.school)])


def bounded_count(stmt: Select, cap: int | None = None) -> int:
    """How many children ``stmt`` finds, counting no further than ``cap`` + 1 (a number
    above ``cap``, by default ``COUNT_CAP``, means "more than ``cap``"): one query,
    whatever the reach."""
    cap = COUNT_CAP if cap is None else cap
    found = stmt.with_only_columns(Child.id).order_by(None).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(found))


def audit_children_read(user: User, children: list[Child]) -> None:
    record_many(AuditRecordType.CHILD, [(AuditAction.READ, c.id) for c in children], user=user)


def with_case_notes(user: User, referral_ids: list[int]) -> set[int]:
    """Which of these referrals are cases whose notes ``user`` may read (one query)."""
    if not referral_ids:
        return set()
    return set(
        db.session.scalars(
            select(Referral.id).where(
                Referral.id.in_(referral_ids), scoping.scope(user, Referral, scoping.Kind.CASE)
            )
        )
    )


def corrections_of(child_id: int) -> list[ChildCorrection]:
    return list(
        db.session.scalars(
            select(ChildCorrection)
            .where(ChildCorrection.child_id == child_id)
            .options(selectinload(ChildCorrection.values), joinedload(ChildCorrection.corrected_by))
            .order_by(ChildCorrection.corrected_at.desc(), ChildCorrection.id.desc())
        )
    )


def merges_of(child_id: int) -> list[ChildMerge]:
    """Merges into or of this record, newest first, undone ones included."""
    return list(
        db.session.scalars(
            select(ChildMerge)
            .where(
                (ChildMerge.kept_child_id == child_id) | (ChildMerge.merged_child_id == child_id)
            )
            .options(
                joinedload(ChildMerge.kept_child),
                joinedload(ChildMerge.merged_child),
                joinedload(ChildMerge.merged_by),
                joinedload(ChildMerge.undone_by),
                selectinload(ChildMerge.moved),
            )
            .order_by(ChildMerge.merged_at.desc(), ChildMerge.id.desc())
        ).unique()
    )


def possible_duplicates(user: User, child: Child) -> list[Child]:
    """Records flagged as possibly this child (same NHS number, another name or date of
    birth), either way round, that ``user`` may see and that are not merged."""
    flagged = (Child.possible_duplicate_of_id == child.id) | (
        Child.id == (child.possible_duplicate_of_id or 0)
    )
    return list(
        db.session.scalars(
            select(Child)
            .where(flagged, Child.merged_into_id.is_(None), scoping.scope(user, Child))
            .order_by(Child.id)
        )
    )
