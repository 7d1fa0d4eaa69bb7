"""Forgotten password: ask for a link, read it from the email the local SMTP server
received, choose a new password, and sign in with it."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_roles import assert_accessible
from tests.mailbox import body_of

pytestmark = pytest.mark.browser

# A demo colleague whose password nobody knows (mhst/demo/staff.py): only a reset lets
# them in, and no other browser test signs in as them.
EMAIL = "amara.osei@mhst.example"
NEW_PASSWORD = "saffron lighthouse pebble"
LINK = re.compile(r"https?://[^/\s]+(/reset-password/[A-Za-z0-9_\-]+)")


def test_a_forgotten_password_is_reset_by_the_emailed_link(page: Page, live_mailbox):
    live_mailbox.clear()
    page.goto("/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.locator("h1")).to_have_text("Reset your password")
    assert_accessible(page)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Send a reset link").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    assert_accessible(page)

    [message] = live_mailbox.wait_for(1)
    assert message["To"] == EMAIL
    assert EMAIL not in message["Subject"]
    path = LINK.search(body_of(message)).group(1)

    page.goto(path)
    expect(page.locator("h1")).to_have_text("Choose a new password")
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Confirm new password").fill("password1234")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Choose a password that is not commonly used"
    )
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_text("Your password has been changed. Sign in with")).to_be_visible()
    changed = live_mailbox.wait_for(2)[-1]
    assert changed["Subject"] == "Your MHST Case Manager password was changed"

    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Their first sign-in: they set up an authenticator app (test_mfa_journey.py).
    expect(page.locator("h1")).to_have_text("Set up two-step sign-in")
    secret = page.locator("#authenticator-key").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="I have saved these codes").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # The link worked once.
    page.goto(path)
    expect(page.locator("h1")).to_have_text("This link no longer works")
