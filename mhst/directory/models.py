"""The signposting directory: services a child or young person can be sent to.

Imported from the LLR "At a glance" spreadsheet (``flask import-directory``); see
:mod:`mhst.directory.importer` for the file and :mod:`mhst.directory.operations` for the
rules. Areas are kept as the file's text (``area_text``) plus three flags saying which of
Leicester City, Leicestershire (county) and Rutland the service covers; a service whose
area names none of them ("Universities", "Varied") has no flag set and matches no area
filter, only "any area".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db


class DirectoryTable(LabelledEnum):
    CHILDREN = "children"
    ADULT = "adult"

    @property
    def label(self) -> str:
        return "Children and young people" if self is DirectoryTable.CHILDREN else "Adults (18+)"


class Concern(LabelledEnum):
    """The concern flag columns of both tables of the file (the adult table has more)."""

    GENERAL_MENTAL_HEALTH = "general_mental_health"
    EATING_DISORDERS = "eating_disorders"
    BEREAVEMENT = "bereavement"
    PSYCHOSIS = "psychosis"
    POST_SEXUAL_ABUSE = "post_sexual_abuse"
    SELF_HARM = "self_harm"
    SUBSTANCE_MISUSE = "substance_misuse"
    NEURODIVERSITY = "neurodiversity"
    MATERNITY_PERINATAL = "maternity_perinatal"
    EMPLOYMENT_SUPPORT = "employment_support"
    CRIMINAL_JUSTICE = "criminal_justice"
    FORENSIC_MENTAL_HEALTH = "forensic_mental_health"
    DEMENTIA_OLDER_AGE = "dementia_older_age"
    PHYSICAL_HEALTH = "physical_health"
    PRENATAL_PERINATAL = "prenatal_perinatal"
    HOMELESS = "homeless"

    @property
    def label(self) -> str:
        return CONCERN_LABELS.get(self, super().label)


CONCERN_LABELS = {
    Concern.SUBSTANCE_MISUSE: "Substance misuse, smoking, vaping",
    Concern.MATERNITY_PERINATAL: "Maternity or perinatal",
    Concern.DEMENTIA_OLDER_AGE: "Dementia, memory or older age",
    Concern.PRENATAL_PERINATAL: "Prenatal or perinatal",
}


class DirectoryServiceConcern(db.Model):
    """One concern flag ("Y" in the file) of a service."""

    __tablename__ = "directory_service_concern"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("directory_service.id", ondelete="CASCADE"), primary_key=True
    )
    concern: Mapped[Concern] = mapped_column(string_enum(Concern, "concern", 40), primary_key=True)


class DirectoryService(db.Model):
    """One service row of the directory.

    The natural key (table, level of need, name, area) makes the import idempotent: the
    file lists some services twice at different levels ("NHS Talking Therapies").
    """

    __tablename__ = "directory_service"
    __table_args__ = (
        UniqueConstraint(
            "table_kind", "level_of_need", "name", "area_text", name="uq_directory_service_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    table_kind: Mapped[DirectoryTable] = mapped_column(
        string_enum(DirectoryTable, "directory_table", 20), index=True
    )
    level_of_need: Mapped[str] = mapped_column(String(120))
    level_order: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(250))
    provider: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    area_text: Mapped[str] = mapped_column(String(120))
    covers_city: Mapped[bool] = mapped_column(Boolean, default=False)
    covers_county: Mapped[bool] = mapped_column(Boolean, default=False)
    covers_rutland: Mapped[bool] = mapped_column(Boolean, default=False)
    age_text: Mapped[str] = mapped_column(String(120))
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    # [{"route": column heading, "detail": the cell's text}], in the file's column order
    referral_routes: Mapped[list] = mapped_column(JSON, default=list)
    source_line: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    edited_by_admin: Mapped[bool] = mapped_column(Boolean, default=False)

    updated_by: Mapped[User | None] = relationship()
    concern_links: Mapped[list[DirectoryServiceConcern]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=DirectoryServiceConcern.concern
    )

    @property
    def concerns(self) -> list[Concern]:
        return sorted((link.concern for link in self.concern_links), key=list(Concern).index)

    @property
    def areas(self) -> list[str]:
        return [
            label
            for label, flag in (
                ("Leicester City", self.covers_city),
                ("Leicestershire", self.covers_county),
                ("Rutland", self.covers_rutland),
            )
            if flag
        ]
