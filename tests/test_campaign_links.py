"""Campaign links end (mhst/campaigns/expiry.py): CAMPAIGN_LINK_DAYS after the email was
sent, never before the campaign's last day; an ended link is a 410 "This link has ended"
that points to the public register-interest page and changes nothing; the campaign's
page tells its lead when the links end, and the email gives the day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.campaigns import expiry, recipients, sending
from mhst.campaigns.models import Campaign, CampaignRecipient, CampaignResource, RecipientState
from mhst.core.formatting import format_date
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.schools.models import InterestRegistration
from tests.conftest import new_school, new_user

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
ENDED = "This link has ended"


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def a_campaign(last_day: date, first_day: date | None = None) -> Campaign:
    campaign = Campaign(
        name="Children's Mental Health Week",
        theme="This is my place",
        first_day=first_day or last_day - timedelta(days=6),
        last_day=last_day,
        message="This year's theme is belonging.",
    )
    db.session.add(campaign)
    db.session.add(
        CampaignResource(
            campaign=campaign,
            title="Slides",
            file_name="s.pdf",
            content_type="application/pdf",
            size=len(PDF),
            content=PDF,
        )
    )
    db.session.commit()
    return campaign


def sent_to(campaign: Campaign, days_ago: int, school_name: str | None = None) -> str:
    """A school's recipient row, its email sent ``days_ago`` (at noon: the same day in
    UTC and UK time); returns the link's token."""
    sent_at = datetime.combine(service_today() - timedelta(days=days_ago), time(12), UTC)
    recipient = CampaignRecipient(
        campaign=campaign,
        school=new_school(school_name),
        state=RecipientState.SENT,
        queued_at=sent_at,
        sent_at=sent_at,
    )
    token = recipients.new_token(recipient)
    db.session.add(recipient)
    db.session.commit()
    return token


def test_a_link_ends_its_days_after_sending_but_never_before_the_last_day(app):
    campaign = Campaign(last_day=date(2026, 2, 15))
    sent = datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert app.config["CAMPAIGN_LINK_DAYS"] == 180
    assert expiry.ends_on(campaign, sent) == date(2026, 6, 30)
    campaign.last_day = date(2026, 12, 31)  # a long campaign: its links last all of it
    assert expiry.ends_on(campaign, sent) == date(2026, 12, 31)
    # The day it was sent is the UK's: 23:30 UTC on 30 June is 1 July in London.
    campaign.last_day = date(2026, 1, 1)
    assert expiry.ends_on(campaign, datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 28)


def test_an_ended_link_says_so_points_to_join_and_changes_nothing(app, client, auth):
    campaign = a_campaign(last_day=service_today() - timedelta(days=200))
    token = sent_to(campaign, days_ago=181, school_name="Brook Lane Primary")
    response = client.get(f"/campaign/{token}")
    assert response.status_code == 410
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.h1.get_text(strip=True) == ENDED
    join = page.find("a", string="Register your school's interest")
    assert join["href"] == "/join"
    assert client.get(join["href"]).status_code == 200
    # Nothing of the campaign or the school, and the email is not marked opened.
    assert "Brook Lane Primary" not in text_of(response)
    assert "Children's Mental Health Week" not in text_of(response)
    recipient = db.session.scalars(select(CampaignRecipient)).one()
    assert recipient.state is RecipientState.SENT
    assert recipient.opened_at is None

    resource = db.session.scalars(select(CampaignResource)).one()
    file = client.get(f"/campaign/{token}/files/{resource.id}")
    assert file.status_code == 410
    assert ENDED in text_of(file)

    form = {
        "school_name": "Brook Lane Primary",
        "urn": recipient.school.urn,
        "area_id": str(recipient.school.area_id),
        "contact_name": "Sam Brook",
        "contact_role": "Headteacher",
        "contact_email": "sam@brook.example",
        "csrf_token": auth.csrf_token("/join"),
    }
    posted = client.post(f"/campaign/{token}", data=form)
    assert posted.status_code == 410
    assert db.session.scalars(select(InterestRegistration)).all() == []


def test_a_link_works_to_the_end_of_its_last_day(app, client):
    campaign = a_campaign(last_day=service_today() - timedelta(days=200))
    # Sent 180 days ago: today is its last day. 181 days ago: it ended yesterday.
    last_day_today = sent_to(campaign, days_ago=180)
    ended = sent_to(campaign, days_ago=181)
    assert client.get(f"/campaign/{last_day_today}").status_code == 200
    assert client.get(f"/campaign/{ended}").status_code == 410


def test_an_old_email_works_while_its_campaign_runs(app, client):
    campaign = a_campaign(last_day=service_today(), first_day=service_today() - timedelta(days=400))
    token = sent_to(campaign, days_ago=300)
    page = client.get(f"/campaign/{token}")
    assert page.status_code == 200
    assert "This year's theme is belonging." in text_of(page)
    campaign.last_day = service_today() - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/campaign/{token}").status_code == 410


def test_campaign_link_days_is_a_setting(app, client, monkeypatch):
    campaign = a_campaign(last_day=service_today() - timedelta(days=60))
    token = sent_to(campaign, days_ago=31)
    assert client.get(f"/campaign/{token}").status_code == 200
    monkeypatch.setitem(app.config, "CAMPAIGN_LINK_DAYS", 30)
    assert client.get(f"/campaign/{token}").status_code == 410


@pytest.fixture
def lead(app, auth):
    user = new_user(Role.CLINICAL_LEAD)
    assert auth.sign_in(user.email).status_code == 302
    return user


def link_ends_text(client, campaign: Campaign) -> str:
    page = BeautifulSoup(client.get(f"/campaigns/{campaign.id}").data, "html.parser")
    return page.find(id="link-ends").get_text(" ", strip=True)


def test_the_campaign_page_tells_the_lead_when_links_end(lead, client):
    today = service_today()
    campaign = a_campaign(last_day=today + timedelta(days=10))
    last_day = format_date(campaign.last_day)
    assert link_ends_text(client, campaign) == (
        "Information: Each school's link will work for 180 days after its email is sent, and "
        f"at least until the campaign's last day, {last_day}. After that the link tells the "
        "school it has ended and points to the page for registering interest."
    )
    sent_to(campaign, days_ago=0)
    in_180_days = format_date(today + timedelta(days=180))
    assert f"The links in the emails sent work until {in_180_days}." in (
        link_ends_text(client, campaign)
    )
    sent_to(campaign, days_ago=175)  # its 180 days end before the campaign's last day
    assert f"end between {last_day} and {in_180_days}" in link_ends_text(client, campaign)

    ended = a_campaign(last_day=today - timedelta(days=300))
    sent_to(ended, days_ago=200)
    assert "The links in the emails sent have ended (the last on " in (
        link_ends_text(client, ended)
    )


def test_the_email_gives_the_day_its_link_ends(lead, app):
    campaign = a_campaign(last_day=service_today() + timedelta(days=365))
    school = new_school()
    school.contact_email = "office@ends-school.example"
    db.session.commit()
    recipients.add_recipients(campaign, by=lead, school_ids=[school.id])
    db.session.commit()
    sending.send_all(campaign)
    recipient = db.session.scalars(select(CampaignRecipient)).one()
    day = format_date(campaign.last_day)
    assert f"(the link works until {day}): " in recipient.logged_text
    assert expiry.recipient_ends_on(recipient) == campaign.last_day
    values = sending.personalisation(campaign, "token")
    assert values["link_ends"] == day
