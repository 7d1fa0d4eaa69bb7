"""Two-step sign-in in a real browser: a new user sets up an authenticator app at their
first sign-in (reading the key from the page, as someone typing it into an app would),
then signs in with a code, with a recovery code, and is refused with wrong codes."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from mhst.accounts import operations
from mhst.accounts.models import Role
from mhst.extensions import db
from mhst.organisation.models import Team
from tests.browser.conftest import in_live_app
from tests.browser.test_roles import HOME, SIGN_IN, assert_accessible, password_step
from tests.mailbox import body_of

pytestmark = pytest.mark.browser

EMAIL = "new.starter@mhst.example"
PASSWORD = "a new starter's password"


def _new_starter() -> None:
    team = db.session.query(Team).filter_by(name="City North MHST").one()
    operations.create_user(
        email=EMAIL, full_name="Nia Newstart", role=Role.EMHP, password=PASSWORD, team=team
    )


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(SIGN_IN)


def test_set_up_then_sign_in_with_a_code_and_with_a_recovery_code(page: Page, live_mailbox):
    in_live_app(_new_starter)
    password_step(page, EMAIL, PASSWORD)
    expect(page).to_have_url(re.compile(r"/sign-in/set-up-authenticator$"))
    expect(page.locator("svg.segno")).to_be_visible()  # drawn here, not fetched
    assert_accessible(page)
    page.goto("/notifications/")  # half signed in: no page but the next step
    expect(page).to_have_url(SIGN_IN)
    password_step(page, EMAIL, PASSWORD)
    secret = page.locator("#authenticator-key").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Save your recovery codes")
    assert_accessible(page)
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved these codes").click()
    expect(page).to_have_url(HOME)
    sign_out(page)

    # A code: the next time-step's (this one's was used to set up, and is refused now).
    password_step(page, EMAIL, PASSWORD)
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(HOME)
    sign_out(page)

    password_step(page, EMAIL, PASSWORD)
    page.get_by_role("link", name="Use a recovery code").click()
    assert_accessible(page)
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(HOME)
    expect(page.get_by_text("You have 9 left")).to_be_visible()
    sign_out(page)

    # The same recovery code again, then wrong codes: refused each time, never signed in.
    password_step(page, EMAIL, PASSWORD)
    page.get_by_role("link", name="Use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.get_by_role("link", name="Use a code from your authenticator app instead").click()
    right = {totp.at(time.time() + step) for step in (-30, 0, 30, 60)}
    wrong = next(f"{n:06d}" for n in range(100) if f"{n:06d}" not in right)
    for _ in range(5):
        page.get_by_label("Code from your authenticator app").fill(wrong)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_title(re.compile(r"^Error: "))
        expect(page.locator(".nhsuk-error-summary")).to_contain_text(
            "Enter a correct code from your authenticator app"
        )
    assert_accessible(page)
    page.goto("/notifications/")
    expect(page).to_have_url(SIGN_IN)

    # Five failures in a row locked the account: the right password is refused now, with
    # the usual message, and its owner was told by email.
    [notice] = [m for m in live_mailbox.wait_for(1) if m["To"] == EMAIL]
    assert notice["Subject"] == "Your MHST Case Manager account has been locked"
    assert "wrong password or code" in body_of(notice)
    password_step(page, EMAIL, PASSWORD)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter a correct email address and password"
    )
    expect(page).to_have_url(re.compile(r"/sign-in"))
