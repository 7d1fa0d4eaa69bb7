"""Children's records in a real browser: the clinical lead finds a demo child's record by
its reference, opens the printable export (no JavaScript; the print stylesheet hides the
screen-only link), goes as far as the erasure's confirmation page of a child not yet in
treatment (without erasing: the live server is shared), and opens the retention review.
Every page passes axe (WCAG 2.2 AA)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_roles import AXE, WCAG_AA, assert_accessible, sign_in

pytestmark = pytest.mark.browser

CLINICAL_LEAD = "clinical.lead@mhst.example"
REFERENCE = re.compile(r"R\d{6}")


def assert_accessible_without_javascript(page: Page) -> None:
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_count(1)
    assert page.locator("script").count() == 0
    results = AXE.run(page, options=WCAG_AA)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def _reference_in(page: Page, status: str, *, not_of: str = "") -> str:
    """The reference of the first referral in ``status`` (a ReferralStatus value), of a
    child other than ``not_of`` if given."""
    page.goto(f"/referrals/?status={status}")
    rows = page.locator("main table tbody tr")
    row = (rows.filter(has_not_text=not_of) if not_of else rows).first
    return REFERENCE.search(row.inner_text()).group(0)


def _find(page: Page, reference: str) -> None:
    page.goto("/privacy/")
    assert_accessible(page)
    page.get_by_label("Referral reference or NHS number").fill(reference.lower())
    page.get_by_role("button", name="Find the record").click()
    expect(page).to_have_url(re.compile(r"/privacy/children/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("The record of ")
    assert reference not in page.url
    assert_accessible(page)


def test_the_clinical_lead_exports_a_record_and_reaches_the_erasure_confirmation(page: Page):
    sign_in(page, CLINICAL_LEAD, "demo-password-2026")
    _find(page, _reference_in(page, "discharged"))
    expect(page.get_by_text("cannot be erased because treatment has started")).to_be_visible()
    page.get_by_role("link", name="Open the printable document").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Everything held about")
    expect(page.get_by_role("heading", name="Discharges")).to_be_visible()
    assert_accessible_without_javascript(page)
    page.emulate_media(media="print")
    expect(page.locator(".app-no-print")).to_be_hidden()
    expect(page.get_by_role("heading", name="The audit log's entries")).to_be_visible()
    page.emulate_media(media="screen")

    # Milo Hartigan's new referral waits for triage, but his first was treated: not him.
    _find(page, _reference_in(page, "ready_for_triage", not_of="Milo Hartigan"))
    page.get_by_role("link", name="Erase this record").click()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What did the family object to, and when?").fill(
        "The parent objected by phone this morning."
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure")
    assert_accessible(page)
    page.get_by_role("link", name="No, go back to the record").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("The record of ")

    page.goto("/privacy/retention")
    expect(page.get_by_text("No records are past their retention date.")).to_be_visible()
    assert_accessible(page)
