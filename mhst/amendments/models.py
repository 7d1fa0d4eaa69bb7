"""Every version of an amended clinical text (a session's notes, a risk review, a
discharge summary...). The record's own column holds the current text; once it has been
amended, its versions are here, the first being the text as originally written."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.audit.models import AuditRecordType
from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime
from mhst.extensions import db


class TextVersion(db.Model):
    __tablename__ = "text_version"
    __table_args__ = (
        # Two amendments made at the same moment cannot both become version n.
        UniqueConstraint("record_type", "record_id", "field", "version"),
        Index("ix_text_version_record", "record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[AuditRecordType] = mapped_column(
        Enum(
            AuditRecordType,
            native_enum=False,
            create_constraint=False,
            length=60,
            values_callable=lambda members: [member.value for member in members],
            validate_strings=True,
        )
    )
    record_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why it was amended; empty for the text as first written.
    reason: Mapped[str | None] = mapped_column(Text)

    written_by: Mapped[User | None] = relationship()
