"""Risk flags on a case: a risk raised at a 1:1 session, or an outcome measure scored at
or beyond its risk threshold, flags the case until a senior clinician reviews it.

The table sits with the referral so that sessions and outcomes, above it, raise a flag by
calling down (:func:`raise_flag`); the caseload, the referral's page and the home pages
read the open flags. A flag keeps who raised it, when, and from what (``source`` and
``source_text``, with ``detail``: the risk update as written when it was raised, or the
scores that crossed the threshold); the review keeps who reviewed it, when, and their
notes, which are then amended with a reason, never overwritten (``mhst.amendments``).
Raising and reviewing are audit-logged (``AuditRecordType.RISK_FLAG``).

Operations add to the session and flush; the caller commits once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from mhst.accounts.models import Role, User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core import keyset, signals
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db
from mhst.referrals.models import Referral
from mhst.security import scoping

MAX_NOTES = 5000
SOURCE_TEXT_MAX = 300
DETAIL_MAX = 10_000


class RiskFlagSource(LabelledEnum):
    """What raised the flag."""

    SESSION = "session"  # a practitioner said a new risk was raised at a 1:1 session
    MEASURE = "measure"  # an outcome measure at or beyond its risk threshold

    @property
    def label(self) -> str:
        return {
            RiskFlagSource.SESSION: "A new risk raised at a session",
            RiskFlagSource.MEASURE: "An outcome measure at or beyond its risk threshold",
        }[self]


class CaseRiskFlag(db.Model):
    """A risk on a case waiting for, or given, a senior clinician's review."""

    __tablename__ = "case_risk_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    source: Mapped[RiskFlagSource] = mapped_column(
        string_enum(RiskFlagSource, "risk_flag_source", 20)
    )
    # The care contact or measure record it came from (a higher layer's id: no key here).
    source_id: Mapped[int] = mapped_column(Integer)
    source_text: Mapped[str] = mapped_column(String(SOURCE_TEXT_MAX))
    detail: Mapped[str | None] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_notes: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None

    @property
    def review_key(self) -> tuple[AuditRecordType, int, str]:
        """Its review's notes as ``mhst.amendments`` keeps their versions (amended, never
        overwritten: ``mhst.referrals.amendable.risk_flag_review``)."""
        return (AuditRecordType.RISK_FLAG, self.id, "review_notes")


def raise_flag(
    referral: Referral,
    *,
    source: RiskFlagSource,
    source_id: int,
    source_text: str,
    detail: str | None,
    by: User,
) -> CaseRiskFlag:
    """Flag ``referral``'s case for a senior clinician's review (audited)."""
    flag = CaseRiskFlag(
        referral=referral,
        source=RiskFlagSource(source),
        source_id=source_id,
        source_text=source_text[:SOURCE_TEXT_MAX],
        detail=(detail or "").strip()[:DETAIL_MAX] or None,
        raised_by=by,
    )
    db.session.add(flag)
    db.session.flush()
    record(
        AuditAction.CREATE,
        AuditRecordType.RISK_FLAG,
        flag.id,
        user=by,
        detail=f"referral {referral.id}: raised from a {flag.source.value} ({source_id})",
    )
    signals.case_risk_raised.send(referral, flag=flag, by=by)
    return flag


def review_flag(flag: CaseRiskFlag, *, by: User, notes: str) -> CaseRiskFlag:
    """A senior clinician's review of a flag, with what they found and did (audited).
    The flag's row is locked and re-read first: of two reviews at the same moment, the
    second finds it reviewed and is refused."""
    flag = lock_row(CaseRiskFlag, flag.id)
    notes = (notes or "").strip()
    if by.role is not Role.SENIOR_CLINICIAN:
        raise RuleError("notes", "Only a senior clinician can review a risk flag")
    if flag.reviewed:
        raise RuleError("notes", "This risk flag has already been reviewed")
    if not notes:
        raise RuleError("notes", "Enter what you found and what you did")
    if len(notes) > MAX_NOTES:
        raise RuleError("notes", f"Enter {MAX_NOTES:,} characters or fewer")
    flag.reviewed_at = utcnow()
    flag.reviewed_by = by
    flag.review_notes = notes
    record(
        AuditAction.UPDATE,
        AuditRecordType.RISK_FLAG,
        flag.id,
        user=by,
        detail=f"referral {flag.referral_id}: reviewed",
    )
    db.session.flush()
    return flag


