"""Issue 4's "Done when" in a real browser: a clinical lead filters a report and downloads
its CSV, then turns on figures for sharing; a commissioner sees only figures for sharing
and cannot open a child's record.

The figures expected are worked out from the demo's own definitions (the stories of
mhst/demo/stories.py and mhst/demo/team_stories.py, each received a number of working days
before today, at the schools of four teams). Other browser tests add referrals received
today or five days ago, so the figures are checked exactly only for a range that leaves
those out: 15 to 40 days ago.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mhst.core.time import service_today
from mhst.demo.cli import SCHOOLS
from mhst.demo.helpers import working_day
from mhst.demo.history import STORIES
from mhst.referrals.models import ReferralSource
from mhst.reports.suppression import RULE, suppress_count
from tests.browser.test_casework_journey import main_menu
from tests.browser.test_referral_journey import fill_date
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import CLINICAL_LEAD, signed_in

pytestmark = pytest.mark.browser

COMMISSIONER = "commissioner@mhst.example"
TEAM = "City North MHST"
OTHER_TEAM = "Melton MHST"  # a team with no demo referrals
SUMMARY = "Referrals received and what happened to them"
BY_SOURCE = "Referrals by source"
SHARING_SUFFIX = " (figures for sharing)"
FIRST_DAYS_AGO, LAST_DAYS_AGO = 40, 15


def demo_received(team: str) -> Counter[str]:
    """The demo's referrals at ``team``'s schools received 15 to 40 days ago, by the label
    of their source."""
    today = service_today()
    teams = {urn: school_team for urn, _name, _area, school_team in SCHOOLS}
    sources: Counter[str] = Counter()
    for story in STORIES:
        days_ago = (today - working_day(story.received, today)).days
        if teams[story.urn] == team and LAST_DAYS_AGO <= days_ago <= FIRST_DAYS_AGO:
            sources[story.source.label] += 1
    return sources


# Each table's body as text, without the words only screen readers hear.
ROWS_SCRIPT = """
tables => tables.map(table => ({
  caption: table.querySelector('caption').textContent.trim(),
  rows: [...table.querySelectorAll('tbody tr')].map(row =>
    [...row.querySelectorAll('th, td')].map(cell => {
      const copy = cell.cloneNode(true);
      copy.querySelectorAll('.nhsuk-u-visually-hidden').forEach(hidden => hidden.remove());
      return copy.textContent.trim().replace(/\\s+/g, ' ');
    })
  ),
}))
"""


def tables(page: Page) -> dict[str, list[list[str]]]:
    """Each table of the report by its caption (without the "for sharing" suffix)."""
    found = page.locator("main table").evaluate_all(ROWS_SCRIPT)
    return {table["caption"].removesuffix(SHARING_SUFFIX): table["rows"] for table in found}


def row(page: Page, caption: str, label: str) -> list[str]:
    return next(r for r in tables(page)[caption] if r[0] == label)


def filter_report(page: Page, start: date, end: date, team: str | None = None) -> None:
    fill_date(page, "Start date", start)
    fill_date(page, "End date", end)
    if team is not None:
        page.get_by_label("Team").select_option(label=team)
    page.get_by_role("button", name="Show figures").click()
    chosen = (
        f"date_from-day={start.day}&date_from-month={start.month}&date_from-year={start.year}"
        f"&date_to-day={end.day}&date_to-month={end.month}&date_to-year={end.year}"
    )
    expect(page).to_have_url(re.compile(re.escape(chosen)))
    page.wait_for_load_state()


def download_csv(page: Page, link: str) -> tuple[str, list[list[str]]]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    return download.suggested_filename, list(csv.reader(io.StringIO(text)))


def assert_csv_matches_the_page(rows: list[list[str]], page: Page) -> None:
    """Every table's rows are in the CSV, each after its section's title ("-" on the
    page, no figure, is an empty cell in the CSV)."""
    shown = tables(page)
    assert shown
    for caption, table in shown.items():
        in_csv = [r[1:] for r in rows if r and r[0] == caption]
        assert in_csv == [["" if cell == "-" else cell for cell in r] for r in table], caption


def check_figures_for_sharing(page: Page, received: int) -> None:
    """Figures for sharing: small numbers hidden, the rest rounded, and the rule stated."""
    page.get_by_label("Show figures for sharing").check()
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_role("heading", name="Figures for sharing")).to_be_visible()
    expect(page.get_by_text(RULE)).to_be_visible()
    assert row(page, SUMMARY, "Received")[1] == suppress_count(received)
    assert_accessible(page)
    filename, rows = download_csv(page, "Download these figures for sharing (CSV)")
    assert filename.endswith("-for-sharing.csv")
    assert ["Suppression rule", RULE] in rows
    assert_csv_matches_the_page(rows, page)


def test_a_clinical_lead_filters_a_report_downloads_it_and_shares_it(page: Page):
    today = service_today()
    signed_in(page, CLINICAL_LEAD)
    main_menu(page, "Reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Service reports")
    assert_accessible(page)

    page.get_by_role("main").get_by_role("link", name="Referrals", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    # This financial year to date, until the lead chooses.
    start_box = page.get_by_role("group", name="Start date").get_by_label("Month")
    expect(start_box).to_have_value("4")
    assert_accessible(page)

    # The last ten days hold the demo's referrals of 1, 3 and 6 days ago, at least.
    filter_report(page, today - timedelta(days=10), today)
    assert int(row(page, SUMMARY, "Received")[1]) >= 3
    recent = tables(page)

    # 15 to 40 days ago, City North MHST: the demo's referrals of that time, by source.
    expected = demo_received(TEAM)
    received = sum(expected.values())
    assert received >= 2  # the range is chosen to hold some of the demo's referrals
    start, end = today - timedelta(days=FIRST_DAYS_AGO), today - timedelta(days=LAST_DAYS_AGO)
    filter_report(page, start, end, TEAM)
    expect(page).to_have_url(re.compile(r"team_id=\d+"))
    assert row(page, SUMMARY, "Received")[1:] == [str(received), "100%"]
    assert tables(page) != recent
    by_source = {r[0]: r[1] for r in tables(page)[BY_SOURCE]}
    assert by_source == {source.label: str(expected[source.label]) for source in ReferralSource}
    expect(page.locator("#filters-shown")).to_contain_text(TEAM)
    expect(page.get_by_role("img", name=re.compile(f"^{BY_SOURCE}"))).to_be_visible()
    assert_accessible(page)

    # A team without demo referrals had none of these.
    assert not demo_received(OTHER_TEAM)
    filter_report(page, start, end, OTHER_TEAM)
    assert row(page, SUMMARY, "Received")[1:] == ["0", "-"]
    filter_report(page, start, end, TEAM)

    filename, rows = download_csv(page, "Download these figures (CSV)")
    assert filename == f"referrals-{start.isoformat()}-to-{end.isoformat()}.csv"
    assert rows[0] == ["Report", "Referrals"]
    assert ["Team", TEAM] in rows
    assert ["Start date", f"{start.day} {start:%B %Y}"] in rows
    assert [SUMMARY, "Received", str(received), "100%"] in rows
    assert_csv_matches_the_page(rows, page)

    check_figures_for_sharing(page, received)

    # The filters carry over to the next report.
    page.get_by_role("main").get_by_role("link", name="Waiting times").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting times")
    expect(page.get_by_label("Show figures for sharing")).to_be_checked()
    expect(page.locator("#filters-shown")).to_contain_text(TEAM)
    assert_accessible(page)


def test_a_commissioner_sees_only_figures_for_sharing(page: Page):
    signed_in(page, COMMISSIONER)
    main_menu(page, "Reports")
    page.get_by_role("main").get_by_role("link", name="Referrals", exact=True).click()
    expect(page.get_by_role("heading", name="Figures for sharing")).to_be_visible()
    expect(page.get_by_text(RULE)).to_be_visible()
    expect(page.get_by_label("Show figures for sharing")).to_have_count(0)
    assert_accessible(page)
    # Asking for every figure changes nothing.
    page.goto("/reports/referrals?shared=0")
    expect(page.get_by_text(RULE)).to_be_visible()
    # And a child's record is not theirs to open.
    response = page.goto("/referrals/1")
    assert response is not None
    assert response.status in (403, 404)
