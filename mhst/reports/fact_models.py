"""The report summaries: one row per referral (``referral_fact``), one per referral and
measure (``measure_fact``), the counts per day and school (``daily_count``, and per
month: ``monthly_count``), and the paired outcomes per month, school and measure
(``outcome_count``).

They hold nothing that is not in the raw tables: :mod:`mhst.reports.facts` rebuilds them
from those, and :mod:`mhst.reports.fact_sync` keeps them up to date in the transaction of
each change. No foreign keys, so that deleting a raw row (erasure) is never blocked by
its summary; the sync removes the summary in the same transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from mhst.extensions import db
from mhst.referrals.models import Need, ReferralStatus
from mhst.sessions.models import CONTACT_OUTCOMES, ContactMode, ContactStage, WhoAttended
from mhst.wholeschool.models import ActivityKind

# The statuses a referral may have reached at some time, each a 0/1 column ``reached_*``.
REACHED = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.SIGNPOSTED,
    ReferralStatus.STEPPED_UP,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.NOT_ACCEPTED,
)


def need_bit(need: Need) -> int:
    """The bit of ``referral_fact.needs`` standing for ``need``."""
    return 1 << list(Need).index(need)


class ReferralFact(db.Model):
    """What the reports need of one referral."""

    __tablename__ = "referral_fact"
    __table_args__ = (
        Index("ix_referral_fact_received_on_school_id", "received_on", "school_id"),
        Index("ix_referral_fact_school_id_received_on", "school_id", "received_on"),
    )

    referral_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    school_id: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30))
    needs: Mapped[int] = mapped_column(Integer)  # a bit per need: see need_bit
    reached_accepted: Mapped[int] = mapped_column(Integer)
    reached_signposted: Mapped[int] = mapped_column(Integer)
    reached_stepped_up: Mapped[int] = mapped_column(Integer)
    reached_withdrawn: Mapped[int] = mapped_column(Integer)
    reached_not_accepted: Mapped[int] = mapped_column(Integer)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # UTC dates of the first and second attended 1:1 contacts (not entered in error).
    first_contact_on: Mapped[date | None] = mapped_column(Date)
    second_contact_on: Mapped[date | None] = mapped_column(Date)


class MeasureFact(db.Model):
    """A referral's first and last record of one measure (by date completed, then id)."""

    __tablename__ = "measure_fact"
    __table_args__ = (
        Index("ix_measure_fact_last_completed_on_school_id", "last_completed_on", "school_id"),
    )

    referral_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    measure_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    school_id: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    first_record_id: Mapped[int] = mapped_column(Integer)
    first_completed_on: Mapped[date] = mapped_column(Date)
    last_record_id: Mapped[int] = mapped_column(Integer)
    last_completed_on: Mapped[date] = mapped_column(Date)


# The count columns of ``daily_count``: logged 1:1 contacts (attendance recorded, not a
# session cancelled as its case closed, not entered in error) on a UTC day, by the
# referral's school, counted by attendance, stage and mode; attended ones by who came;
# and whole-school activities (and their attendance) by kind.
CONTACT_COLUMNS = {f"contacts_{a.value}": ("attendance", a) for a in CONTACT_OUTCOMES}
STAGE_COLUMNS = {f"stage_{s.value}": ("stage", s) for s in ContactStage}
MODE_COLUMNS = {f"mode_{m.value}": ("mode", m) for m in ContactMode}
WHO_COLUMNS = {f"who_{w.value}": ("who_attended", w) for w in WhoAttended}
ACTIVITY_COLUMNS = {f"activities_{k.value}": k for k in ActivityKind}
ACTIVITY_ATTENDANCE_COLUMNS = {f"attendance_{k.value}": k for k in ActivityKind}
COUNT_COLUMNS = (
    *CONTACT_COLUMNS,
    *STAGE_COLUMNS,
    *MODE_COLUMNS,
    *WHO_COLUMNS,
    *ACTIVITY_COLUMNS,
    *ACTIVITY_ATTENDANCE_COLUMNS,
)


def _count_table(name: str, key: str):
    return Table(
        name,
        db.metadata,
        Column(key, Date, primary_key=True),
        Column("school_id", Integer, primary_key=True, autoincrement=False),
        *(Column(column, Integer, nullable=False) for column in COUNT_COLUMNS),
        Index(f"ix_{name}_school_id_{key}", "school_id", key),
    )


daily_count = _count_table("daily_count", "day")
# The same counts per calendar month (``month``: its first day) and school: the sums of
# the month's daily rows, so that a year's figures add up 12 rows per school, not 365.
monthly_count = _count_table("monthly_count", "month")


class OutcomeCount(db.Model):
    """The outcomes report's figures for the pairs (``measure_fact`` rows with two or more
    records) of one measure at one school whose last record was completed in one calendar
    month (``month``: its first day), judged by the rules of :mod:`mhst.outcomes.rules`
    with the measure definition whose rule-bearing parts hash to ``definition`` (empty:
    not loaded, so only ``paired`` and the totals are counted). Score sums are in
    hundredths (scores have two decimal places), so that they add up exactly."""

    __tablename__ = "outcome_count"
    __table_args__ = (Index("ix_outcome_count_school_id_month", "school_id", "month"),)

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    school_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    measure_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    definition: Mapped[str] = mapped_column(String(16))
    paired: Mapped[int] = mapped_column(Integer)
    judged: Mapped[int] = mapped_column(Integer)
    improved: Mapped[int] = mapped_column(Integer)
    deteriorated: Mapped[int] = mapped_column(Integer)
    recovery_applies: Mapped[int] = mapped_column(Integer)
    recovered: Mapped[int] = mapped_column(Integer)
    totals: Mapped[int] = mapped_column(Integer)  # pairs with a total score at both ends
    first_total_hundredths: Mapped[int] = mapped_column(BigInteger)
    last_total_hundredths: Mapped[int] = mapped_column(BigInteger)


OUTCOME_SUMS = (
    "paired",
    "judged",
    "improved",
    "deteriorated",
    "recovery_applies",
    "recovered",
    "totals",
    "first_total_hundredths",
    "last_total_hundredths",
)
