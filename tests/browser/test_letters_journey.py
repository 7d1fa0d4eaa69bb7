"""Issue 15's letters in a real browser: the senior clinician produces a discharge letter
to the GP on a discharged demo case (choosing the kind, previewing the text, creating the
PDF), finds it on the case's timeline and downloads it, whose text is read back; the
school's Mental Health Lead downloads the advice for the school the team shared (the demo
shares it), and sees nothing else of the letters; the administrator previews a template.
Every new page passes axe (WCAG 2.2 AA)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.test_referral_journey import SCHOOL_LEAD, SENIOR_CLINICIAN
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import ADMIN, signed_in

pytestmark = pytest.mark.browser

CHILD = "Leo Pemberton"  # a demo case discharged with its goals met
GP = "Dr Ada Invented"


def pdf_text(path: str) -> str:
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def open_discharged_case(page: Page) -> None:
    page.goto("/referrals/?status=discharged")
    page.locator("main table tbody tr").filter(has_text=CHILD).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CHILD)


def test_a_discharge_letter_is_produced_listed_and_downloaded(page: Page):
    signed_in(page, SENIOR_CLINICIAN)
    open_discharged_case(page)
    case_url = page.url
    page.get_by_role("link", name="Write a letter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a letter")
    assert_accessible(page)
    page.get_by_role("link", name="Discharge letter to the GP").click()
    page.get_by_role("button", name="Preview letter").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    page.get_by_label("Who is the letter to?").fill(GP)
    page.get_by_label("Their address (optional)").fill("The Surgery\nHigh Street\nLeicester")
    page.get_by_role("button", name="Preview letter").click()
    preview = page.locator(".app-letter-preview")
    expect(preview).to_contain_text(f"Dear {GP}")
    expect(preview).to_contain_text(f"Re: {CHILD}")
    expect(preview).to_contain_text("reason: goals met")
    assert_accessible(page)
    page.get_by_role("button", name="Create letter").click()

    expect(page.get_by_text("Letter created")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Discharge letter to the GP")
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the letter (PDF)").click()
    text = pdf_text(info.value.path())
    assert f"Dear {GP}" in text
    assert f"Re: {CHILD}" in text
    assert "The Surgery High Street Leicester" in text
    assert "Mental Health Support Team" in text
    assert "Yours sincerely" in text

    page.goto(case_url)
    timeline = page.locator("table").filter(
        has=page.get_by_role("columnheader", name="What happened")
    )
    row = timeline.locator("tbody tr").filter(has_text="Letter: Discharge letter to the GP").last
    expect(row).to_contain_text(f"To {GP}")
    with page.expect_download() as info:
        row.get_by_role("link", name=re.compile("download the PDF")).click()
    assert f"Re: {CHILD}" in pdf_text(info.value.path())


def test_the_school_lead_downloads_the_shared_advice_for_the_school(page: Page):
    signed_in(page, SCHOOL_LEAD)
    page.goto("/referrals/?status=discharged")
    page.locator("main table tbody tr").filter(has_text=CHILD).get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Letters from the team")).to_be_visible()
    letters = page.locator(
        "xpath=//h2[normalize-space()='Letters from the team']/following-sibling::ul[1]"
    )
    expect(letters.get_by_role("link")).to_have_count(1)
    expect(letters).not_to_contain_text("parent")
    assert_accessible(page)
    with page.expect_download() as info:
        letters.get_by_role("link", name=re.compile("Advice for the school at discharge")).click()
    text = pdf_text(info.value.path())
    assert "the school may wish to" in text
    assert "Leo" in text


def test_the_administrator_previews_a_template(page: Page):
    signed_in(page, ADMIN)
    page.get_by_role("link", name="Edit the letters' templates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Letter templates")
    assert_accessible(page)
    page.get_by_role("link", name="Appointment confirmation").click()
    page.get_by_label("Letter text").fill(
        "Dear {recipient_name}, see you on {session_date}. {nope}"
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Unknown placeholders: {nope}")
    assert_accessible(page)
    page.get_by_label("Letter text").fill("Dear {recipient_name}, see you on {session_date}.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".app-letter-preview")).to_contain_text(
        "Dear Alex Example, see you on Tuesday 12 January 2027."
    )
    assert_accessible(page)
