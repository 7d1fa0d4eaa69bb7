"""Campaigns to schools (issue 17): recording a campaign and its resources, choosing the
schools (one recipient each, never two), the address each is sent to, sending through
Notify in batches and what Notify says became of it, and the link's token."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.campaigns import files, operations, recipients, sending
from mhst.campaigns.models import Campaign, CampaignRecipient, RecipientState
from mhst.core.rules import RuleError
from mhst.core.versions import StaleEdit
from mhst.extensions import db
from mhst.schools.models import LeadKind, ParticipationStatus, SchoolLeadAssignment
from tests import notify_server as ns
from tests.conftest import new_area, new_school, new_user

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office_file(part: str) -> bytes:
    """A minimal Office Open XML file: the parts its kind always holds."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def details(**changes) -> operations.CampaignDetails:
    values = {
        "name": "Children's Mental Health Week 2026",
        "theme": "This is my place",
        "first_day": date(2026, 2, 9),
        "last_day": date(2026, 2, 15),
        "message": "Dear colleagues,\n\nThis year's theme is belonging.",
    }
    return operations.CampaignDetails(**{**values, **changes})


@pytest.fixture
def lead(app):
    return new_user(Role.CLINICAL_LEAD)


@pytest.fixture
def campaign(lead) -> Campaign:
    made = operations.save_campaign(None, details(), by=lead)
    db.session.commit()
    return made


def recipient_rows(campaign: Campaign) -> list[CampaignRecipient]:
    return list(
        db.session.scalars(
            select(CampaignRecipient)
            .where(CampaignRecipient.campaign_id == campaign.id)
            .order_by(CampaignRecipient.school_id)
        )
    )


def name_lead(school, email: str) -> None:
    user = new_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=school, email=email)
    db.session.add(SchoolLeadAssignment(school=school, user_id=user.id, kind=LeadKind.LEAD))
    db.session.commit()


# ---- the campaign and its resources -----------------------------------------------------


def test_a_campaign_is_recorded_and_an_edit_on_an_old_version_is_refused(campaign, lead):
    assert (campaign.name, campaign.theme) == (
        "Children's Mental Health Week 2026",
        "This is my place",
    )
    assert (campaign.first_day, campaign.last_day) == (date(2026, 2, 9), date(2026, 2, 15))
    read = campaign.version
    operations.save_campaign(campaign, details(theme="Belonging"), by=lead, read_version=read)
    db.session.commit()
    assert campaign.theme == "Belonging"
    with pytest.raises(StaleEdit):
        operations.save_campaign(campaign, details(theme="Older"), by=lead, read_version=read)
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).theme == "Belonging"


def test_the_last_day_may_not_come_before_the_first(lead):
    with pytest.raises(RuleError) as refused:
        operations.save_campaign(None, details(last_day=date(2026, 2, 8)), by=lead)
    assert refused.value.field == "last_day"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/kit",
        "https://",
        "https://localhost/kit",
        "javascript:alert(1)",
        "https://exa mple.org",
        "ftp://example.org",
    ],
)
def test_a_link_must_be_an_https_address(campaign, lead, url):
    with pytest.raises(RuleError) as refused:
        operations.add_link(campaign, title="Toolkit", url=url, by=lead)
    assert refused.value.field == "url"


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60))
def test_any_text_not_starting_https_is_refused_as_a_link(app, text):
    if text.strip().startswith("https://"):
        return
    with pytest.raises(RuleError):
        operations.check_url(text)


