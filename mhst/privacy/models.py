"""The retention review's decisions: a record past its retention date approved for
deletion or pseudonymisation, which ``flask retention-review`` then applies.

A decision outlives the record it disposed of (the disposal register): deleting a child
sets its ``child_id`` to NULL and keeps the rest, which holds no personal data (the reason
is checked for the child's and parent's names and NHS number when it is given).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db


class RetentionAction(LabelledEnum):
    PSEUDONYMISE = "pseudonymise"
    DELETE = "delete"

    @property
    def label(self) -> str:
        return {
            RetentionAction.PSEUDONYMISE: "Pseudonymise: keep the record for the figures, "
            "without names, NHS number, contact details, free text or the day of birth",
            RetentionAction.DELETE: "Delete the record and everything about the child",
        }[self]

    @property
    def verb(self) -> str:
        return "pseudonymised" if self is RetentionAction.PSEUDONYMISE else "deleted"


class RetentionDecision(db.Model):
    """A record approved for disposal at the retention review, and when it was applied."""

    __tablename__ = "retention_decision"
    __table_args__ = (
        # At most one decision per child waiting to be applied.
        Index(
            "uq_retention_decision_pending",
            "child_id",
            unique=True,
            sqlite_where=text("applied_at IS NULL"),
            postgresql_where=text("applied_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int | None] = mapped_column(
        ForeignKey("child.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[RetentionAction] = mapped_column(
        string_enum(RetentionAction, "retention_action", 20)
    )
    reason: Mapped[str] = mapped_column(Text)
    retain_until: Mapped[date] = mapped_column(Date)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What applying it did, in counts only ("2 referrals, 5 care contacts, ...").
    outcome: Mapped[str | None] = mapped_column(String(500))

    approved_by: Mapped[User] = relationship()
