"""The referrals report (1 query) and the waiting-times report (2 queries), both over
the referral facts (``referral_fact``, one row per referral)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date as DateType
from sqlalchemy import and_, case, func, literal, or_, select

from mhst.core.formatting import format_date
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.referrals.models import Need, ReferralSource, ReferralStatus
from mhst.referrals.queries import FOUR_WEEKS
from mhst.reports.cells import Count, Days, Rate, Section
from mhst.reports.clauses import period, school_clause
from mhst.reports.fact_models import ReferralFact, need_bit
from mhst.reports.filters import ReportAccess, ReportFilters
from mhst.reports.sql import (
    NO_CASES,
    Percentiles,
    days_between,
    percentile_table,
    percentiles,
)
from mhst.schools.models import School

NO_TEAM = "No team"
WAITS = ("days_first", "days_second")

# The outcomes of a referral counted as "ever": a status it reached at some time.
EVER = (
    ("Accepted", ReferralStatus.ACCEPTED),
    ("Signposted", ReferralStatus.SIGNPOSTED),
    ("Stepped up", ReferralStatus.STEPPED_UP),
    ("Withdrawn", ReferralStatus.WITHDRAWN),
    ("Not accepted", ReferralStatus.NOT_ACCEPTED),
)

RECEIVED_NOTE = (
    "Referrals received {period} (the date the referral was received), at the schools "
    "the filters select."
)


def received_in_report(filters: ReportFilters, access: ReportAccess):
    """The WHERE clause for the facts of referrals received in the report's dates and
    schools."""
    return and_(
        ReferralFact.received_on.between(filters.date_from, filters.date_to),
        school_clause(ReferralFact.school_id, filters, access),
    )


# --- referrals -----------------------------------------------------------------------


def referral_sections(
    filters: ReportFilters, access: ReportAccess, today: date
) -> tuple[Section, ...]:
    fact = ReferralFact

    def total(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    counted = db.session.execute(
        select(
            func.count(),
            *(total(getattr(fact, f"reached_{status.value}") == 1) for _label, status in EVER),
            total(fact.status == ReferralStatus.AWAITING_CONSENT.value),
            *(total(fact.source == source.value) for source in ReferralSource),
            *(total(fact.needs.op("&")(need_bit(need)) != 0) for need in Need),
        ).where(received_in_report(filters, access))
    ).one()
    numbers = [int(value) for value in counted]
    received, reached = numbers[0], numbers[1 : 1 + len(EVER)]
    waiting_consent = numbers[1 + len(EVER)]
    sources = numbers[2 + len(EVER) : 2 + len(EVER) + len(ReferralSource)]
    by_source = dict(zip(ReferralSource, sources, strict=True))
    by_need = dict(zip(Need, numbers[2 + len(EVER) + len(ReferralSource) :], strict=True))
    summary_rows = [("Received", Count(received), Rate(received, received))]
    for (label, _status), number in zip(EVER, reached, strict=True):
        summary_rows.append((f"{label} (at any time)", Count(number), Rate(number, received)))
    summary_rows.append(
        ("Waiting for consent now", Count(waiting_consent), Rate(waiting_consent, received))
    )
    note = RECEIVED_NOTE.format(period=period(filters))
    return (
        Section(
            "Referrals received and what happened to them",
            ("Referrals", "Number", "Share of referrals received"),
            tuple(summary_rows),
            note=note + " Accepted, signposted, stepped up, withdrawn and not accepted count the "
            "referrals that reached that status at any time up to now (a referral accepted "
            "and later withdrawn counts in both). Waiting for consent is the referrals whose "
            "status is awaiting consent now.",
        ),
        Section(
            "Referrals by source",
            ("Source", "Referrals", "Share of referrals received"),
            tuple(
                (
                    source.label,
                    Count(by_source.get(source, 0)),
                    Rate(by_source.get(source, 0), received),
                )
                for source in ReferralSource
            ),
            chart=True,
            parts_of_total=True,
            note=note + " Every source is listed, with 0 where there were none.",
        ),
        Section(
            "Referrals by need",
            ("Need", "Referrals", "Share of referrals received"),
            tuple(
                (need.label, Count(by_need.get(need, 0)), Rate(by_need.get(need, 0), received))
                for need in Need
            ),
            note=note
            + " A referral with more than one need counts once under each of them, so the "
            "needs add up to more than the referrals received.",
        ),
    )


# --- waiting times -------------------------------------------------------------------


def accepted_waits(filters: ReportFilters, access: ReportAccess):
    """One row per referral received in the report that was ever accepted: its team, the
    days from referral to its first and second attended contact (``None``: not yet),
    and its received date. A common table expression over the referral facts."""
    fact = ReferralFact
    return (
        select(
            fact.referral_id,
            School.team_id,
            fact.received_on,
            days_between(fact.first_contact_on, fact.received_on).label("days_first"),
            days_between(fact.second_contact_on, fact.received_on).label("days_second"),
        )
        .join(School, School.id == fact.school_id)
        .where(received_in_report(filters, access), fact.reached_accepted == 1)
        .cte("waits")
    )


def waiting_time_sections(
    filters: ReportFilters, access: ReportAccess, today: date
) -> tuple[Section, ...]:
    waits = accepted_waits(filters, access)
    series = {
        f"{column}:{grouping}": (waits.c[column], None if grouping == "all" else waits.c.team_id)
        for column in WAITS
        for grouping in ("all", "team")
    }
    found: dict[str, dict] = {name: {} for name in series}
    for name, *row in db.session.execute(percentile_table(waits, series)):
        found[name][row[0]] = percentiles(row)
    overall = {column: found[f"{column}:all"].get(0, NO_CASES) for column in WAITS}
    by_team = {column: found[f"{column}:team"] for column in WAITS}

    known = or_(
        waits.c.days_first.is_not(None),
        days_between(literal(today, DateType()), waits.c.received_on) >= FOUR_WEEKS,
    )
    within = and_(waits.c.days_first.is_not(None), waits.c.days_first <= FOUR_WEEKS)
    teams = db.session.execute(
        select(
            waits.c.team_id,
            Team.name,
            func.count(),
            func.coalesce(func.sum(case((known, 1), else_=0)), 0),
            func.coalesce(func.sum(case((within, 1), else_=0)), 0),
        )
        .select_from(waits)
        .outerjoin(Team, Team.id == waits.c.team_id)
        .group_by(waits.c.team_id, Team.name)
        .order_by(Team.name)
    ).all()
    seen = Rate(sum(int(row[4]) for row in teams), sum(int(row[3]) for row in teams))

    def days(found: Percentiles) -> tuple[Days, Days]:
        return Days(found.median, found.cases), Days(found.p90, found.cases)

    team_rows = []
    for team_id, name, _accepted, known_count, within_count in teams:
        team_rows.append(
            (
                name or NO_TEAM,
                *days(by_team["days_first"].get(team_id, NO_CASES)),
                *days(by_team["days_second"].get(team_id, NO_CASES)),
                Rate(int(within_count), int(known_count)),
            )
        )
    accepted_note = RECEIVED_NOTE.format(period=period(filters)) + (
        " Only referrals that were accepted onto the waiting list count. Days run from the "
        "date the referral was received to the (UTC) date of the first, or second, "
        "attended 1:1 contact, whenever it was. The median and 90th percentile interpolate "
        "between the two nearest cases, as PostgreSQL's percentile_cont does; the number "
        "of cases is those seen so far."
    )
    seen_note = (
        f"Accepted referrals whose first attended contact was within {FOUR_WEEKS} days "
        f"of referral, out of those that have had a first contact or have waited at least "
        f"{FOUR_WEEKS} days by {format_date(today)}. Referrals waiting fewer than "
        f"{FOUR_WEEKS} days without a contact are not yet known and are left out."
    )
    return (
        Section(
            "Days from referral to first and second contact",
            ("Contact", "Median days", "90th percentile days"),
            (
                ("First attended contact", *days(overall["days_first"])),
                ("Second attended contact", *days(overall["days_second"])),
            ),
            note=accepted_note,
        ),
        Section(
            "Seen within 4 weeks",
            ("Referrals", "Seen within 4 weeks"),
            (("Accepted referrals", seen),),
            note=seen_note,
        ),
        Section(
            "Waiting times by team",
            (
                "Team",
                "Median days to first contact",
                "90th percentile days to first contact",
                "Median days to second contact",
                "90th percentile days to second contact",
                "Seen within 4 weeks",
            ),
            tuple(team_rows),
            note="The team is the team of the referral's school. " + accepted_note,
        ),
    )
