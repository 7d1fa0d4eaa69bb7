"""A same-day risk review not done by the end of the UK day the referral was received is
overdue: a red "Overdue: received on ..." tag for the team's senior clinicians and the
clinical lead (home pages), at every day boundary, the clock changes included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mhst.accounts.models import Role
from mhst.core.formatting import format_date
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import operations
from mhst.referrals.models import ReferralStatus, RiskItem
from mhst.referrals.risk_reviews import review_overdue, waiting_reviews
from tests.test_care_contacts import text_of
from tests.test_formatting import CHANGES, near_a_change, uk_offset

CLOCK_CHANGE_DAYS = sorted({(change + uk_offset(change)).date() for change in CHANGES})


def _uk_day(moment: datetime) -> date:
    """The UK wall-clock date of an instant, from the clock changes written out in
    ``tests/test_formatting.py`` (not asked of zoneinfo)."""
    return (moment + uk_offset(moment)).date()


@pytest.fixture
def high_risk(world, make_referral):
    """An unreviewed high-risk referral of school A1 (team A)."""
    return make_referral(
        world.school_a1,
        by=world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD],
        consent=True,
        risks=(RiskItem.THOUGHTS_OF_SUICIDE,),
        child={"given_name": "Overdue", "family_name": "Invented"},
    )


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(moment=near_a_change(), days_before=st.integers(min_value=-1, max_value=2))
def test_overdue_once_the_uk_day_of_receipt_has_ended(high_risk, world, moment, days_before):
    """At any instant near a clock change, a referral received on the UK day of that
    instant (or up to two days before) is overdue exactly when its UK day has ended."""
    received_on = _uk_day(moment) - timedelta(days=days_before)
    high_risk.received_on = received_on
    expected = _uk_day(moment) > received_on
    assert review_overdue(high_risk, now=moment) is expected
    senior = world.users[Role.SENIOR_CLINICIAN]
    [shown] = [w for w in waiting_reviews(senior, now=moment) if w.referral.id == high_risk.id]
    assert shown.overdue is expected


@pytest.mark.parametrize("day", CLOCK_CHANGE_DAYS)
@pytest.mark.parametrize(
    ("after_midnight", "overdue"),
    [(timedelta(seconds=-1), False), (timedelta(0), True), (timedelta(seconds=1), True)],
)
def test_the_boundary_is_uk_midnight_on_clock_change_days(high_risk, day, after_midnight, overdue):
    """Received on a clock-change Sunday: still due at 23:59:59 UK time that night,
    overdue from 00:00:00 UK time on the Monday (UTC+1 or UTC+0 as the clock then is)."""
    high_risk.received_on = day
    monday = day + timedelta(days=1)
    midnight_utc = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    midnight_utc -= uk_offset(midnight_utc)  # UK midnight as a UTC instant
    assert review_overdue(high_risk, now=midnight_utc + after_midnight) is overdue


def test_a_reviewed_or_closed_referral_is_never_overdue(high_risk, world):
    later = datetime.now(UTC) + timedelta(days=3)
    assert review_overdue(high_risk, now=later)
    operations.review_risk(high_risk, by=world.users[Role.SENIOR_CLINICIAN], notes="Seen")
    assert not review_overdue(high_risk, now=later)
    high_risk.risk_reviewed_at = None
    operations.withdraw_referral(
        high_risk, by=world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD], reason="Moved away"
    )
    assert high_risk.status is ReferralStatus.WITHDRAWN
    assert not review_overdue(high_risk, now=later)
    assert all(
        w.referral.id != high_risk.id for w in waiting_reviews(world.users[Role.CLINICAL_LEAD])
    )


OVERDUE_TAG = "Overdue: received on"


def _home(world, auth, client, role) -> str:
    assert auth.sign_in(world.users[role].email).status_code == 302
    return text_of(client.get("/"))


@pytest.mark.parametrize("role", [Role.SENIOR_CLINICIAN, Role.CLINICAL_LEAD])
def test_the_senior_and_the_clinical_lead_see_it_overdue(high_risk, world, auth, client, role):
    yesterday = service_today() - timedelta(days=1)
    high_risk.received_on = yesterday
    db.session.commit()
    page = _home(world, auth, client, role)
    assert f"{OVERDUE_TAG} {format_date(yesterday)}" in page
    assert high_risk.child.full_name in page
    # The warning above the list agrees with it: overdue, not "today".
    assert "review, due on the day each arrives. 1 is overdue." in page


@pytest.mark.parametrize("role", [Role.SENIOR_CLINICIAN, Role.CLINICAL_LEAD])
def test_received_today_it_is_due_not_overdue(high_risk, world, auth, client, role):
    page = _home(world, auth, client, role)
    assert high_risk.child.full_name in page
    assert "Due today" in page
    assert OVERDUE_TAG not in page
    assert "review, due on the day each arrives." in page
    assert "overdue." not in page


def test_the_emhp_and_other_teams_do_not_get_the_list(high_risk, world, auth, client, make_user):
    high_risk.received_on = service_today() - timedelta(days=1)
    db.session.commit()
    assert OVERDUE_TAG not in _home(world, auth, client, Role.EMHP)
    make_user(Role.SENIOR_CLINICIAN, team=world.team_b, email="b-senior@test.example")
    auth.sign_out()
    assert auth.sign_in("b-senior@test.example").status_code == 302
    page = text_of(client.get("/"))
    assert "No referral is waiting for a same-day risk review." in page
    assert high_risk.child.full_name not in page


def test_the_triage_queue_tags_it_overdue(high_risk, world, auth, client):
    yesterday = service_today() - timedelta(days=1)
    high_risk.received_on = yesterday
    db.session.commit()
    assert auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email).status_code == 302
    assert f"{OVERDUE_TAG} {format_date(yesterday)}" in text_of(client.get("/referrals/triage"))
