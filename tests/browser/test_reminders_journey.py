"""Issue 15's reminders in a real browser: the demo EMHP records that a parent agreed to
reminders by text, books a video session for tomorrow, the reminder job (run against the
live server's database) sends the text through a local Notify-compatible server
(tests/notify_server.py) with the official client, Notify reports it delivered, and the
session page says so. The home page shows the demo's reminder that could not be sent.

The live server is shared by every browser test: the case is one of the demo EMHP's open
cases with no reminder agreement yet, found in the live database.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mhst.accounts.models import User
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral
from mhst.referrals.reminder_preferences import ReminderPreference
from mhst.sessions import reminders
from tests import notify_server as ns
from tests.browser.conftest import in_live_app
from tests.browser.test_referral_journey import EMHP, fill_date
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import signed_in

pytestmark = pytest.mark.browser

TIME = "07:40"  # a time no demo session uses
MOBILE = "07700 900456"


def _a_case_without_reminders() -> tuple[int, str, str]:
    """One of the demo EMHP's open cases with no reminder agreement: (id, child's names)."""
    emhp = db.session.scalars(select(User).filter_by(email=EMHP)).one()
    referral = db.session.scalars(
        select(Referral)
        .join(Allocation, Allocation.referral_id == Referral.id)
        .outerjoin(ReminderPreference, ReminderPreference.referral_id == Referral.id)
        .where(
            Allocation.practitioner_id == emhp.id,
            Allocation.ended_at.is_(None),
            Referral.status.in_(OPEN_CASE_STATUSES),
            ReminderPreference.id.is_(None),
        )
        .order_by(Referral.id)
    ).first()
    assert referral is not None, "the demo EMHP has no open case without reminders"
    return referral.id, referral.child.given_name, referral.child.family_name


def _run_the_reminder_jobs(server: ns.NotifyServer) -> dict:
    """Send tomorrow's reminders through ``server``, let it report ours delivered, check
    the statuses; the live app's settings are put back after."""
    from flask import current_app

    old = ns.configure(current_app, server)
    try:
        reminders.send_session_reminders()
        ours = [
            r
            for r in server.sends()
            if r.json["phone_number"] == MOBILE.replace(" ", "")
            and r.json["personalisation"]["time"] == TIME
        ]
        assert len(ours) == 1, [r.json for r in server.sends()]
        sent = {n.reference: n for n in server.notifications.values()}[ours[0].json["reference"]]
        server.set_status(sent.id, "delivered")
        reminders.check_session_reminders()
        return {"request": ours[0].json, "body": sent.body}
    finally:
        current_app.config.update(old)


@pytest.fixture
def notify_server():
    running = ns.RunningNotify()
    yield running.api
    running.stop()


def test_a_reminder_is_sent_and_shown_delivered(page, notify_server):
    case_id, given, family = in_live_app(_a_case_without_reminders)
    emhp = signed_in(page, EMHP)
    # The demo's refused reminder, on the EMHP's home page.
    expect(emhp.locator("main")).to_contain_text(re.compile(r"\d+ reminders? could not be sent"))
    emhp.get_by_role("link", name=re.compile(r"could not be sent")).click()
    expect(emhp.locator("h1")).to_have_text("Reminders that could not be sent")
    expect(emhp.locator("main table")).to_contain_text("Reminder by text: failed: Notify refused")
    assert_accessible(emhp)
    # The development outbox: the demo's reminders written to the log (no key set).
    emhp.goto("/reminders/outbox")
    expect(emhp.locator("h1")).to_have_text("Reminders outbox (development)")
    expect(emhp.locator("main table")).to_contain_text("date: ")
    assert_accessible(emhp)

    # The parent agreed to reminders by text: recorded from the referral's page.
    emhp.goto(f"/referrals/{case_id}")
    expect(emhp.locator("#reminders")).to_have_text("Session reminders")
    emhp.get_by_role("link", name="Change reminder preferences").click()
    expect(emhp.locator("h1")).to_have_text("Session reminders")
    assert_accessible(emhp)
    emhp.get_by_role("checkbox", name="By text message").check()
    emhp.get_by_role("radio", name="The parent or carer").check()
    emhp.get_by_label("Mobile number for text messages").fill("0116 496 0000")
    emhp.get_by_role("button", name="Save reminder preferences").click()
    expect(emhp).to_have_title(re.compile(r"^Error: "))
    expect(emhp.locator(".nhsuk-error-summary")).to_contain_text("Enter a UK mobile number")
    assert_accessible(emhp)
    emhp.get_by_label("Mobile number for text messages").fill(MOBILE)
    emhp.get_by_role("button", name="Save reminder preferences").click()
    expect(emhp.get_by_text("Reminder preferences saved")).to_be_visible()
    expect(emhp.locator("main")).to_contain_text("By text")
    expect(emhp.locator("main")).to_contain_text(MOBILE.replace(" ", ""))

    # A video session tomorrow, booked from the case's sessions.
    tomorrow = service_today() + timedelta(days=1)
    emhp.goto(f"/casework/cases/{case_id}/sessions/book")
    fill_date(emhp, "Date", tomorrow)
    emhp.get_by_label("Start time").fill(TIME)
    emhp.get_by_label("Length in minutes").fill("30")
    emhp.get_by_role("group", name="Stage").get_by_role("radio", name="Treatment").check()
    emhp.get_by_role("group", name="How it is held").get_by_role("radio", name="Video call").check()
    emhp.get_by_role("button", name="Book session").click()
    expect(emhp.locator("h1")).to_have_text("Sessions")
    row = emhp.locator("main table tbody tr").filter(has_text=TIME)
    expect(row).to_contain_text("None")

    # The hourly job sends it through Notify's API; Notify reports it delivered.
    sent = in_live_app(_run_the_reminder_jobs, notify_server)
    assert sent["request"]["template_id"] == ns.TEXT_TEMPLATE
    assert sent["request"]["personalisation"]["place"] == "by video call"
    first_line = sent["body"].splitlines()[0]
    for name in (given, family):
        assert name not in first_line
        assert all(name not in value for value in sent["request"]["personalisation"].values())

    emhp.reload()
    row = emhp.locator("main table tbody tr").filter(has_text=TIME)
    expect(row).to_contain_text("Reminder by text: delivered")
    assert_accessible(emhp)
