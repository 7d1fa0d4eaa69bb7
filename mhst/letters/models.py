"""Letters kept on a child's record, and the templates they are written from.

A :class:`Letter` belongs to a referral (the child's record): its text as produced, the
PDF made from it, who produced it and when, and, for the advice to the school at
discharge, who shared it with the school's lead. The privacy walk reaches it through its
referral: a subject access export includes it, erasure deletes it, pseudonymisation
empties its text and its PDF.

A :class:`LetterTemplate` row overrides the default text of one kind of letter
(:mod:`mhst.letters.texts`); every save is kept as a :class:`LetterTemplateRevision`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.core.versions import version_column, versioned
from mhst.extensions import db
from mhst.referrals.models import Referral
from mhst.sessions.models import CareContact


class LetterKind(LabelledEnum):
    CONSENT_REQUEST = "consent_request"
    APPOINTMENT = "appointment"
    DID_NOT_ATTEND = "did_not_attend"
    DISCHARGE_PARENT = "discharge_parent"
    DISCHARGE_GP = "discharge_gp"
    SCHOOL_ADVICE = "school_advice"

    @property
    def label(self) -> str:
        return {
            LetterKind.CONSENT_REQUEST: "Consent request to parents",
            LetterKind.APPOINTMENT: "Appointment confirmation",
            LetterKind.DID_NOT_ATTEND: "Did not attend",
            LetterKind.DISCHARGE_PARENT: "Discharge letter to the parent or carer",
            LetterKind.DISCHARGE_GP: "Discharge letter to the GP",
            LetterKind.SCHOOL_ADVICE: "Advice for the school at discharge",
        }[self]

    @property
    def needs_session(self) -> bool:
        """Written about one session (its date, time and place)."""
        return self in (LetterKind.APPOINTMENT, LetterKind.DID_NOT_ATTEND)

    @property
    def needs_discharge(self) -> bool:
        return self in (
            LetterKind.DISCHARGE_PARENT,
            LetterKind.DISCHARGE_GP,
            LetterKind.SCHOOL_ADVICE,
        )


class LetterTemplate(db.Model):
    """The text an administrator set for one kind of letter (else the default is used)."""

    __tablename__ = "letter_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = version_column()
    kind: Mapped[LetterKind] = mapped_column(
        string_enum(LetterKind, "letter_kind", 30), unique=True
    )
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    updated_by: Mapped[User] = relationship()

    __mapper_args__ = versioned(version)


class LetterTemplateRevision(db.Model):
    """One save of a letter's template: the history of who changed it, when, and to what."""

    __tablename__ = "letter_template_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LetterKind] = mapped_column(string_enum(LetterKind, "letter_kind", 30), index=True)
    body: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    saved_by: Mapped[User] = relationship()


class Letter(db.Model):
    """A letter produced on a child's record: the text as produced and its PDF."""

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    # The session an appointment or did-not-attend letter is about.
    care_contact_id: Mapped[int | None] = mapped_column(ForeignKey("care_contact.id"))
    kind: Mapped[LetterKind] = mapped_column(string_enum(LetterKind, "letter_kind", 30))
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_address: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # The PDF as produced; emptied (None) when the record is pseudonymised.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    produced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    produced_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    shared_with_school_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    referral: Mapped[Referral] = relationship()
    care_contact: Mapped[CareContact | None] = relationship()
    produced_by: Mapped[User] = relationship(foreign_keys=[produced_by_id])
    shared_by: Mapped[User | None] = relationship(foreign_keys=[shared_by_id])

    @property
    def shared(self) -> bool:
        return self.shared_with_school_at is not None

    @property
    def filename(self) -> str:
        return f"letter-{self.referral.reference}-{self.id}.pdf"
