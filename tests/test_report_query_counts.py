"""Each report runs the same, fixed number of queries whatever the amount of data: the
hand-made data set of ``test_report_figures`` once, then ten times over (with more
waits of varied lengths), on both databases."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from mhst.extensions import db
from mhst.referrals.models import Need, ReferralSource, ReferralStatus
from mhst.reports.filters import ReportAccess, ReportFilters
from mhst.reports.queries import REPORTS, build_report
from mhst.sessions.models import Attendance
from tests.test_report_figures import (
    COMMISSIONER,
    FROM,
    LEAD,
    TEST_MEASURE,
    TO,
    TODAY,
    ReportData,
    at,
    build_hand_made,
    check_percentiles_against_the_database,
)

# The SELECTs each report runs (documented in mhst/reports/queries.py).
SELECTS = {
    "referrals": 1,
    "waiting-times": 2,
    "contacts": 1,
    "caseloads": 1,
    "activity": 5,
    "outcomes": 1,
}


def add_varied_waits(data: ReportData, number: int) -> None:
    """``number`` more accepted referrals with first and second contacts after waits of
    varied lengths (and some with none), so the percentiles have many values to rank."""
    for i in range(number):
        received = FROM + timedelta(days=i % 80)
        referral = data.referral(
            (data.s1, data.s2, data.s3)[i % 3],
            received,
            ReferralSource.SCHOOL,
            [Need.WORRY],
            [(ReferralStatus.ACCEPTED, received), (ReferralStatus.ALLOCATED, received)],
        )
        data.allocate(referral, data.ada)
        if i % 5 == 4:
            continue  # still waiting
        first = received + timedelta(days=(i * 7) % 45)
        data.contact(referral, data.ada, at(first), Attendance.ATTENDED)
        if i % 2:
            second = first + timedelta(days=(i * 3) % 20 + 1)
            data.contact(referral, data.ada, at(second), Attendance.ATTENDED)
    db.session.commit()


def selects_for(count_queries, slug: str, filters: ReportFilters, access: ReportAccess):
    before = len(count_queries())
    built = build_report(slug, filters, access, TODAY)
    statements = count_queries()[before:]
    assert built.sections
    return sum(1 for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH")))


@pytest.fixture
def empty_data(make_area, make_team, make_school, make_user, tmp_path, monkeypatch, app):
    (tmp_path / "tst.json").write_text(json.dumps(TEST_MEASURE), encoding="utf-8")
    monkeypatch.setitem(app.config, "MEASURES_DIR", str(tmp_path))
    return ReportData(make_area, make_team, make_school, make_user)


def test_reports_run_a_fixed_number_of_queries(empty_data, count_queries, backend):
    data = empty_data
    variants = [
        (ReportFilters(FROM, TO), LEAD),
        (ReportFilters(FROM, TO), COMMISSIONER),
        (ReportFilters(FROM, TO, area_id=data.south.id, team_id=data.team_x.id), LEAD),
        (ReportFilters(FROM, TO, school_id=data.s1.id), ReportAccess(data.team_x.id, False)),
    ]

    def measure() -> dict:
        return {
            (slug, position): selects_for(count_queries, slug, filters, access)
            for slug in REPORTS
            for position, (filters, access) in enumerate(variants)
        }

    build_hand_made(data)
    small = measure()
    for _ in range(9):
        build_hand_made(data)
    add_varied_waits(data, 60)
    large = measure()
    assert large == small
    for (slug, _position), selects in small.items():
        assert selects == SELECTS[slug], slug
    # The larger set's percentiles still agree with percentile_cont (on PostgreSQL, with
    # the database's own): 10 x 4 + 48 first contacts, 10 x 3 + 24 second.
    assert check_percentiles_against_the_database(ReportFilters(FROM, TO), backend) == 142
