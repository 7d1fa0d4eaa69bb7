"""A questionnaire link: one measure sent to one respondent, answerable once.

Only the SHA-256 hash of the link's random token is kept (``token_hash``); the token
itself is in the message sent, or in the QR code shown once. A link works until it is
used (``measure_record_id`` set), withdrawn, or past ``expires_at``; and only while the
case is open with valid consent (checked when it is opened and when it is answered).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureRecord
from mhst.referrals.models import Referral

SHOWN_NAME_MAX = 50
RECIPIENT_MAX = 40
ERROR_MAX = 500


class LinkChannel(LabelledEnum):
    TEXT = "text"
    EMAIL = "email"
    QR_CODE = "qr_code"  # shown on the practitioner's screen, scanned in a session

    @property
    def label(self) -> str:
        return {
            LinkChannel.TEXT: "Text message",
            LinkChannel.EMAIL: "Email",
            LinkChannel.QR_CODE: "QR code shown in a session",
        }[self]


class LinkState(LabelledEnum):
    WAITING = "waiting"
    USED = "used"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            LinkState.WAITING: "Waiting for answers",
            LinkState.USED: "Answered",
            LinkState.EXPIRED: "Expired",
            LinkState.WITHDRAWN: "Withdrawn",
        }[self]


class QuestionnaireLink(db.Model):
    __tablename__ = "questionnaire_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    measure_code: Mapped[str] = mapped_column(String(20))
    respondent: Mapped[Respondent] = mapped_column(string_enum(Respondent, "link_respondent", 20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[LinkChannel] = mapped_column(string_enum(LinkChannel, "link_channel", 10))
    # The number or address as staff may see it afterwards: redacted ("…123", "…@example.org").
    sent_to: Mapped[str | None] = mapped_column(String(RECIPIENT_MAX))
    # The first name the practitioner chose to show on the public page, or none.
    shown_name: Mapped[str | None] = mapped_column(String(SHOWN_NAME_MAX))
    # A Goal Based Outcomes follow-up: the record whose goals are shown to be rated again.
    baseline_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("measure_record.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Notify's id once it accepted the message; ``send_error`` if it did not.
    notify_id: Mapped[str | None] = mapped_column(String(64))
    send_error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    # Development only (no Notify key, DEV_OUTBOX on): the message as it would have been
    # sent, link included, for the development outbox. Never kept in production.
    logged_text: Mapped[str | None] = mapped_column(String(1000))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    measure_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("measure_record.id", ondelete="SET NULL")
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    referral: Mapped[Referral] = relationship()
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    baseline: Mapped[MeasureRecord | None] = relationship(foreign_keys=[baseline_record_id])
    measure_record: Mapped[MeasureRecord | None] = relationship(foreign_keys=[measure_record_id])

    def state(self, now: datetime | None = None) -> LinkState:
        if self.used_at is not None:
            return LinkState.USED
        if self.withdrawn_at is not None:
            return LinkState.WITHDRAWN
        if (now or utcnow()) >= self.expires_at:
            return LinkState.EXPIRED
        return LinkState.WAITING
