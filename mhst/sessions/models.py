"""1:1 sessions (care contacts) with a child or their parent: planned ahead, then
logged with what happened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.core.versions import version_column, versioned
from mhst.extensions import db
from mhst.referrals.models import Referral


class ContactStage(LabelledEnum):
    ASSESSMENT = "assessment"
    TREATMENT = "treatment"
    REVIEW = "review"
    DISCHARGE = "discharge"


class Attendance(LabelledEnum):
    """What happened to a session; empty while it is only planned."""

    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    CANCELLED_BY_FAMILY = "cancelled_by_family"
    CANCELLED_BY_SERVICE = "cancelled_by_service"
    # Set only by the service: a booked session cancelled because its case was discharged.
    # Not a contact: left out of the contact figures and the national extract.
    CASE_CLOSED = "case_closed"

    @property
    def label(self) -> str:
        return {
            Attendance.CANCELLED_BY_FAMILY: "Cancelled by the family",
            Attendance.CASE_CLOSED: "Cancelled: case closed",
        }.get(self, super().label)


# Booked sessions the service cancelled because the case closed: never a contact, so
# left out of the contact figures (``mhst.reports``) and the national extract.
NOT_CONTACTS = frozenset({Attendance.CASE_CLOSED})
CONTACT_OUTCOMES = tuple(a for a in Attendance if a not in NOT_CONTACTS)


class WhoAttended(LabelledEnum):
    CHILD = "child"
    PARENT_CARER = "parent_carer"  # a proxy contact: the parent for the child's care
    BOTH = "both"

    @property
    def label(self) -> str:
        return {
            WhoAttended.CHILD: "The child or young person",
            WhoAttended.PARENT_CARER: "Parent or carer only",
            WhoAttended.BOTH: "Both",
        }[self]


class ContactMode(LabelledEnum):
    FACE_TO_FACE_SCHOOL = "face_to_face_school"
    FACE_TO_FACE_ELSEWHERE = "face_to_face_elsewhere"
    VIDEO = "video"
    TELEPHONE = "telephone"

    @property
    def label(self) -> str:
        return {
            ContactMode.FACE_TO_FACE_SCHOOL: "Face to face in school",
            ContactMode.FACE_TO_FACE_ELSEWHERE: "Face to face elsewhere",
            ContactMode.VIDEO: "Video call",
            ContactMode.TELEPHONE: "Telephone",
        }[self]

    @property
    def remote(self) -> bool:
        return self in (ContactMode.VIDEO, ContactMode.TELEPHONE)


class Pathway(LabelledEnum):
    """The Li-CBT interventions MHSTs offer."""

    GUIDED_SELF_HELP_ANXIETY = "guided_self_help_anxiety"
    PARENT_LED_CBT_ANXIETY = "parent_led_cbt_anxiety"
    BEHAVIOURAL_ACTIVATION = "behavioural_activation"
    CBT_SLEEP = "cbt_sleep"
    PARENTING_BEHAVIOUR = "parenting_behaviour"
    GRADED_EXPOSURE = "graded_exposure"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            Pathway.GUIDED_SELF_HELP_ANXIETY: "Guided self-help for anxiety",
            Pathway.PARENT_LED_CBT_ANXIETY: "Parent-led CBT for child anxiety",
            Pathway.BEHAVIOURAL_ACTIVATION: "Behavioural activation for low mood",
            Pathway.CBT_SLEEP: "CBT-based sleep management",
            Pathway.PARENTING_BEHAVIOUR: "Parenting for behaviour",
            Pathway.GRADED_EXPOSURE: "Graded exposure for phobias",
            Pathway.OTHER: "Other",
        }[self]


class CareContact(db.Model):
    """A 1:1 session with a child (or their parent, as a proxy): planned ahead, then
    logged with its attendance. ``attendance`` is empty while it is only planned."""

    __tablename__ = "care_contact"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 480", name="duration_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = version_column()
    __mapper_args__ = versioned(version)  # an edit saved on an older version is refused
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    stage: Mapped[ContactStage] = mapped_column(string_enum(ContactStage, "contact_stage", 20))
    mode: Mapped[ContactMode] = mapped_column(string_enum(ContactMode, "contact_mode", 30))
    location: Mapped[str | None] = mapped_column(String(200))
    # Face to face in school: the school's room booked (its name is copied to ``location``).
    room_id: Mapped[int | None] = mapped_column(ForeignKey("school_room.id"), index=True)
    pathway: Mapped[Pathway | None] = mapped_column(string_enum(Pathway, "pathway", 40))
    attendance: Mapped[Attendance | None] = mapped_column(string_enum(Attendance, "attendance", 30))
    who_attended: Mapped[WhoAttended | None] = mapped_column(
        string_enum(WhoAttended, "who_attended", 20)
    )
    clinical_notes: Mapped[str | None] = mapped_column(Text)
    risk_update: Mapped[str | None] = mapped_column(Text)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who recorded what happened (the author of the notes and risk update), and when.
    outcome_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the session is deleted as entered in error: it stays in the record, struck
    # through, and counts nowhere (see ``mhst.sessions.changes``).
    entered_in_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    referral: Mapped[Referral] = relationship()
    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    outcome_recorded_by: Mapped[User | None] = relationship(foreign_keys=[outcome_recorded_by_id])

    @property
    def planned(self) -> bool:
        return self.attendance is None

    @property
    def in_error(self) -> bool:
        return self.entered_in_error_at is not None

    @property
    def notes_author_id(self) -> int:
        """Who wrote the notes and risk update: whoever recorded what happened."""
        return self.outcome_recorded_by_id or self.created_by_id

    @property
    def notes_written_at(self) -> datetime:
        return self.outcome_recorded_at or self.created_at


def contact_counts():
    """The clause keeping sessions entered in error out of every count and list."""
    return CareContact.entered_in_error_at.is_(None)
