"""Children's referrals, consent and the referral's history.

A :class:`Child` (``mhst.referrals.child_models``, re-exported here) is the young person;
each request for support is a :class:`Referral`
with its own status, moved only by :mod:`mhst.referrals.operations` (the state machine
and the consent gate). Every change of status is a :class:`ReferralEvent`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from mhst.accounts.models import User
from mhst.audit.models import AuditRecordType
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, partial, string_enum
from mhst.directory.models import DirectoryService
from mhst.extensions import db
from mhst.referrals.child_models import Child, Ethnicity, Gender, YearGroup
from mhst.schools.models import School
from mhst.security.scoping import Kind, Shape

__all__ = ["Child", "Ethnicity", "Gender", "YearGroup"]  # re-exported: imported from here


class Need(LabelledEnum):
    """What the child needs help with (the MHST offer, seeds 001 and 004)."""

    LOW_MOOD = "low_mood"
    WORRY = "worry"
    ANXIETY_AND_AVOIDANCE = "anxiety_and_avoidance"
    SLEEP_DIFFICULTIES = "sleep_difficulties"
    CHALLENGING_BEHAVIOUR = "challenging_behaviour"
    FAMILY_RELATIONSHIPS = "family_relationships"
    ADJUSTING_TO_CHANGE = "adjusting_to_change"
    EMOTIONAL_REGULATION = "emotional_regulation"
    OTHER = "other"

    @property
    def label(self) -> str:
        if self is Need.ANXIETY_AND_AVOIDANCE:
            return "Anxiety and avoidance, including simple phobias and separation anxiety"
        return super().label


class Duration(LabelledEnum):
    LESS_THAN_A_MONTH = "less_than_a_month"
    ONE_TO_THREE_MONTHS = "one_to_three_months"
    THREE_TO_SIX_MONTHS = "three_to_six_months"
    MORE_THAN_SIX_MONTHS = "more_than_six_months"

    @property
    def label(self) -> str:
        return {
            Duration.LESS_THAN_A_MONTH: "Less than a month",
            Duration.ONE_TO_THREE_MONTHS: "1 to 3 months",
            Duration.THREE_TO_SIX_MONTHS: "3 to 6 months",
            Duration.MORE_THAN_SIX_MONTHS: "More than 6 months",
        }[self]


class Impact(LabelledEnum):
    A_LITTLE = "a_little"
    QUITE_A_LOT = "quite_a_lot"
    A_GREAT_DEAL = "a_great_deal"

    @property
    def label(self) -> str:
        return {
            Impact.A_LITTLE: "A little: they manage most of their day",
            Impact.QUITE_A_LOT: "Quite a lot: it gets in the way of school, home or friends",
            Impact.A_GREAT_DEAL: "A great deal: they struggle with most of their day",
        }[self]


class RiskItem(LabelledEnum):
    """The referral's risk screen. Any item ticked flags the referral for a same-day
    senior review: MHSTs offer low-intensity help for mild to moderate need."""

    SELF_HARM = "self_harm"
    THOUGHTS_OF_SUICIDE = "thoughts_of_suicide"
    SAFEGUARDING_CONCERN = "safeguarding_concern"
    EATING_DIFFICULTIES = "eating_difficulties"
    UNUSUAL_EXPERIENCES = "unusual_experiences"
    SUBSTANCE_USE = "substance_use"

    @property
    def label(self) -> str:
        return {
            RiskItem.SELF_HARM: "Self-harm",
            RiskItem.UNUSUAL_EXPERIENCES: "Unusual experiences, such as hearing voices",
            RiskItem.SUBSTANCE_USE: "Alcohol or drug use",
        }.get(self, super().label)


class ChildAgrees(LabelledEnum):
    YES = "yes"
    NO = "no"
    NOT_SURE = "not_sure"

    @property
    def label(self) -> str:
        return {
            ChildAgrees.YES: "Yes, the child agrees to the referral",
            ChildAgrees.NO: "No, the child does not agree",
            ChildAgrees.NOT_SURE: "Not sure, or not asked yet",
        }[self]


class ReferralSource(LabelledEnum):
    SCHOOL = "school"
    SELF_REFERRAL_ONLINE = "self_referral_online"
    PARENT_CARER = "parent_carer"
    SCHOOL_NURSE = "school_nurse"
    GP = "gp"

    @property
    def label(self) -> str:
        return {
            ReferralSource.SCHOOL: "School Mental Health Lead",
            ReferralSource.SELF_REFERRAL_ONLINE: "Self-referral received online",
            ReferralSource.PARENT_CARER: "Parent or carer",
            ReferralSource.GP: "GP",
        }.get(self, super().label)


class ReferralStatus(LabelledEnum):
    SUBMITTED = "submitted"
    AWAITING_CONSENT = "awaiting_consent"
    READY_FOR_TRIAGE = "ready_for_triage"
    ACCEPTED = "accepted"
    ALLOCATED = "allocated"
    IN_TREATMENT = "in_treatment"
    DISCHARGED = "discharged"
    SIGNPOSTED = "signposted"
    NOT_ACCEPTED = "not_accepted"
    STEPPED_UP = "stepped_up"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        if self is ReferralStatus.ACCEPTED:
            return "Accepted (waiting list)"
        return super().label

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATUSES


CLOSED_STATUSES = frozenset(
    {
        ReferralStatus.DISCHARGED,
        ReferralStatus.SIGNPOSTED,
        ReferralStatus.NOT_ACCEPTED,
        ReferralStatus.STEPPED_UP,
        ReferralStatus.WITHDRAWN,
    }
)


# A case is open, on a practitioner's caseload, in these statuses.
OPEN_CASE_STATUSES = frozenset({ReferralStatus.ALLOCATED, ReferralStatus.IN_TREATMENT})


class ConsentKind(LabelledEnum):
    PARENT_CARER = "parent_carer"
    YOUNG_PERSON = "young_person"  # 16 or over: consents for themselves
    GILLICK = "gillick"  # 12 to 15, assessed as Gillick competent by a clinician

    @property
    def label(self) -> str:
        return {
            ConsentKind.PARENT_CARER: "Parent or carer",
            ConsentKind.YOUNG_PERSON: "Young person (16 or over)",
            ConsentKind.GILLICK: "Young person (12 to 15) assessed as Gillick competent",
        }[self]


class ConsentMethod(LabelledEnum):
    IN_WRITING = "in_writing"
    ONLINE_FORM = "online_form"
    PHONE = "phone"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return {
            ConsentMethod.IN_WRITING: "In writing (a signed form or a letter)",
            ConsentMethod.ONLINE_FORM: "Online form or email",
            ConsentMethod.PHONE: "By phone",
            ConsentMethod.IN_PERSON: "In person",
        }[self]


# Partial indexes' rows as SQL (a query says it literally, so PostgreSQL uses the index):
# high-risk referrals awaiting review (the leads' homes), the signposting decisions (the
# activity report).
UNREVIEWED = partial(
    "high_risk = 1 AND risk_reviewed_at IS NULL", "high_risk AND risk_reviewed_at IS NULL"
)
SIGNPOSTING_EVENTS = "to_status IN ('signposted', 'stepped_up', 'discharged')"


class Referral(db.Model):
    """One request for support for a child: who asked, what for, the risk screen, and
    where it is in the journey (``status``, changed only by the operations module)."""

    __tablename__ = "referral"
    __table_args__ = (
        # The referral list and the waiting list, newest or oldest first (an index read
        # either way), all of them, by status or by school (mhst/core/keyset.py).
        Index("ix_referral_received_on_id", "received_on", "id"),
        Index("ix_referral_status_received_on", "status", "received_on", "id"),
        Index("ix_referral_school_received_on", "school_id", "received_on", "id"),
        Index("ix_referral_risk_unreviewed", "received_on", "submitted_at", "id", **UNREVIEWED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    source: Mapped[ReferralSource] = mapped_column(
        string_enum(ReferralSource, "referral_source", 30)
    )
    referrer_name: Mapped[str | None] = mapped_column(String(200))
    referrer_contact: Mapped[str | None] = mapped_column(String(254))
    received_on: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None for a referral the public sent online (mhst.selfreferral): no staff member.
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    in_education: Mapped[bool] = mapped_column(Boolean)
    need_other: Mapped[str | None] = mapped_column(String(500))
    duration: Mapped[Duration] = mapped_column(string_enum(Duration, "duration", 30))
    impact: Mapped[Impact] = mapped_column(string_enum(Impact, "impact", 20))
    needs_detail: Mapped[str] = mapped_column(Text)
    already_tried: Mapped[str] = mapped_column(Text)
    risk_detail: Mapped[str | None] = mapped_column(Text)
    discussed_with_team: Mapped[bool] = mapped_column(Boolean)
    child_agrees: Mapped[ChildAgrees] = mapped_column(string_enum(ChildAgrees, "child_agrees", 10))
    eligible: Mapped[bool] = mapped_column(Boolean)
    ineligible_reason: Mapped[str | None] = mapped_column(Text)
    high_risk: Mapped[bool] = mapped_column(Boolean, index=True)
    risk_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    risk_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    risk_review_notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ReferralStatus] = mapped_column(
        string_enum(ReferralStatus, "referral_status", 30)
    )
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    # Indexed for the extract: referrals not closed before a period began.
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)

    child: Mapped[Child] = relationship(back_populates="referrals")
    school: Mapped[School] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    risk_reviewed_by: Mapped[User | None] = relationship(foreign_keys=[risk_reviewed_by_id])
    need_links: Mapped[list[ReferralNeed]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReferralNeed.need"
    )
    risk_links: Mapped[list[ReferralRisk]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReferralRisk.risk"
    )
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id"
    )
    consents: Mapped[list[Consent]] = relationship(back_populates="referral", order_by="Consent.id")
    signposts: Mapped[list[ReferralSignpost]] = relationship(
        back_populates="referral", order_by="ReferralSignpost.id"
    )

    @property
    def reference(self) -> str:
        """The number people quote on the phone: R followed by six digits."""
        return f"R{self.id:06d}"

    @property
    def needs(self) -> list[Need]:
        return sorted((link.need for link in self.need_links), key=list(Need).index)

    @property
    def risks(self) -> list[RiskItem]:
        return sorted((link.risk for link in self.risk_links), key=list(RiskItem).index)

    @property
    def awaiting_risk_review(self) -> bool:
        return self.high_risk and self.risk_reviewed_at is None

    @classmethod
    def scope_shape(cls) -> Shape:
        """For ``mhst.security.scoping``: a referral is its school's and that school's
        team's; the school made it if its source is the school; as a case it is held by
        the practitioner it is allocated to now. Reading one is audited."""
        from mhst.referrals.allocations import held_by  # allocations imports this module

        return Shape(
            Kind.REFERRAL,
            of_team=lambda team_id: cls.school_id.in_(
                select(School.id).where(School.team_id == team_id).scalar_subquery()
            ),
            of_school=lambda school_id: cls.school_id == school_id,
            made_by_school=cls.source == ReferralSource.SCHOOL,
            held_by=held_by,
            audited_as=AuditRecordType.REFERRAL,
            load=(joinedload(cls.child), joinedload(cls.school).joinedload(School.area)),
        )


class ReferralNeed(db.Model):
    __tablename__ = "referral_need"

    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), primary_key=True
    )
    need: Mapped[Need] = mapped_column(string_enum(Need, "need", 30), primary_key=True)


class ReferralRisk(db.Model):
    __tablename__ = "referral_risk"

    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), primary_key=True
    )
    risk: Mapped[RiskItem] = mapped_column(string_enum(RiskItem, "risk", 30), primary_key=True)


class ReferralEvent(db.Model):
    """One change of a referral's status: who, when and why (the referral's history)."""

    __tablename__ = "referral_event"
    __table_args__ = (
        # A referral's last event before a moment (the extract, per referral): one probe,
        # read backwards for ORDER BY occurred_at DESC, id DESC.
        Index("ix_referral_event_referral_id_occurred_at", "referral_id", "occurred_at", "id"),
        Index("ix_referral_event_signposting", "occurred_at", **partial(SIGNPOSTING_EVENTS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    from_status: Mapped[ReferralStatus | None] = mapped_column(
        string_enum(ReferralStatus, "referral_event_from_status", 30)
    )
    to_status: Mapped[ReferralStatus] = mapped_column(
        string_enum(ReferralStatus, "referral_event_to_status", 30)
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="events")
    by_user: Mapped[User | None] = relationship()


class Consent(db.Model):
    """Consent for the team to work with a child: who gave it, when and how; and, if it
    was withdrawn, when and why. See ``operations.consent_problem`` for what is valid."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(string_enum(ConsentKind, "consent_kind", 20))
    given_by_name: Mapped[str] = mapped_column(String(200))
    relationship_to_child: Mapped[str | None] = mapped_column(String(100))
    given_on: Mapped[date] = mapped_column(Date)
    method: Mapped[ConsentMethod] = mapped_column(string_enum(ConsentMethod, "consent_method", 20))
    gillick_assessed_on: Mapped[date | None] = mapped_column(Date)
    gillick_assessment: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="consents")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ReferralSignpost(db.Model):
    """A directory service a referral was signposted or stepped up to, at triage."""

    __tablename__ = "referral_signpost"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("referral_event.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("directory_service.id"))

    referral: Mapped[Referral] = relationship(back_populates="signposts")
    event: Mapped[ReferralEvent] = relationship()
    service: Mapped[DirectoryService] = relationship()
