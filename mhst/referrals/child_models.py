"""The child: who a referral is about, their details and the history of those details.

One :class:`Child` may have many referrals (``mhst.referrals.children`` finds the child
a new referral is about). Two records found to be one child are merged
(:class:`ChildMerge`, undone by marking it undone: nothing is deleted), and every
correction of a child's or parent's details keeps the old and new values
(:class:`ChildCorrection`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    event,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.audit.models import AuditRecordType
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, partial, string_enum
from mhst.core.versions import version_column, versioned
from mhst.extensions import db
from mhst.referrals.children import name_key
from mhst.schools.models import School
from mhst.security.scoping import Kind, Shape

if TYPE_CHECKING:
    from mhst.referrals.models import Referral


class Gender(LabelledEnum):
    """Gender identity as the Mental Health Services Data Set codes it."""

    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    OTHER = "other"
    NOT_STATED = "not_stated"

    @property
    def label(self) -> str:
        return {
            Gender.NON_BINARY: "Non-binary",
            Gender.OTHER: "In another way",
            Gender.NOT_STATED: "Not known or prefers not to say",
        }.get(self, super().label)


class Ethnicity(LabelledEnum):
    """NHS ethnic category codes (the Data Dictionary's 2001 census categories)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H = "H"
    J = "J"
    K = "K"
    L = "L"
    M = "M"
    N = "N"
    P = "P"
    R = "R"
    S = "S"
    Z = "Z"

    @property
    def label(self) -> str:
        return ETHNICITY_LABELS[self]


ETHNICITY_LABELS = {
    Ethnicity.A: "White: British",
    Ethnicity.B: "White: Irish",
    Ethnicity.C: "White: any other White background",
    Ethnicity.D: "Mixed: White and Black Caribbean",
    Ethnicity.E: "Mixed: White and Black African",
    Ethnicity.F: "Mixed: White and Asian",
    Ethnicity.G: "Mixed: any other mixed background",
    Ethnicity.H: "Asian or Asian British: Indian",
    Ethnicity.J: "Asian or Asian British: Pakistani",
    Ethnicity.K: "Asian or Asian British: Bangladeshi",
    Ethnicity.L: "Asian or Asian British: any other Asian background",
    Ethnicity.M: "Black or Black British: Caribbean",
    Ethnicity.N: "Black or Black British: African",
    Ethnicity.P: "Black or Black British: any other Black background",
    Ethnicity.R: "Other ethnic groups: Chinese",
    Ethnicity.S: "Other ethnic groups: any other ethnic group",
    Ethnicity.Z: "Not stated",
}


class YearGroup(LabelledEnum):
    RECEPTION = "reception"
    YEAR_1 = "year_1"
    YEAR_2 = "year_2"
    YEAR_3 = "year_3"
    YEAR_4 = "year_4"
    YEAR_5 = "year_5"
    YEAR_6 = "year_6"
    YEAR_7 = "year_7"
    YEAR_8 = "year_8"
    YEAR_9 = "year_9"
    YEAR_10 = "year_10"
    YEAR_11 = "year_11"
    YEAR_12 = "year_12"
    YEAR_13 = "year_13"
    POST_16 = "post_16"

    @property
    def label(self) -> str:
        if self is YearGroup.POST_16:
            return "College or other post-16 education"
        return super().label


class Child(db.Model):
    """A child or young person referred to the team."""

    __tablename__ = "child"
    __table_args__ = (
        CheckConstraint("nhs_number IS NULL OR length(nhs_number) = 10", name="nhs_number_ten"),
        CheckConstraint(
            "merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_self"
        ),
        Index("ix_child_identity", "name_key", "date_of_birth", "school_id"),
        # Finding a child by part of a name (LIKE '%word%'): trigrams, PostgreSQL only
        # (migration 0020_trigram; ``mhst.migrate.include_object`` skips it elsewhere).
        Index(
            "ix_child_name_key_trgm",
            "name_key",
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # A child's possible duplicates (its page, its referrals' pages): the few flagged.
        Index(
            "ix_child_possible_duplicate_of_id",
            "possible_duplicate_of_id",
            **partial("possible_duplicate_of_id IS NOT NULL"),
        ),
        # Finding a child by date of birth alone (ix_child_identity leads with the name).
        Index("ix_child_date_of_birth", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    gender: Mapped[Gender] = mapped_column(string_enum(Gender, "gender", 20))
    ethnicity: Mapped[Ethnicity | None] = mapped_column(string_enum(Ethnicity, "ethnicity", 1))
    nhs_number: Mapped[str | None] = mapped_column(String(10), index=True)
    year_group: Mapped[YearGroup] = mapped_column(string_enum(YearGroup, "year_group", 20))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    parent_carer_name: Mapped[str | None] = mapped_column(String(200))
    parent_carer_relationship: Mapped[str | None] = mapped_column(String(100))
    parent_carer_phone: Mapped[str | None] = mapped_column(String(40))
    parent_carer_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The name as the identity rule compares it (``children.name_key``), kept by the
    # mapper events below whenever the name changes.
    name_key: Mapped[str] = mapped_column(String(210))
    # Set when this record was merged into another record of the same child.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("child.id"), index=True)
    # Another record with this child's NHS number but a different name or date of birth:
    # staff check it and merge the two, or correct the wrong NHS number.
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("child.id"))
    version: Mapped[int] = version_column()
    __mapper_args__ = versioned(version)  # an edit saved on an older version is refused

    school: Mapped[School] = relationship()
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="child", order_by="Referral.received_on"
    )
    merged_into: Mapped[Child | None] = relationship(
        remote_side=[id], foreign_keys=[merged_into_id]
    )
    possible_duplicate_of: Mapped[Child | None] = relationship(
        remote_side=[id], foreign_keys=[possible_duplicate_of_id]
    )

    @property
    def reference(self) -> str:
        """The child's record number, C followed by six digits (not personal data)."""
        return f"C{self.id:06d}"

    @property
    def merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def formatted_nhs_number(self) -> str | None:
        n = self.nhs_number
        return f"{n[:3]} {n[3:6]} {n[6:]}" if n else None

    @classmethod
    def scope_shape(cls) -> Shape:
        """For ``mhst.security.scoping``: a child is their school's team's, and the team's
        of every school that referred them (a child who moved school stays visible to
        the team that saw them). Reading one is audited."""
        from mhst.referrals.models import Referral  # models imports this module

        def of_team(team_id: int):
            team_schools = select(School.id).where(School.team_id == team_id).scalar_subquery()
            referred = select(Referral.child_id).where(Referral.school_id.in_(team_schools))
            return or_(cls.school_id.in_(team_schools), cls.id.in_(referred.scalar_subquery()))

        return Shape(Kind.CHILD, of_team=of_team, audited_as=AuditRecordType.CHILD)


@event.listens_for(Child, "before_insert")
@event.listens_for(Child, "before_update")
def _keep_name_key(_mapper, _connection, child: Child) -> None:
    child.name_key = name_key(child.given_name, child.family_name)


class ChildMerge(db.Model):
    """Two records found to be one child: ``merged`` was merged into ``kept``. The
    referrals that moved are listed (:class:`ChildMergeReferral`), so an undo moves
    exactly those back; an undone merge stays, marked undone, with who, when and why."""

    __tablename__ = "child_merge"
    __table_args__ = (CheckConstraint("kept_child_id <> merged_child_id", name="two_children"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    merged_child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    undo_reason: Mapped[str | None] = mapped_column(Text)

    kept_child: Mapped[Child] = relationship(foreign_keys=[kept_child_id])
    merged_child: Mapped[Child] = relationship(foreign_keys=[merged_child_id])
    merged_by: Mapped[User] = relationship(foreign_keys=[merged_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])
    moved: Mapped[list[ChildMergeReferral]] = relationship(
        cascade="all, delete-orphan", order_by="ChildMergeReferral.referral_id"
    )

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


class ChildMergeReferral(db.Model):
    """A referral a merge moved from the merged record to the kept one."""

    __tablename__ = "child_merge_referral"

    merge_id: Mapped[int] = mapped_column(
        ForeignKey("child_merge.id", ondelete="CASCADE"), primary_key=True
    )
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), primary_key=True)


class ChildCorrection(db.Model):
    """One correction of a child's or parent's details: who, when, why, and each field's
    old and new value (:class:`ChildCorrectionValue`), shown on the child's page. A
    referral for a child already known that brings newer details is one too, naming the
    referral."""

    __tablename__ = "child_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))

    corrected_by: Mapped[User] = relationship()
    values: Mapped[list[ChildCorrectionValue]] = relationship(
        cascade="all, delete-orphan", order_by="ChildCorrectionValue.id"
    )


class ChildCorrectionValue(db.Model):
    """A field's value before and after a correction, as the page showed it."""

    __tablename__ = "child_correction_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    correction_id: Mapped[int] = mapped_column(
        ForeignKey("child_correction.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(String(300))
    new_value: Mapped[str | None] = mapped_column(String(300))
