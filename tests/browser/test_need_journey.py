"""Need data per school in a real browser: the clinical lead opens the need data from the
rollout report (the demo's invented figures are there), sees a file with bad rows refused row by
row with nothing imported, imports a good one, and finds the figures in the list and on
the school's page. Every page opened is checked with axe (WCAG 2.2 AA).

The live server is shared: this test changes only Kestrel Valley School's figures (a demo
school no other browser test reads them for) and reads nothing else as fixed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mhst.demo import DEMO_PASSWORD
from tests.browser.test_roles import HOME, assert_accessible, sign_in
from tests.browser.test_school_journey import choose_file

pytestmark = pytest.mark.browser

CLINICAL_LEAD = "clinical.lead@mhst.example"
URN, NAME = "990007", "Kestrel Valley School"
BAD_FILE = "URN,FSM %,IMD decile\n" + f"{URN},33.3,4\n" + "990001,sixty,11\n"
GOOD_FILE = (
    "URN,% of pupils known to be eligible for free school meals,IMD decile,Survey name,"
    "Survey year,Low wellbeing %\n"
    f"{URN},33.3,4,Invented journey survey,2026,21.5\n"
)


def test_the_lead_imports_need_data_and_sees_it(page: Page, tmp_path: Path):
    sign_in(page, CLINICAL_LEAD, DEMO_PASSWORD)
    expect(page).to_have_url(HOME)
    # In the menu (folded under "More" on a narrow screen), and linked from the rollout.
    expect(page.locator("a.nhsuk-header__navigation-link[href='/need/']")).to_have_count(1)
    page.goto("/rollout/")
    page.get_by_role("link", name="Need data per school").click()
    expect(page.locator("h1")).to_have_text("Need data per school")
    expect(page.locator("tbody tr").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Import need data from CSV").click()
    expect(page.locator("h1")).to_have_text("Import need data from CSV")
    assert_accessible(page)

    bad = tmp_path / "bad-need.csv"
    bad.write_text(BAD_FILE, encoding="utf-8")
    choose_file(page, bad)
    page.get_by_role("button", name="Import need data").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "1 row has a problem, so nothing was imported"
    )
    problems = page.locator("#problems tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("must be a number from 0 to 100")
    expect(problems.nth(1)).to_contain_text("from 1 to 10")
    assert_accessible(page)

    good = tmp_path / "good-need.csv"
    good.write_text(GOOD_FILE, encoding="utf-8")
    choose_file(page, good)
    page.get_by_role("button", name="Import need data").click()
    expect(page.locator("h1")).to_have_text("Need data per school")
    expect(page.get_by_text("Indicators of need imported for 1 school: 0 new, 1 replaced."))
    page.get_by_label("Area").select_option(label="Leicestershire")
    page.get_by_role("button", name="Show schools").click()
    row = page.locator("tbody tr").filter(has=page.get_by_role("link", name=NAME))
    while row.count() == 0:  # the school may be on a later page, A to Z
        page.get_by_role("link", name=re.compile("^Next")).first.click()
        row = page.locator("tbody tr").filter(has=page.get_by_role("link", name=NAME))
    expect(row).to_contain_text("33.3%")
    expect(row).to_contain_text("Invented journey survey 2026")

    row.get_by_role("link", name=NAME).click()
    card = page.locator("#need")
    expect(card).to_contain_text("33.3% (30% to under 40%)")
    expect(card).to_contain_text("Decile 4 of 10")
    expect(card).to_contain_text("good-need.csv")
    assert_accessible(page)
