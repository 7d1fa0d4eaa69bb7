"""The commissioner: suppressed aggregate reports, and never a child's record.

Every route in the app whose URL names a child-level record is requested by GET and by
POST (with a valid CSRF token), found by walking ``app.url_map``: a new child-level route
is covered the day it is added. So are the pages that list children.
"""

from __future__ import annotations

import pytest
from flask import url_for

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.extensions import db
from mhst.reports import queries
from mhst.reports.cells import Count, Rate, Section
from mhst.reports.suppression import RULE
from mhst.security.permissions import STATIC_ENDPOINTS
from tests import test_report_pages
from tests.conftest import AuthActions
from tests.test_report_pages import (
    SLUG,
    csv_of,
    soup_of,
    table_rows,
)
from tests.test_route_permissions import URL_ARGUMENTS

# The pages' fixtures: a report made for the tests, and a fixed today.
fixed_report = test_report_pages.fixed_report
today = test_report_pages.today

CHILD_ARGUMENTS = frozenset(
    {
        "referral_id",
        "case_id",
        "contact_id",
        "consent_id",
        "group_id",
        "record_id",
        "measure_record_id",
        "child_id",
        "other_id",
        "merge_id",
        "link_id",  # a questionnaire link on a case
    }
)
# What a commissioner may open without arguments: their home page, their account, the
# reports, and the public pages. Every other page is refused.
ALLOWED_WITHOUT_ARGUMENTS = {
    "home.index",
    "home.healthz",
    "home.status",
    "accounts.sign_in",
    "accounts.sign_out",
    "accounts.change_password",
    "password_reset.forgotten_password",  # public: asking for a reset link names nobody
    "mfa.account",
    "mfa.set_up",  # the steps of signing in: a signed-in user is sent home
    "mfa.code",
    "mfa.recovery_code",
    "interest.register",
    "interest.registered",
    "public_pages.privacy_notice",
    "public_pages.accessibility_statement",
    "public_pages.cookies",
    "public.schools",  # the public pages for families
    "public.support",
    "selfreferral.start",
    "selfreferral.not_listed",
    "selfreferral.check",
    "selfreferral.sent",
    "selfreferral.start_again",
    "questionnaires.answered",  # public: the family's thank-you page names nobody
    "reports.index",
    # The rollout's figures, suppressed, no school named (tests/test_rollout_summary.py).
    "rollout_summary.index",
    "rollout_summary.download",
    # Their own notifications (none: no kind is sent to a commissioner) and settings.
    "notifications.index",
    "notifications.follow",
    "notifications.open_record",
    "notifications.mark_read",
    "notifications.mark_all_read",
    "notifications.settings",
}
# Pages that list children, named so that the walk below is known to include them.
CHILD_LISTS = {
    "referrals.index",
    "referrals.waiting_list",
    "referrals.triage_queue",
    "casework.caseload",
    "casework.team_caseloads",
    "diary.week",
    "diary.day",
    "diary.team",
    "groups.index",
    "supervision.index",
    "supervision.overdue",
    "extract.index",
    "children.search",
}


def child_level_rules(app):
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.endpoint not in STATIC_ENDPOINTS and rule.arguments & CHILD_ARGUMENTS
        ),
        key=lambda rule: rule.rule,
    )


def children(world) -> list[str]:
    """What must never reach a commissioner: the world's children and their parents."""
    return [
        world.case_a1.child.full_name,
        world.referral_a1.child.full_name,
        world.referral_a1.child.parent_carer_name,
        world.case_a1.reference,
        world.referral_a1.reference,
    ]


@pytest.fixture
def commissioner(world, auth):
    assert auth.sign_in(world.users[Role.COMMISSIONER].email).status_code == 302
    return world.users[Role.COMMISSIONER]


def assert_refused(response, world, what: str) -> None:
    assert response.status_code in (403, 404), (what, response.status_code)
    text = response.get_data(as_text=True)
    for secret in children(world):
        assert secret not in text, (what, secret)


