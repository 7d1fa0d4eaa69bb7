"""An online self-referral's unfinished answers (a draft, server-side), and what the
public form adds to the referral it makes (who referred, the request not to tell
parents, the contact details given)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db
from mhst.referrals.models import Referral


class Referrer(LabelledEnum):
    YOUNG_PERSON = "young_person"
    PARENT_CARER = "parent_carer"

    @property
    def label(self) -> str:
        return {
            Referrer.YOUNG_PERSON: "The young person themselves",
            Referrer.PARENT_CARER: "A parent or carer",
        }[self]


class SelfReferralDraft(db.Model):
    """Answers given so far. The browser holds only a random token (in the signed
    session); the row holds the token's SHA-256 hash, so a copy of the table opens no
    draft. Deleted when sent, when started again, and after the configured inactivity."""

    __tablename__ = "self_referral_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SelfReferral(db.Model):
    """What an online self-referral said beyond the referral's own columns."""

    __tablename__ = "self_referral"

    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), primary_key=True
    )
    referred_by: Mapped[Referrer] = mapped_column(
        string_enum(Referrer, "self_referral_referred_by", 20)
    )
    keep_from_parents: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))

    referral: Mapped[Referral] = relationship()
