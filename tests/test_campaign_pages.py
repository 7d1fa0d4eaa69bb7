"""Campaign pages: recording one with its resources, sending it (a background job),
the public page a school's email links to (interest registered from it is attributed),
the campaign's figures, and the pieces elsewhere: the school office's email (form and
import column), an activity's campaign, the interest pages' "From campaign"."""

from __future__ import annotations

import io
from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from mhst.accounts.models import Role
from mhst.campaigns import recipients
from mhst.campaigns.models import Campaign, CampaignRecipient, CampaignResource, RecipientState
from mhst.extensions import db
from mhst.jobs.models import BackgroundJob, JobStatus
from mhst.schools.import_file import parse_schools_csv
from mhst.schools.models import InterestRegistration, ParticipationStatus, School
from mhst.wholeschool.models import ActivityKind, WholeSchoolActivity
from tests.conftest import new_area, new_school, new_user

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


@pytest.fixture
def lead(app, auth):
    user = new_user(Role.CLINICAL_LEAD)
    assert auth.sign_in(user.email).status_code == 302
    return user


def campaign_form(**changes) -> dict:
    data = {
        "name": "Children's Mental Health Week 2026",
        "theme": "This is my place",
        "first_day-day": "9",
        "first_day-month": "2",
        "first_day-year": "2026",
        "last_day-day": "15",
        "last_day-month": "2",
        "last_day-year": "2026",
        "message": "This year's theme is belonging.",
    }
    return {**data, **changes}


def a_campaign(**changes) -> Campaign:
    values = {
        "name": "Children's Mental Health Week 2026",
        "theme": "This is my place",
        "first_day": date(2026, 2, 9),
        "last_day": date(2026, 2, 15),
        "message": "This year's theme is belonging.",
    }
    campaign = Campaign(**{**values, **changes})
    db.session.add(campaign)
    db.session.commit()
    return campaign


def sent_to(campaign: Campaign, school: School, state=RecipientState.SENT) -> str:
    """A recipient row as the sending job leaves it; returns the link's token."""
    recipient = CampaignRecipient(campaign=campaign, school=school, state=state)
    token = recipients.new_token(recipient)
    db.session.add(recipient)
    db.session.commit()
    return token


def test_a_lead_records_a_campaign_and_changes_it_with_its_version(lead, auth, client):
    response = auth.post("/campaigns/new", campaign_form(**{"last_day-day": "8"}))
    assert response.status_code == 400
    assert "The last day must be the same as or after the first day" in text_of(response)
    assert 'value="This is my place"' in response.get_data(as_text=True)  # kept as typed

    response = auth.post("/campaigns/new", campaign_form())
    assert response.status_code == 302
    campaign = db.session.scalars(select(Campaign)).one()
    assert campaign.last_day == date(2026, 2, 15)
    page = client.get(f"/campaigns/{campaign.id}")
    assert "This is my place" in text_of(page)

    edit = f"/campaigns/{campaign.id}/edit"
    old = campaign.version
    assert auth.post(edit, campaign_form(theme="Belonging", version=str(old))).status_code == 302
    stale = auth.post(edit, campaign_form(theme="Older", version=str(old)))
    assert stale.status_code == 400
    assert "Someone else changed this record" in text_of(stale)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).theme == "Belonging"