# ---- reading --------------------------------------------------------------------------


def flags_of(referral_id: int) -> list[CaseRiskFlag]:
    """Every flag of a case, the open ones first, then newest first (one query)."""
    return list(
        db.session.scalars(
            select(CaseRiskFlag)
            .where(CaseRiskFlag.referral_id == referral_id)
            .options(joinedload(CaseRiskFlag.raised_by), joinedload(CaseRiskFlag.reviewed_by))
            .order_by(
                CaseRiskFlag.reviewed_at.is_not(None),
                CaseRiskFlag.raised_at.desc(),
                CaseRiskFlag.id.desc(),
            )
        )
    )


def flag_of(referral: Referral, flag_id: int) -> CaseRiskFlag | None:
    """The flag ``flag_id`` of ``referral`` (fetched through its referral only)."""
    return db.session.scalars(
        select(CaseRiskFlag)
        .where(CaseRiskFlag.id == flag_id, CaseRiskFlag.referral_id == referral.id)
        .options(joinedload(CaseRiskFlag.raised_by), joinedload(CaseRiskFlag.reviewed_by))
    ).one_or_none()


OLDEST_FIRST = [keyset.Key(CaseRiskFlag.raised_at), keyset.Key(CaseRiskFlag.id)]
COUNT_BOUND = 1000  # the count stops here: "more than 1,000"


def _open(viewer: User):
    return (
        select(CaseRiskFlag)
        .join(Referral, Referral.id == CaseRiskFlag.referral_id)
        .where(
            CaseRiskFlag.reviewed_at.is_(None),
            scoping.scope(viewer, Referral, scoping.Kind.CASE),
        )
    )


def _load():
    return (
        joinedload(CaseRiskFlag.referral).joinedload(Referral.child),
        joinedload(CaseRiskFlag.referral).joinedload(Referral.school),
        joinedload(CaseRiskFlag.raised_by),
    )


def open_flags(viewer: User, limit: int | None = None) -> list[CaseRiskFlag]:
    """The flags waiting for review on the cases ``viewer`` may see, oldest first, with
    their child, school and who raised them; the first ``limit`` (one query)."""
    stmt = _open(viewer).options(*_load()).order_by(CaseRiskFlag.raised_at, CaseRiskFlag.id)
    return list(db.session.scalars(stmt if limit is None else stmt.limit(limit)))


def open_flags_page(viewer: User, args) -> keyset.KeysetPage:
    """A keyset page of the flags waiting for review, oldest first."""
    return keyset.paginate(_open(viewer), OLDEST_FIRST, args, options=_load())


def open_flag_count(viewer: User) -> int:
    """How many flags wait for review, counted up to ``COUNT_BOUND`` + 1 (one query)."""
    limited = _open(viewer).with_only_columns(CaseRiskFlag.id).limit(COUNT_BOUND + 1)
    return db.session.scalar(select(func.count()).select_from(limited.subquery()))


def open_flag_counts():
    """A subquery: ``referral_id`` and ``open_flags``, the count of its unreviewed flags,
    for lists that join it (the caseload) instead of a query per case."""
    return (
        select(CaseRiskFlag.referral_id, func.count(CaseRiskFlag.id).label("open_flags"))
        .where(CaseRiskFlag.reviewed_at.is_(None))
        .group_by(CaseRiskFlag.referral_id)
        .subquery("open_risk_flags")
    )
