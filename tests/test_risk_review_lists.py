"""The risk reviews on the home pages of senior clinicians and the clinical lead are
bounded (issue 14): the ten most urgent of each list, "View all N" to a keyset-paginated
list of them all, each page a fixed number of queries, its children an audited read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.models import RiskItem
from tests.test_care_contacts import open_case
from tests.test_risk_flags import _flag

REVIEWS_URL = "/referrals/risk-reviews"
FLAGS_URL = "/referrals/risk-flags"


def _high_risk(world, make_referral, count: int, start: int = 0) -> list:
    """``count`` unreviewed high-risk referrals of team A, received 1, 2, ... days ago."""
    return [
        make_referral(
            world.school_a1,
            by=world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD],
            consent=True,
            risks=(RiskItem.THOUGHTS_OF_SUICIDE,),
            received_on=service_today() - timedelta(days=n + 1),
            child={"given_name": f"Urgent{n:02d}", "family_name": "Invented"},
        )
        for n in range(start, start + count)
    ]


def _rows(response, caption_start: str) -> list[str]:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    for table in page.select("table"):
        if table.caption.get_text(strip=True).startswith(caption_start):
            return [row.td.a.get_text(strip=True) for row in table.tbody.select("tr")]
    return []


def _get(client, count_queries, url: str):
    before = len(count_queries())
    response = client.get(url)
    assert response.status_code == 200
    return len(count_queries()) - before, response


def _next_link(response) -> str | None:
    """The pagination's Next link (as tests/test_lists_national.py reads it)."""
    for link in BeautifulSoup(response.get_data(as_text=True), "html.parser").select(
        ".nhsuk-pagination a"
    ):
        label = link.get("aria-label") or link.get_text(" ", strip=True)
        if label.split()[0] == "Next":
            return link["href"]
    return None


@pytest.mark.parametrize("role", [Role.SENIOR_CLINICIAN, Role.CLINICAL_LEAD])
def test_home_shows_the_ten_most_urgent_reviews_and_links_to_all(
    role, world, make_referral, auth, client, count_queries
):
    _high_risk(world, make_referral, 3)
    assert auth.sign_in(world.users[role].email).status_code == 302
    small, response = _get(client, count_queries, "/")
    assert "View all" not in response.get_data(as_text=True)
    _high_risk(world, make_referral, 24, start=3)  # 27 made, and the world's own
    large, response = _get(client, count_queries, "/")
    assert large == small  # a fixed number of queries
    shown = _rows(response, "Same-day risk reviews waiting: 28")
    assert shown == [f"Urgent{n:02d} Invented" for n in range(26, 16, -1)]  # oldest first
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    link = page.find("a", string="View all 28 same-day risk reviews waiting")
    assert link["href"] == REVIEWS_URL
    assert "27 are overdue." in response.get_data(as_text=True)


def test_the_list_of_reviews_pages_through_all_with_constant_queries_and_audits_each_page(
    world, make_referral, auth, client, count_queries
):
    made = _high_risk(world, make_referral, 27)
    assert auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email).status_code == 302
    first_count, first = _get(client, count_queries, REVIEWS_URL)
    first_rows = _rows(first, "Same-day risk reviews waiting: 28, 27 overdue")
    assert len(first_rows) == 25
    assert first_rows[0] == "Urgent26 Invented"
    second_count, second = _get(client, count_queries, _next_link(first))
    second_rows = _rows(second, "Same-day risk reviews waiting")
    assert len(second_rows) == 3
    assert second_count == first_count
    assert len(set(first_rows + second_rows)) == 28
    assert _next_link(second) is None
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.user_id == world.users[Role.SENIOR_CLINICIAN].id)
        .where(AuditEvent.action == AuditAction.READ)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).one()
    shown_ids = {str(made[n].id) for n in (0, 1)}  # the least urgent two: the last page
    assert shown_ids <= set(event.record_ids or [event.record_id])


def test_team_b_sees_none_of_team_as_reviews(world, make_referral, auth, client, make_user):
    _high_risk(world, make_referral, 2)
    senior_b = make_user(Role.SENIOR_CLINICIAN, team=world.team_b)
    assert auth.sign_in(senior_b.email).status_code == 302
    response = client.get(REVIEWS_URL)
    assert response.status_code == 200
    assert "Urgent00" not in response.get_data(as_text=True)
    assert "No referral is waiting for a same-day risk review." in response.get_data(as_text=True)


def test_home_shows_the_ten_oldest_risk_flags_and_the_list_shows_them_all(
    world, make_referral, auth, client, count_queries
):
    emhp = world.users[Role.EMHP]
    case = open_case(world, make_referral, child={"given_name": "Flagged", "family_name": "Case"})
    for hour in range(8, 20):
        _flag(case, emhp, hour=hour)
    assert auth.sign_in(world.users[Role.CLINICAL_LEAD].email).status_code == 302
    _, response = _get(client, count_queries, "/")
    caption = "Risks raised on cases, waiting for a senior clinician's review: 12"
    assert len(_rows(response, caption)) == 10
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    link = page.find("a", string="View all 12 risks raised on cases waiting for review")
    assert link["href"] == FLAGS_URL
    _, response = _get(client, count_queries, FLAGS_URL)
    assert len(_rows(response, caption)) == 12