def test_a_link_is_kept_with_its_title(campaign, lead):
    link = operations.add_link(campaign, title=" Toolkit ", url="https://example.org/cmhw", by=lead)
    db.session.commit()
    assert (link.title, link.url, link.is_file) == ("Toolkit", "https://example.org/cmhw", False)


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("slides.pdf", PDF, "application/pdf"),
        ("poster.PNG", PNG, "image/png"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
        ("letter.docx", office_file("word/document.xml"), files.KINDS[3].content_type),
        ("assembly.pptx", office_file("ppt/presentation.xml"), files.KINDS[4].content_type),
        ("plan.xlsx", office_file("xl/workbook.xml"), files.KINDS[5].content_type),
    ],
)
def test_files_of_each_allowed_kind_are_kept_in_the_database(
    campaign, lead, name, data, content_type
):
    resource = operations.add_file(campaign, title="A file", file_name=name, data=data, by=lead)
    db.session.commit()
    db.session.expire_all()
    assert resource.content == data
    assert (resource.content_type, resource.size, resource.file_name) == (
        content_type,
        len(data),
        name,
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("run-me.exe", b"MZ\x90\x00", "must be a PDF, DOCX, PPTX, XLSX, PNG or JPG"),
        ("notes.txt", b"hello", "must be a PDF, DOCX, PPTX, XLSX, PNG or JPG"),
        ("slides.pdf", PNG, "is not a PDF file"),
        ("poster.png", b"<svg onload=alert(1)>", "is not a PNG file"),
        ("letter.docx", office_file("xl/workbook.xml"), "is not a Word file"),
        ("letter.docx", b"PK\x03\x04not really a zip", "is not a Word file"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_a_file_whose_name_or_content_is_not_allowed_is_refused(
    campaign, lead, name, data, message
):
    with pytest.raises(RuleError) as refused:
        operations.add_file(campaign, title="A file", file_name=name, data=data, by=lead)
    assert refused.value.field == "file"
    assert message in refused.value.message


def test_a_file_too_big_is_refused(campaign, lead):
    data = PDF + b"0" * files.MAX_FILE_BYTES
    with pytest.raises(RuleError) as refused:
        operations.add_file(campaign, title="Big", file_name="big.pdf", data=data, by=lead)
    assert "smaller than 8 MB" in refused.value.message


def test_a_file_name_keeps_only_its_last_part_and_plain_characters():
    assert files.safe_name("C:\\Users\\me\\..\\slides <1>.pdf") == "slides _1_.pdf"
    assert files.safe_name("../../etc/passwd.pdf") == "passwd.pdf"


# ---- choosing schools -------------------------------------------------------------------


def test_every_school_gets_one_recipient_and_sending_again_adds_nobody(campaign, lead):
    schools = [new_school() for _ in range(3)]
    added = recipients.add_recipients(campaign, by=lead)
    db.session.commit()
    total = db.session.scalar(select(func.count()).select_from(db.metadata.tables["school"]))
    assert added == total
    assert {r.school_id for r in recipient_rows(campaign)} >= {s.id for s in schools}
    assert all(r.state is RecipientState.QUEUED for r in recipient_rows(campaign))
    assert recipients.add_recipients(campaign, by=lead) == 0  # a double submit: nothing
    db.session.commit()
    assert len(recipient_rows(campaign)) == total


def test_a_chosen_set_by_area_and_participation_or_ticked(campaign, lead):
    area = new_area()
    waiting = new_school()
    waiting.area, waiting.participation_status = area, ParticipationStatus.NOT_PARTICIPATING
    active = new_school()
    active.area, active.participation_status = area, ParticipationStatus.ACTIVE
    elsewhere = new_school()
    db.session.commit()

    chosen = recipients.SchoolFilter(area.id, recipients.NOT_PARTICIPATING_FILTER)
    assert recipients.count_matching(chosen) == 1
    assert recipients.add_recipients(campaign, by=lead, chosen=chosen) == 1
    db.session.commit()
    assert [r.school_id for r in recipient_rows(campaign)] == [waiting.id]

    participating = recipients.SchoolFilter(area.id, recipients.PARTICIPATING_FILTER)
    assert recipients.add_recipients(campaign, by=lead, chosen=participating) == 1
    # Ticked: only those, and only once.
    added = recipients.add_recipients(campaign, by=lead, school_ids=[elsewhere.id, waiting.id])
    db.session.commit()
    assert added == 1
    assert {r.school_id for r in recipient_rows(campaign)} == {waiting.id, active.id, elsewhere.id}


# ---- addresses, sending and what became of it ----------------------------------------------


def test_the_lead_is_sent_it_else_the_office_else_no_address(app, campaign, lead):
    with_lead, office_only, neither = new_school(), new_school(), new_school()
    with_lead.contact_email = "office@lead-school.example"
    office_only.contact_email = "office@office-school.example"
    db.session.commit()
    name_lead(with_lead, "mhl@lead-school.example")
    ids = [with_lead.id, office_only.id, neither.id]
    assert recipients.addresses(ids) == {
        with_lead.id: "mhl@lead-school.example",
        office_only.id: "office@office-school.example",
    }

    recipients.add_recipients(campaign, by=lead, school_ids=ids)
    db.session.commit()
    assert sending.send_all(campaign) == 3
    by_school = {r.school_id: r for r in recipient_rows(campaign)}
    assert by_school[with_lead.id].address == "mhl@lead-school.example"
    assert by_school[office_only.id].address == "office@office-school.example"
    assert by_school[neither.id].state is RecipientState.NO_ADDRESS
    assert by_school[neither.id].token_hash is None
    # Without a Notify key: logged, kept for the development outbox, with the school's link.
    sent = by_school[with_lead.id]
    assert sent.state is RecipientState.SENT
    assert sent.notify_id is None
    assert sent.logged_text.startswith("Subject: Children's Mental Health Week 2026")


def test_the_token_is_random_only_its_hash_is_kept_and_it_finds_its_school(app, campaign, lead):
    school = new_school()
    school.contact_email = "office@token-school.example"
    db.session.commit()
    recipients.add_recipients(campaign, by=lead, school_ids=[school.id])
    db.session.commit()
    sending.send_all(campaign)
    (recipient,) = recipient_rows(campaign)
    token = recipient.logged_text.rsplit("/campaign/", 1)[1].strip()
    assert len(token) == 24
    assert token not in recipient.token_hash
    assert recipient.token_hash == recipients.token_hash(token)
    assert recipients.find(token).school_id == school.id
    assert recipients.find(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert recipients.find("x" * 200) is None


def test_a_second_job_sends_nothing_again(app, campaign, lead):
    school = new_school()
    school.contact_email = "office@once.example"
    db.session.commit()
    recipients.add_recipients(campaign, by=lead, school_ids=[school.id])
    db.session.commit()
    assert sending.send_all(campaign) == 1
    first = recipient_rows(campaign)[0].token_hash
    assert sending.send_all(campaign) == 0
    assert recipient_rows(campaign)[0].token_hash == first


def test_batches_claim_each_school_once(app, campaign, lead, monkeypatch):
    monkeypatch.setattr(sending, "BATCH", 2)
    schools = [new_school() for _ in range(5)]
    recipients.add_recipients(campaign, by=lead, school_ids=[s.id for s in schools])
    db.session.commit()
    seen = []
    assert sending.send_all(campaign, progress=lambda done, total: seen.append(done)) == 5
    assert seen == [0, 2, 4, 5]
    assert {r.state for r in recipient_rows(campaign)} == {RecipientState.NO_ADDRESS}


@pytest.fixture(scope="module")
def notify_server():
    running = ns.RunningNotify()
    yield running.api
    running.stop()


@pytest.fixture
def notify(app, notify_server):
    notify_server.reset()
    old = ns.configure(app, notify_server)
    yield notify_server
    app.config.update(old)


def test_sent_through_notify_then_delivered_or_failed(app, campaign, lead, notify):
    operations.add_link(campaign, title="Toolkit", url="https://example.org/kit", by=lead)
    good, bad = new_school(), new_school()
    good.contact_email, bad.contact_email = "office@good.example", "office@bad.example"
    db.session.commit()
    recipients.add_recipients(campaign, by=lead, school_ids=[good.id, bad.id])
    db.session.commit()
    sending.send_all(campaign)
    rows = {r.school_id: r for r in recipient_rows(campaign)}
    assert {r.state for r in rows.values()} == {RecipientState.SENT}
    requests = {r.json["email_address"]: r.json for r in notify.sends()}
    sent = requests["office@good.example"]
    assert sent["template_id"] == ns.CAMPAIGN_EMAIL_TEMPLATE
    assert sent["personalisation"]["subject"] == "Children's Mental Health Week 2026"
    assert "* Toolkit: https://example.org/kit" in sent["personalisation"]["resources"]
    assert "/campaign/" in sent["personalisation"]["link"]
    assert (
        sent["personalisation"]["link"] != requests["office@bad.example"]["personalisation"]["link"]
    )

    notify.set_status(rows[good.id].notify_id, "delivered")
    notify.set_status(rows[bad.id].notify_id, "permanent-failure")
    assert sending.check_campaign_emails() == 2
    db.session.commit()
    assert rows[good.id].state is RecipientState.DELIVERED
    assert rows[bad.id].state is RecipientState.FAILED
    assert "does not exist" in rows[bad.id].error


def test_notify_refusing_an_email_marks_it_failed(app, campaign, lead, notify):
    school = new_school()
    school.contact_email = "office@refused.example"
    db.session.commit()
    recipients.add_recipients(campaign, by=lead, school_ids=[school.id])
    db.session.commit()
    notify.fail_next(
        400, "BadRequestError", "Can't send to this recipient using a team-only API key"
    )
    sending.send_all(campaign)
    (recipient,) = recipient_rows(campaign)
    assert recipient.state is RecipientState.FAILED
    assert "team-only" in recipient.error


def test_opening_the_link_marks_it_received_once(app, campaign, lead):
    school = new_school()
    recipient = CampaignRecipient(campaign=campaign, school=school, state=RecipientState.SENT)
    recipients.new_token(recipient)
    db.session.add(recipient)
    db.session.commit()
    assert recipients.mark_opened(recipient) is True
    db.session.commit()
    assert recipient.state is RecipientState.OPENED
    assert recipient.received
    first = recipient.opened_at
    assert recipients.mark_opened(recipient) is False
    assert recipient.opened_at == first
