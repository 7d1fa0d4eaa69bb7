"""Campaigns to schools (issue 17): what was sent, its resources, and to whom.

A campaign (Children's Mental Health Week 2026, "This is my place") has resources: links,
or files kept in the database itself (so both databases and their backups hold them). It
is sent to schools by email through GOV.UK Notify: one :class:`CampaignRecipient` per
campaign and school (unique), so sending twice, or a double submit, never sends twice.
A recipient's link to the public campaign page carries a random token of which only the
SHA-256 is stored.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.core.versions import version_column, versioned
from mhst.extensions import db
from mhst.schools.models import School

ERROR_MAX = 500
LOGGED_TEXT_MAX = 4000


class Campaign(db.Model):
    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="days_in_order"),
        Index("ix_campaign_first_day_id", "first_day", "id"),  # the list, newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = version_column()
    __mapper_args__ = versioned(version)  # an edit saved on an older version is refused
    name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str | None] = mapped_column(String(200))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resources: Mapped[list[CampaignResource]] = relationship(
        back_populates="campaign", order_by="CampaignResource.id"
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name!r}>"


class CampaignResource(db.Model):
    """A link (title and https address) or a file (title, name, type and bytes)."""

    __tablename__ = "campaign_resource"
    __table_args__ = (CheckConstraint("(url IS NULL) <> (file_name IS NULL)", name="link_or_file"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    file_name: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    # Loaded only when the file is downloaded, never with the campaign's page.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="resources")

    @property
    def is_file(self) -> bool:
        return self.file_name is not None


class RecipientState(LabelledEnum):
    QUEUED = "queued"  # chosen, waiting for the sending job
    SENDING = "sending"  # claimed by a job run, being sent
    SENT = "sent"  # Notify accepted it (or, without a key, it was logged)
    DELIVERED = "delivered"  # Notify says it reached the inbox
    OPENED = "opened"  # the school opened its link: received for certain
    FAILED = "failed"  # refused, or Notify could not deliver it (``error`` says why)
    NO_ADDRESS = "no_address"  # neither a Mental Health Lead's nor the school's address

    @property
    def label(self) -> str:
        if self is RecipientState.NO_ADDRESS:
            return "No email address"
        if self is RecipientState.SENDING:
            return "Being sent"
        return super().label


RECEIVED = (RecipientState.DELIVERED, RecipientState.OPENED)


class CampaignRecipient(db.Model):
    __tablename__ = "campaign_recipient"
    __table_args__ = (
        UniqueConstraint("campaign_id", "school_id"),
        Index("ix_campaign_recipient_campaign_id_id", "campaign_id", "id"),  # keyset
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    state: Mapped[RecipientState] = mapped_column(
        string_enum(RecipientState, "campaign_recipient_state", 20), index=True
    )
    address: Mapped[str | None] = mapped_column(String(254))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    notify_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    # The development outbox's copy of what was sent (no Notify key set).
    logged_text: Mapped[str | None] = mapped_column(String(LOGGED_TEXT_MAX))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship()
    school: Mapped[School] = relationship()

    @property
    def received(self) -> bool:
        return self.state in RECEIVED
