"""Rebuilding the report summaries (:mod:`mhst.reports.fact_models`) from the raw rows.

Each summary has one SELECT that computes its rows from the raw tables, for every
referral (or day and school) or for a few; :func:`recompute_all` replaces every row
with them (``INSERT ... SELECT``, set-based), and :func:`recompute_referrals` and
:func:`recompute_days` replace only the rows of the referrals, or days and schools, a
change touched (:mod:`mhst.reports.fact_sync` calls them in the change's transaction).
The tests compare what the sync keeps with :func:`recompute_all`'s rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)

from mhst.extensions import db
from mhst.outcomes.models import MeasureRecord
from mhst.referrals.models import Need, Referral, ReferralEvent, ReferralNeed
from mhst.reports.fact_models import (
    ACTIVITY_ATTENDANCE_COLUMNS,
    ACTIVITY_COLUMNS,
    CONTACT_COLUMNS,
    COUNT_COLUMNS,
    MODE_COLUMNS,
    REACHED,
    STAGE_COLUMNS,
    WHO_COLUMNS,
    MeasureFact,
    ReferralFact,
    daily_count,
    monthly_count,
    need_bit,
)
from mhst.reports.outcome_facts import outcome_keys, recompute_outcomes
from mhst.reports.sql import month_start, on_utc_dates, utc_date
from mhst.sessions.models import NOT_CONTACTS, Attendance, CareContact, contact_counts
from mhst.wholeschool.models import WholeSchoolActivity

# Ids per statement when a change touches many referrals (an erasure, a merge).
CHUNK = 500

REFERRAL_COLUMNS = [column.key for column in ReferralFact.__table__.columns]
MEASURE_COLUMNS = [column.key for column in MeasureFact.__table__.columns]
DAILY_COLUMNS = ["day", "school_id", *COUNT_COLUMNS]
MONTHLY_COLUMNS = ["month", "school_id", *COUNT_COLUMNS]


def _one_if(condition):
    return case((condition, 1), else_=0)


def referral_rows(referral_ids: Iterable[int] | None = None):
    """The ``referral_fact`` rows of ``referral_ids`` (every referral for None)."""

    def only(column):
        return true() if referral_ids is None else column.in_(referral_ids)

    ever = (
        select(
            ReferralEvent.referral_id,
            *(
                func.max(_one_if(ReferralEvent.to_status == status)).label(status.value)
                for status in REACHED
            ),
        )
        .where(only(ReferralEvent.referral_id))
        .group_by(ReferralEvent.referral_id)
        .subquery("ever")
    )
    needs = (
        select(
            ReferralNeed.referral_id,
            func.sum(case(*((ReferralNeed.need == n, need_bit(n)) for n in Need), else_=0)).label(
                "needs"
            ),
        )
        .where(only(ReferralNeed.referral_id))
        .group_by(ReferralNeed.referral_id)
        .subquery("needs")
    )
    ranked = (
        select(
            CareContact.referral_id,
            utc_date(CareContact.starts_at).label("seen_on"),
            func.row_number()
            .over(
                partition_by=CareContact.referral_id,
                order_by=(CareContact.starts_at, CareContact.id),
            )
            .label("number"),
        )
        .where(
            CareContact.attendance == Attendance.ATTENDED,
            contact_counts(),
            only(CareContact.referral_id),
        )
        .subquery("ranked")
    )
    seen = (
        select(
            ranked.c.referral_id,
            func.max(case((ranked.c.number == 1, ranked.c.seen_on))).label("first"),
            func.max(case((ranked.c.number == 2, ranked.c.seen_on))).label("second"),
        )
        .where(ranked.c.number <= 2)
        .group_by(ranked.c.referral_id)
        .subquery("seen")
    )
    return (
        select(
            Referral.id,
            Referral.school_id,
            Referral.received_on,
            Referral.source,
            Referral.status,
            func.coalesce(needs.c.needs, 0),
            *(func.coalesce(ever.c[status.value], 0) for status in REACHED),
            Referral.accepted_on,
            Referral.closed_on,
            seen.c.first,
            seen.c.second,
        )
        .outerjoin(ever, ever.c.referral_id == Referral.id)
        .outerjoin(needs, needs.c.referral_id == Referral.id)
        .outerjoin(seen, seen.c.referral_id == Referral.id)
        .where(only(Referral.id))
    )


def measure_rows(referral_ids: Iterable[int] | None = None):
    """The ``measure_fact`` rows of ``referral_ids`` (every referral for None)."""
    key = (MeasureRecord.referral_id, MeasureRecord.measure_code)
    ranked = (
        select(
            MeasureRecord.id,
            MeasureRecord.referral_id,
            MeasureRecord.measure_code,
            MeasureRecord.completed_on,
            func.row_number()
            .over(partition_by=key, order_by=(MeasureRecord.completed_on, MeasureRecord.id))
            .label("from_first"),
            func.row_number()
            .over(
                partition_by=key,
                order_by=(MeasureRecord.completed_on.desc(), MeasureRecord.id.desc()),
            )
            .label("from_last"),
            func.count().over(partition_by=key).label("records"),
        )
        .where(true() if referral_ids is None else MeasureRecord.referral_id.in_(referral_ids))
        .subquery("ranked")
    )
    first, last = ranked.c.from_first == 1, ranked.c.from_last == 1
    return (
        select(
            ranked.c.referral_id,
            ranked.c.measure_code,
            Referral.school_id,
            func.max(ranked.c.records),
            func.max(case((first, ranked.c.id))),
            func.max(case((first, ranked.c.completed_on))),
            func.max(case((last, ranked.c.id))),
            func.max(case((last, ranked.c.completed_on))),
        )
        .join(Referral, Referral.id == ranked.c.referral_id)
        .where(or_(first, last))
        .group_by(ranked.c.referral_id, ranked.c.measure_code, Referral.school_id)
    )


def _contact_counts(where):
    day = utc_date(CareContact.starts_at)
    attended = CareContact.attendance == Attendance.ATTENDED
    sums = [
        func.sum(_one_if(getattr(CareContact, attribute) == value))
        for attribute, value in (*CONTACT_COLUMNS.values(), *STAGE_COLUMNS.values())
    ]
    sums += [func.sum(_one_if(CareContact.mode == mode)) for _, mode in MODE_COLUMNS.values()]
    sums += [
        func.sum(_one_if(and_(attended, CareContact.who_attended == who)))
        for _, who in WHO_COLUMNS.values()
    ]
    zeros = [literal(0) for _ in (*ACTIVITY_COLUMNS, *ACTIVITY_ATTENDANCE_COLUMNS)]
    return (
        select(day.label("day"), Referral.school_id.label("school_id"), *sums, *zeros)
        .join(Referral, Referral.id == CareContact.referral_id)
        .where(
            CareContact.attendance.is_not(None),
            CareContact.attendance.not_in(NOT_CONTACTS),
            contact_counts(),
            where,
        )
        .group_by(day, Referral.school_id)
    )


def _activity_counts(where):
    activity = WholeSchoolActivity
    zeros = [literal(0) for _ in (*CONTACT_COLUMNS, *STAGE_COLUMNS, *MODE_COLUMNS, *WHO_COLUMNS)]
    return (
        select(
            activity.held_on.label("day"),
            activity.school_id.label("school_id"),
            *zeros,
            *(func.sum(_one_if(activity.kind == kind)) for kind in ACTIVITY_COLUMNS.values()),
            *(
                func.sum(
                    case((activity.kind == kind, func.coalesce(activity.attendance, 0)), else_=0)
                )
                for kind in ACTIVITY_ATTENDANCE_COLUMNS.values()
            ),
        )
        .where(where)
        .group_by(activity.held_on, activity.school_id)
    )


def daily_rows(keys: Mapping[int, Iterable[date]] | None = None, schools=None):
    """The ``daily_count`` rows of the days of each school in ``keys`` (school id to
    days), or of every day of ``schools`` (ids); every day and school when neither."""
    contacts, activities = true(), true()
    if schools is not None:
        contacts = Referral.school_id.in_(schools)
        activities = WholeSchoolActivity.school_id.in_(schools)
    if keys is not None:
        contacts = or_(
            *(
                and_(
                    Referral.school_id == school,
                    or_(*(on_utc_dates(CareContact.starts_at, day, day) for day in days)),
                )
                for school, days in keys.items()
            )
        )
        activities = or_(
            *(
                and_(WholeSchoolActivity.school_id == school, WholeSchoolActivity.held_on.in_(days))
                for school, days in keys.items()
            )
        )
    both = union_all(_contact_counts(contacts), _activity_counts(activities)).subquery("both")
    return select(
        both.c.day,
        both.c.school_id,
        *(func.sum(column) for column in list(both.c)[2:]),
    ).group_by(both.c.day, both.c.school_id)


def monthly_rows(keys: Mapping[int, Iterable[date]] | None = None, schools=None):
    """The ``monthly_count`` rows of the months (first days) of each school in ``keys``,
    or of every month of ``schools`` (ids); every month and school when neither: the sums
    of their daily rows."""
    month = month_start(daily_count.c.day)
    where = true() if schools is None else daily_count.c.school_id.in_(schools)
    if keys is not None:
        where = or_(
            *(
                and_(
                    daily_count.c.school_id == school,
                    daily_count.c.day >= min(months),
                    month.in_(months),
                )
                for school, months in keys.items()
            )
        )
    return (
        select(
            month,
            daily_count.c.school_id,
            *(func.sum(daily_count.c[name]) for name in COUNT_COLUMNS),
        )
        .where(where)
        .group_by(month, daily_count.c.school_id)
    )


def recompute_all(connection: Connection | None = None) -> None:
    """Replace every summary row with one computed from the raw rows."""
    connection = connection or db.session.connection()
    if connection.dialect.name == "postgresql":
        # Changes made meanwhile wait (reports still read): their own recomputation then
        # runs after this one, on top of it, instead of colliding with its rows.
        connection.execute(
            text(
                "LOCK TABLE referral_fact, measure_fact, daily_count, monthly_count, "
                "outcome_count IN EXCLUSIVE MODE"
            )
        )
    for table in (ReferralFact.__table__, MeasureFact.__table__, daily_count, monthly_count):
        connection.execute(delete(table))
    connection.execute(
        insert(ReferralFact.__table__).from_select(REFERRAL_COLUMNS, referral_rows())
    )
    connection.execute(insert(MeasureFact.__table__).from_select(MEASURE_COLUMNS, measure_rows()))
    connection.execute(insert(daily_count).from_select(DAILY_COLUMNS, daily_rows()))
    connection.execute(insert(monthly_count).from_select(MONTHLY_COLUMNS, monthly_rows()))
    recompute_outcomes(connection)
    if connection.dialect.name == "postgresql":
        # Fresh statistics, or the planner guesses the new tables' sizes (and sorts on
        # disk where a hash of a few hundred groups would do).
        connection.execute(
            text("ANALYZE referral_fact, measure_fact, daily_count, monthly_count, outcome_count")
        )


def _chunks(values: list, size: int = CHUNK):
    return (values[start : start + size] for start in range(0, len(values), size))


@cache
def _referral_statements() -> tuple:
    """The four statements that replace some referrals' facts, built once: their ids are
    the expanding parameter ``ids`` (building ``referral_rows`` anew for every flush cost
    more than running it)."""
    ids = bindparam("ids", expanding=True)
    return (
        *(delete(table).where(table.c.referral_id.in_(ids)) for table in FACT_TABLES),
        insert(ReferralFact.__table__).from_select(REFERRAL_COLUMNS, referral_rows(ids)),
        insert(MeasureFact.__table__).from_select(MEASURE_COLUMNS, measure_rows(ids)),
    )


FACT_TABLES = (ReferralFact.__table__, MeasureFact.__table__)


def recompute_referrals(
    connection: Connection, referral_ids: Iterable[int]
) -> set[tuple[int, date]]:
    """Replace the referral and measure facts of ``referral_ids`` (a referral that no
    longer exists loses them). Returns the (school, month) of their pairs before and
    after: the ``outcome_count`` rows to recompute (:func:`recompute_outcomes`)."""
    pair_keys: set[tuple[int, date]] = set()
    for ids in _chunks(sorted(set(referral_ids))):
        pair_keys |= outcome_keys(connection, ids)
        for statement in _referral_statements():
            connection.execute(statement, {"ids": ids})
        pair_keys |= outcome_keys(connection, ids)
    return pair_keys


def _delete_keys(connection: Connection, table, column, keys: Mapping[int, list]) -> None:
    """Delete ``table``'s rows of each school's ``column`` values (school id to values)."""
    connection.execute(
        delete(table).where(
            or_(
                *(
                    and_(table.c.school_id == school, column.in_(values))
                    for school, values in keys.items()
                )
            )
        )
    )


def recompute_days(connection: Connection, keys: Mapping[int, Iterable[date]]) -> None:
    """Replace the daily counts of the given days of each school (school id to days)."""
    keys = {school: sorted(set(days)) for school, days in keys.items() if days}
    schools = sorted(keys)
    for chunk in _chunks(schools, 50):
        part = {school: keys[school] for school in chunk}
        _delete_keys(connection, daily_count, daily_count.c.day, part)
        connection.execute(insert(daily_count).from_select(DAILY_COLUMNS, daily_rows(part)))
        months = {
            school: sorted({day.replace(day=1) for day in days}) for school, days in part.items()
        }
        _delete_keys(connection, monthly_count, monthly_count.c.month, months)
        connection.execute(insert(monthly_count).from_select(MONTHLY_COLUMNS, monthly_rows(months)))