def test_links_and_files_are_added_and_files_downloaded_as_attachments(lead, auth, client):
    campaign = a_campaign()
    bad = auth.post(
        f"/campaigns/{campaign.id}/links/new", {"title": "Kit", "url": "http://example.org"}
    )
    assert bad.status_code == 400
    assert "starts with https://" in text_of(bad)
    good = auth.post(
        f"/campaigns/{campaign.id}/links/new", {"title": "Kit", "url": "https://example.org/k"}
    )
    assert good.status_code == 302

    def upload(name, data):
        return auth.post(
            f"/campaigns/{campaign.id}/files/new",
            {"title": "Slides", "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )

    refused = upload("slides.exe", b"MZ")
    assert refused.status_code == 400
    assert "must be a PDF, DOCX, PPTX, XLSX, PNG or JPG" in text_of(refused)
    disguised = upload("slides.pdf", b"<html><script>alert(1)</script>")
    assert disguised.status_code == 400
    assert "is not a PDF file" in text_of(disguised)
    assert upload("slides.pdf", PDF).status_code == 302
    resources = db.session.scalars(
        select(CampaignResource).where(CampaignResource.campaign_id == campaign.id)
    ).all()
    assert [(r.title, r.is_file) for r in resources] == [("Kit", False), ("Slides", True)]

    download = client.get(f"/campaigns/{campaign.id}/files/{resources[1].id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"] == "attachment; filename=slides.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"
    other = a_campaign(name="Another campaign")
    assert client.get(f"/campaigns/{other.id}/files/{resources[1].id}").status_code == 404
    assert client.get(f"/campaigns/{campaign.id}/files/{resources[0].id}").status_code == 404


def test_a_file_over_the_limit_is_refused_with_a_message(lead, auth, app):
    campaign = a_campaign()
    data = PDF + b"0" * (8 * 1024 * 1024)
    # Encoded here, in memory: the test client would spool a body this size to a
    # temporary file that it leaves open.
    boundary, body = encode_multipart(
        {
            "csrf_token": auth.csrf_token("/"),
            "title": "Big",
            "file": FileStorage(io.BytesIO(data), "big.pdf"),
        }
    )
    response = auth.client.post(
        f"/campaigns/{campaign.id}/files/new",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400
    assert "must be smaller than 8 MB" in text_of(response)
    assert db.session.scalars(select(CampaignResource)).all() == []


def test_sending_to_every_school_runs_as_a_job_and_twice_sends_once(lead, auth, client):
    campaign = a_campaign()
    reached = new_school()
    reached.contact_email = "office@reached.example"
    db.session.commit()
    response = auth.post(f"/campaigns/{campaign.id}/send", {"audience": "all"})
    assert response.status_code == 302
    job = db.session.scalars(select(BackgroundJob)).one()
    assert response.headers["Location"] == f"/downloads/{job.id}"
    assert job.status is JobStatus.DONE
    rows = db.session.scalars(
        select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    ).all()
    assert len(rows) == db.session.query(School).count()
    by_school = {r.school_id: r for r in rows}
    assert by_school[reached.id].state is RecipientState.SENT
    assert by_school[reached.id].address == "office@reached.example"
    # Without a Notify key, in development, the email is shown as it was logged.
    listed = client.get(f"/campaigns/{campaign.id}/recipients?state=sent")
    assert "Email written to the log (development)" in text_of(listed)
    assert "/campaign/" in text_of(listed)

    again = auth.post(f"/campaigns/{campaign.id}/send", {"audience": "all"})
    assert again.status_code == 302
    assert len(db.session.scalars(select(CampaignRecipient)).all()) == len(rows)
    page = text_of(client.get(f"/campaigns/{campaign.id}"))
    assert f"{len(rows)} schools chosen" in page or f"{len(rows)} school chosen" in page


def test_sending_to_ticked_schools_needs_one_ticked(lead, auth, client):
    campaign = a_campaign()
    one, two = new_school(), new_school()
    refused = auth.post(f"/campaigns/{campaign.id}/send", {"audience": "ticked"})
    assert refused.status_code == 400
    assert "Tick at least one school" in text_of(refused)
    response = auth.post(
        f"/campaigns/{campaign.id}/send", {"audience": "ticked", "school_ids": [str(one.id)]}
    )
    assert response.status_code == 302
    assert [r.school_id for r in db.session.scalars(select(CampaignRecipient))] == [one.id]
    assert two.id not in {r.school_id for r in db.session.scalars(select(CampaignRecipient))}


def test_the_send_page_filters_by_area_and_participation(lead, client):
    campaign = a_campaign()
    area = new_area("Filtered Area")
    waiting, active = new_school("Waiting Primary"), new_school("Active Academy")
    waiting.area = active.area = area
    active.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    page = client.get(
        f"/campaigns/{campaign.id}/send?area={area.id}&participation=not_participating"
    )
    assert page.status_code == 200
    text = text_of(page)
    assert "Waiting Primary" in text
    assert "Active Academy" not in text
    assert client.get(f"/campaigns/{campaign.id}/send?area=nope").status_code == 400


def test_an_unknown_link_is_a_404_that_shows_nothing(app, client):
    campaign = a_campaign()
    sent_to(campaign, new_school("Secret School"))
    response = client.get("/campaign/not-a-real-token-at-all-0000")
    assert response.status_code == 404
    assert "This link is not right" in text_of(response)
    assert "Secret School" not in text_of(response)
    assert "Children's Mental Health Week" not in text_of(response)


def test_a_school_not_in_the_programme_registers_interest_from_its_link(app, client, auth):
    campaign = a_campaign()
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
    school = new_school("Brook Lane Primary")
    token = sent_to(campaign, school)
    page = client.get(f"/campaign/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Register your interest in joining a future cohort" in text_of(page)
    assert 'value="Brook Lane Primary"' in html
    assert f'value="{school.urn}"' in html
    recipient = db.session.scalars(select(CampaignRecipient)).one()
    assert recipient.state is RecipientState.OPENED

    resource = db.session.scalars(select(CampaignResource)).one()
    file = client.get(f"/campaign/{token}/files/{resource.id}")
    assert file.status_code == 200
    assert file.headers["Content-Disposition"].startswith("attachment")

    form = {
        "school_name": "Brook Lane Primary",
        "urn": school.urn,
        "area_id": str(school.area_id),
        "contact_name": "Sam Brook",
        "contact_role": "Headteacher",
        "contact_email": "sam@brook.example",
        "csrf_token": auth.csrf_token(f"/campaign/{token}"),
    }
    response = client.post(f"/campaign/{token}", data=form)
    assert response.status_code == 302
    assert response.headers["Location"] == "/join/registered"
    registration = db.session.scalars(select(InterestRegistration)).one()
    assert registration.campaign_id == campaign.id
    again = client.post(f"/campaign/{token}", data=form)
    assert again.status_code == 200  # no second form, and the school is told why
    assert "has already been registered for your school" in text_of(again)
    assert len(db.session.scalars(select(InterestRegistration)).all()) == 1

    admin = new_user(Role.ADMINISTRATOR)
    auth.sign_in(admin.email)
    assert "From campaign Children's Mental Health Week 2026" in text_of(
        client.get(f"/admin/interest/{registration.id}")
    )
    assert "From campaign: Children's Mental Health Week 2026" in text_of(
        client.get("/admin/interest")
    )


def test_a_participating_school_sees_the_campaign_without_the_form(app, client):
    campaign = a_campaign()
    school = new_school()
    school.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    page = client.get(f"/campaign/{sent_to(campaign, school)}")
    assert page.status_code == 200
    assert "This year's theme is belonging." in text_of(page)
    assert "Register your interest" not in text_of(page)
    assert "Your school is taking part in the programme" in text_of(page)


def test_the_campaign_page_shows_received_activities_and_interest(lead, client):
    campaign = a_campaign()
    delivered, opened, failed, quiet = (new_school(f"School {n}") for n in "WXYZ")
    sent_to(campaign, delivered, RecipientState.DELIVERED)
    sent_to(campaign, opened, RecipientState.OPENED)
    sent_to(campaign, failed, RecipientState.FAILED)
    db.session.add(
        CampaignRecipient(campaign=campaign, school=quiet, state=RecipientState.NO_ADDRESS)
    )
    for school, attendance in ((delivered, 120), (delivered, 30), (opened, None)):
        db.session.add(
            WholeSchoolActivity(
                school=school,
                kind=ActivityKind.ASSEMBLY,
                held_on=date(2026, 2, 10),
                theme="This is my place",
                delivered_by="EMHPs",
                attendance=attendance,
                recorded_by=lead,
                campaign_id=campaign.id,
            )
        )
    db.session.add(
        InterestRegistration(
            school_name="School Y",
            urn=failed.urn,
            area=failed.area,
            contact_name="Jo",
            contact_role="Head",
            contact_email="jo@y.example",
            campaign_id=campaign.id,
        )
    )
    db.session.commit()
    page = client.get(f"/campaigns/{campaign.id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "4 schools chosen; 2 received it (delivered or opened)." in text
    assert "3 activities in 2 schools, attended by 150 in all." in text
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    rows = {
        tr.find("td").get_text(strip=True): [
            td.get_text(strip=True) for td in tr.find_all("td")[1:]
        ]
        for tr in soup.select("#activities ~ table tbody tr")
    }
    assert rows["School W"] == ["2", "150"]
    assert rows["School X"] == ["1", "0"]
    assert "School Y" in text  # the interest registered from it

    listed = client.get(f"/campaigns/{campaign.id}/recipients?state=no_address")
    assert "School Z" in text_of(listed)
    assert "School W" not in text_of(listed)


def test_an_activity_is_linked_to_a_campaign_from_its_form(app, auth, client):
    campaign = a_campaign()
    team_school = new_school()
    emhp = new_user(Role.CLINICAL_LEAD)
    auth.sign_in(emhp.email)
    form = client.get(f"/schools/{team_school.id}/activities/new")
    assert "Campaign (optional)" in text_of(form)
    data = {
        "kind": "assembly",
        "held_on-day": "10",
        "held_on-month": "2",
        "held_on-year": "2026",
        "theme": "Belonging",
        "delivered_by": "EMHPs",
        "attendance": "200",
        "principles": ["student_voice"],
        "campaign_id": str(campaign.id),
        "submission_token": BeautifulSoup(form.data, "html.parser").find(
            "input", {"name": "submission_token"}
        )["value"],
    }
    assert auth.post(f"/schools/{team_school.id}/activities/new", data).status_code == 302
    activity = db.session.scalars(select(WholeSchoolActivity)).one()
    assert activity.campaign_id == campaign.id
    bad = auth.post(
        f"/schools/{team_school.id}/activities/{activity.id}/edit",
        {**data, "campaign_id": "999999"},
    )
    assert bad.status_code == 400
    assert "Select a campaign from the list" in text_of(bad)


def test_the_school_office_email_is_edited_and_imported(app, auth, client):
    rows, problems = parse_schools_csv(
        "URN,Name,Phase,Email\n120001,Braunstone Primary,Primary,office@braunstone.example\n"
    )
    assert problems == []
    assert rows[0].contact_email == "office@braunstone.example"
    rows, problems = parse_schools_csv(
        "URN,Name,Phase,Email\n120001,A School,Primary,not-an-email\n"
    )
    assert rows == []
    assert [(p.row, p.column) for p in problems] == [(2, "Email")]

    admin = new_user(Role.ADMINISTRATOR)
    auth.sign_in(admin.email)
    school = new_school()
    page = client.get(f"/schools/{school.id}/edit")
    assert "School office email address (optional)" in text_of(page)
    data = {
        "name": school.name,
        "urn": school.urn,
        "phase": "primary",
        "area_id": str(school.area_id),
        "team_id": "",
        "local_authority": "",
        "pupils_on_roll": "",
        "contact_email": "office@edited.example",
        "version": str(school.version),
    }
    assert auth.post(f"/schools/{school.id}/edit", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(School, school.id).contact_email == "office@edited.example"
    bad = auth.post(
        f"/schools/{school.id}/edit",
        {
            **data,
            "contact_email": "nope",
            "version": str(db.session.get(School, school.id).version),
        },
    )
    assert bad.status_code == 400
    assert "Enter an email address in the correct format" in text_of(bad)
