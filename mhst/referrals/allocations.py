"""Who holds a referral: its allocation to a practitioner for a period.

The table sits with the referral because every layer above referrals asks "who holds
this case?" (scoping, sessions, outcomes, supervision); allocating, reallocating and
ending an allocation are casework's operations (``mhst.casework.operations``). Scoping
asks :func:`held_by` for the cases a practitioner holds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Index, Text, and_, or_, select, text
from sqlalchemy.orm import Mapped, aliased, joinedload, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime
from mhst.extensions import db
from mhst.referrals.models import Referral, ReferralStatus


class Allocation(db.Model):
    """A referral allocated to a practitioner for a period; reallocation ends the current
    one and starts another, so the history is kept."""

    __tablename__ = "allocation"
    __table_args__ = (
        # At most one current allocation per referral.
        Index(
            "uq_allocation_current",
            "referral_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    allocated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship()
    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
    allocated_by: Mapped[User] = relationship(foreign_keys=[allocated_by_id])


def held_by(user_id: int) -> ColumnElement[bool]:
    """Referrals the user ``user_id`` holds: those currently allocated to them, and the
    discharged ones they held when they were discharged (their last allocation was the
    user's), which stay readable to them. Correlated on ``Referral`` only, so it also
    works in a query that joins ``Allocation`` itself."""
    later = aliased(Allocation, name="later_allocation")
    held_at_discharge = and_(
        Referral.status == ReferralStatus.DISCHARGED,
        ~select(later.id)
        .where(later.referral_id == Allocation.referral_id, later.id > Allocation.id)
        .correlate(Allocation)
        .exists(),
    )
    return (
        select(Allocation.id)
        .where(
            Allocation.referral_id == Referral.id,
            Allocation.practitioner_id == user_id,
            or_(Allocation.ended_at.is_(None), held_at_discharge),
        )
        .correlate_except(Allocation)
        .exists()
    )


def current_allocation(referral: Referral) -> Allocation | None:
    """The referral's current (not ended) allocation, if any, with its practitioner."""
    return db.session.scalars(
        select(Allocation)
        .where(Allocation.referral_id == referral.id, Allocation.ended_at.is_(None))
        .options(joinedload(Allocation.practitioner))
    ).one_or_none()
