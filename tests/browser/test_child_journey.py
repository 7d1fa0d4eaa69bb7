"""Issue 12's "refers an already known child and sees the link" in a real browser.

The demo school's lead refers an invented pupil, then refers them again typed a little
differently (other case, extra spaces): the confirmation says the team already knows the
child. The senior clinician finds the child by name, opens the new referral from the
child's record, and sees the earlier referral on it. Every page is scanned with axe.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_school_journey
from tests.browser.test_referral_journey import (
    REFERENCE,
    SCHOOL_LEAD,
    SENIOR_CLINICIAN,
    Child,
    refer,
)
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import signed_in

pytestmark = pytest.mark.browser

open_page = test_school_journey.open_page
KNOWN = "We already know this child; this referral has been added to their record"


def test_a_known_child_referred_again_is_linked_and_staff_see_the_earlier_referral(
    page: Page, open_page: Callable[[], Page]
):
    child = Child("Wilfred", "Ambleside", 9, "Year 4", gender="Male")
    lead = signed_in(page, SCHOOL_LEAD)
    first = refer(lead, child)
    expect(lead.locator("main")).not_to_contain_text(KNOWN)

    # Referred again, typed differently: the same child.
    again = refer(lead, replace(child, given="  wilfred ", family="AMBLESIDE"))
    assert again != first
    expect(lead.locator(".nhsuk-inset-text")).to_contain_text(KNOWN)
    expect(lead.locator("main")).not_to_contain_text(first)  # nothing of the earlier referral
    assert_accessible(lead)

    # The senior clinician finds the child and opens the new referral from their record.
    senior = signed_in(open_page(), SENIOR_CLINICIAN)
    senior.goto("/children/search")
    expect(senior.locator("h1")).to_have_text("Find a child")
    assert_accessible(senior)
    senior.get_by_label("Name or NHS number").fill("wilfred ambleside")
    senior.get_by_role("button", name="Search").click()
    expect(senior.locator("main")).to_contain_text("1 child found")
    assert_accessible(senior)
    senior.get_by_role("link", name=child.name, exact=True).click()
    expect(senior).to_have_url(re.compile(r"/children/\d+$"))
    expect(senior.locator("h1")).to_have_text(child.name)
    referrals = senior.get_by_role("table", name="The child's referrals you can see, oldest first")
    expect(referrals.get_by_role("link", name=REFERENCE)).to_have_text([first, again])
    assert_accessible(senior)

    referrals.get_by_role("link", name=again, exact=True).click()
    expect(senior).to_have_url(re.compile(r"/referrals/\d+$"))
    others = senior.get_by_role("table", name="The child's other referrals, oldest first")
    expect(others.get_by_role("link", name=first, exact=True)).to_be_visible()
    expect(others).to_contain_text("Awaiting consent")
    expect(
        senior.get_by_role("link", name=re.compile(r"^The child's record: all their referrals"))
    ).to_be_visible()
    assert_accessible(senior)
