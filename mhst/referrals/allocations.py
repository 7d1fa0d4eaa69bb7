"""Who holds a referral: its allocation to a practitioner for a period.

The table sits with the referral because every layer above referrals asks "who holds
this case?" (scoping, sessions, outcomes, supervision); allocating, reallocating and
ending an allocation are casework's operations (``mhst.casework.operations``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime
from mhst.extensions import db
from mhst.referrals.models import Referral


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
