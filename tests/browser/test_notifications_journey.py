"""Issue 15's notifications in a real browser: a senior clinician allocates a case to the
demo EMHP (Jordan Patel), who sees the unread count in the header, opens the
notifications page, sees the email's link's page, opens the notification's case (a
POST from a button styled as a link, keyboard focus visible), and chooses which kinds are
emailed; each page passes axe. The notification names the case by its reference only."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from mhst.core.time import service_today
from tests.browser import test_school_journey
from tests.browser.test_casework_journey import main_menu, referred_with_consent_and_accepted
from tests.browser.test_referral_journey import EMHP, SENIOR_CLINICIAN, Child, row_of
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import signed_in

pytestmark = pytest.mark.browser

open_page = test_school_journey.open_page

CASE = Child("Perpetua", "Windlesham", 13, "Year 8")
SENIOR_NAME = "Sam Whitfield"


def unread(page: Page) -> int:
    """The header's unread count (0 when it shows none)."""
    count = page.locator("header .app-notification-count")
    if count.count() == 0:
        return 0
    return int(re.match(r"\d+", count.inner_text())[0])


def test_an_allocation_reaches_the_emhp(page: Page, open_page: Callable[[], Page]):
    emhp = signed_in(page, EMHP)
    senior = signed_in(open_page(), SENIOR_CLINICIAN)
    reference = referred_with_consent_and_accepted(
        emhp, senior, CASE, service_today() - timedelta(days=2)
    )
    emhp.goto("/")
    before = unread(emhp)

    # The senior clinician allocates the case to the EMHP from the waiting list.
    main_menu(senior, "Waiting list")
    row_of(senior, CASE).get_by_role("link", name=f"Allocate {CASE.name}", exact=True).click()
    senior.get_by_role("radio", name="Jordan Patel", exact=True).check()
    senior.get_by_role("button", name="Allocate").click()
    expect(senior.locator("main")).to_contain_text(f"Referral {reference} allocated to")

    # The EMHP sees one more unread in the header, on any page.
    emhp.goto("/")
    assert unread(emhp) == before + 1
    link = emhp.get_by_role("navigation", name="Account").get_by_role(
        "link", name=re.compile(r"^Notifications")
    )
    expect(link).to_contain_text(f"{before + 1} unread")
    link.click()
    expect(emhp.locator("h1")).to_have_text("Notifications")
    text = f"Case {reference} was allocated to you by {SENIOR_NAME}"
    row = emhp.locator("tbody tr").filter(has_text=text)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Unread")
    expect(row).not_to_contain_text(CASE.given)
    expect(row).not_to_contain_text(CASE.family)
    assert_accessible(emhp)

    # The text is a button (a POST: opening marks it read) that looks like a link, with
    # the NHS.UK focus style when reached by the keyboard.
    opener = row.get_by_role("button", name=text, exact=True)
    expect(opener).to_have_css("text-decoration-line", "underline")
    opener.focus()
    expect(opener).to_have_css("background-color", "rgb(255, 235, 59)")

    # The email's link shows the notification (a GET: still unread), with Open it.
    number = row.locator("input[name=notification_id]").first.get_attribute("value")
    emhp.goto(f"/notifications/follow?id={number}")
    expect(emhp.locator("main")).to_contain_text(text)
    assert unread(emhp) == before + 1
    assert_accessible(emhp)
    emhp.go_back()

    # Opening it from the list opens the case, and it is read.
    emhp.locator("tbody tr").filter(has_text=text).get_by_role(
        "button", name=text, exact=True
    ).click()
    expect(emhp).to_have_url(re.compile(r"/referrals/\d+$"))
    expect(emhp.locator("h1")).to_have_text(CASE.name)
    assert unread(emhp) == before
    emhp.goto("/notifications/")
    expect(emhp.locator("tbody tr").filter(has_text=text)).to_contain_text("Read")

    # The email settings: risks are emailed by default; allocations are chosen here.
    emhp.get_by_role("link", name="Choose which notifications are also emailed to you").click()
    expect(emhp.locator("h1")).to_have_text("Email settings for notifications")
    allocated = emhp.get_by_role("checkbox", name="A case is allocated to you")
    expect(emhp.get_by_role("checkbox", name="A risk is raised on your case")).to_be_checked()
    expect(allocated).not_to_be_checked()
    assert_accessible(emhp)
    allocated.check()
    emhp.get_by_role("button", name="Save email settings").click()
    expect(emhp.locator("main")).to_contain_text("Your email settings are saved")
    emhp.get_by_role("link", name="Choose which notifications are also emailed to you").click()
    expect(emhp.get_by_role("checkbox", name="A case is allocated to you")).to_be_checked()