def test_the_walk_finds_every_kind_of_child_record(app):
    rules = child_level_rules(app)
    endpoints = {rule.endpoint for rule in rules}
    assert {
        "referrals.show",
        "referrals.consent",
        "sessions.sessions",
        "casework.discharge",
        "groups.show",
        "supervision.show",
        "outcomes.measure_record",
        "children.show",
        "children.merge",
        "children.undo_merge",
    } <= endpoints
    assert set().union(*(rule.arguments for rule in rules)) >= CHILD_ARGUMENTS


def test_the_commissioner_cannot_open_or_change_any_childs_record(app, world, client, commissioner):
    token = AuthActions(client).csrf_token("/")
    requested = 0
    urls = []  # first, as some arguments are records made for the test (a triage decision)
    for rule in child_level_rules(app):
        with app.test_request_context():
            url = url_for(
                rule.endpoint, **{arg: URL_ARGUMENTS[arg](world) for arg in rule.arguments}
            )
        urls.append((rule, url))
    db.session.expire_all()
    statuses = (world.referral_a1.status, world.case_a1.status)
    for rule, url in urls:
        for method in ("GET", "POST"):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            if method in rule.methods:
                assert_refused(response, world, f"{method} {url}")
                requested += 1
            else:  # a GET-only page: the POST is not allowed, and shows nothing either
                assert response.status_code == 405
                assert world.case_a1.child.full_name not in response.get_data(as_text=True)
    # Every child-level rule was requested at least once by a method it answers.
    assert requested >= len(child_level_rules(app)) > 15
    db.session.expire_all()
    assert (world.referral_a1.status, world.case_a1.status) == statuses
    events = db.session.scalars(
        db.select(AuditEvent.action).where(
            AuditEvent.user_id == commissioner.id, AuditEvent.action != AuditAction.SIGN_IN
        )
    ).all()
    # No child's record was read, so no read was logged; each refusal was.
    assert events == [AuditAction.ACCESS_REFUSED] * requested


def test_the_commissioner_cannot_open_any_other_page(app, world, client, commissioner):
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in STATIC_ENDPOINTS or rule.arguments or "GET" not in rule.methods:
            continue
        seen.add(rule.endpoint)
        if rule.endpoint in ALLOWED_WITHOUT_ARGUMENTS:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint)
        assert_refused(client.get(url), world, f"GET {url}")
    assert seen >= CHILD_LISTS


def test_the_commissioners_home_page_names_no_child(world, client, commissioner):
    response = client.get("/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for secret in children(world):
        assert secret not in text
    assert "/reports/" in text


# ---- always suppressed ----------------------------------------------------------------


def test_the_commissioners_figures_are_suppressed_even_when_asked_not_to(
    fixed_report, world, client, commissioner
):
    fixed_report.sections = (
        Section("Small", ("Source", "Referrals", "Seen"), (("GP", Count(3), Rate(3, 12)),)),
        Section("Larger", ("Source", "Referrals"), (("School", Count(12)),)),
    )
    for args in ({}, {"shared": "0"}, {"shared": ""}):
        page = client.get(f"/reports/{SLUG}", query_string=args)
        assert page.status_code == 200
        soup = soup_of(page)
        assert table_rows(soup, "Small") == [["GP", "*", "*"]]
        assert table_rows(soup, "Larger") == [["School", "10"]]  # 12 rounds to 10
        assert RULE in soup.main.get_text()
        assert "Figures for sharing" in soup.main.get_text()
        assert soup.find("input", attrs={"name": "shared"}) is None  # nothing to turn off

        download = client.get(f"/reports/{SLUG}.csv", query_string=args)
        assert download.headers["Content-Disposition"].endswith('-for-sharing.csv"')
        rows = csv_of(download)
        assert ["Suppression rule", RULE] in rows
        assert ["Small", "GP", "*", "*"] in rows
        assert ["Larger", "School", "10"] in rows


@pytest.mark.parametrize("slug", list(queries.REPORTS))
def test_every_real_report_is_suppressed_and_names_no_child(
    slug, world, client, commissioner, today
):
    page = client.get(f"/reports/{slug}", query_string={"shared": "0"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert RULE in text
    download = client.get(f"/reports/{slug}.csv", query_string={"shared": "0"})
    assert download.status_code == 200
    assert ["Suppression rule", RULE] in csv_of(download)
    for secret in children(world):
        assert secret not in text
        assert secret not in download.get_data(as_text=True)
