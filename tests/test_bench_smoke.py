"""The national benchmark's pages (mhst/synthetic/pages.py), opened through the test
client on a tiny synthetic data set as each role the benchmark signs in as: each page
answers 200, the lists' last pages included. No timings here (they are bench/'s). Also
the floor route and the X-Query-Count header the benchmark reads."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import User
from mhst.database import QUERY_COUNT_HEADER
from mhst.demo import DEMO_PASSWORD
from mhst.extensions import db
from mhst.migrate import upgrade
from mhst.synthetic.load import load
from mhst.synthetic.pages import ROLE_PAGES, ids_for, last_page_path, paths_for
from tests.conftest import AuthActions

TODAY = date(2026, 11, 16)


@pytest.mark.parametrize("role", sorted(ROLE_PAGES))
def test_each_page_of_the_bench_opens(app, client, role):
    sign_ins = load(db.session.connection(), 0.0005, 1, TODAY, echo=lambda _: None)
    email = sign_ins.staff.sign_ins()[role]
    user = db.session.scalars(select(User).where(User.email == email)).one()
    pages = paths_for(role, ids_for(user))
    # Every page of the role's list has its record in scope at this size.
    assert len(pages) == len(ROLE_PAGES[role]) + 1
    AuthActions(client).sign_in(email, DEMO_PASSWORD)
    for page in pages:
        response = client.get(page.path)
        assert response.status_code == 200, page
        if page.last:
            last = last_page_path(response.get_data(as_text=True))
            assert last is None or client.get(last).status_code == 200, last


def test_the_floor_route_is_the_layout_only(client, count_queries):
    response = client.get("/status")
    assert response.status_code == 200
    assert "MHST Case Manager is working" in response.get_data(as_text=True)
    assert count_queries() == []  # signed out: the layout needs nothing from the database
    assert QUERY_COUNT_HEADER not in response.headers  # off unless configured


def test_the_query_count_header(tmp_path):
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'count.sqlite3'}",
        QUERY_COUNT_HEADER=True,
    )
    with app.app_context():
        upgrade()
    client = app.test_client()
    # SELECT 1 (and, on SQLite, the BEGIN the app sends itself: mhst/database.py).
    assert client.get("/healthz").headers[QUERY_COUNT_HEADER] == "2"
    assert client.get("/status").headers[QUERY_COUNT_HEADER] == "0"


PAGE_LINKS = (
    '<a class="nhsuk-pagination__link" href="/referrals/?page=2&amp;q=x">'
    '<span class="nhsuk-pagination__title">Next</span>'
    '<span class="nhsuk-pagination__page">Page 2 of 17</span></a>'
)


def test_the_last_page_is_found_from_the_links():
    assert last_page_path(PAGE_LINKS) == "/referrals/?page=17&q=x"
    assert last_page_path('<a href="/audit?after=9">Last page</a>') == "/audit?after=9"
    assert last_page_path("<p>One page</p>") is None
