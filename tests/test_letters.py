"""Letters: each kind produced as a PDF (its text read back with pypdf), the templates an
administrator edits (placeholders checked, previewed, versioned, kept as history), who may
produce, read and download which letter, the timeline, and sharing the advice for the
school with the school's lead."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.casework import operations as casework
from mhst.casework.models import DischargeReason
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.letters import operations, pdf
from mhst.letters.models import Letter, LetterKind, LetterTemplate, LetterTemplateRevision
from mhst.sessions.models import Attendance
from tests.test_care_contacts import add_contact
from tests.test_triage import text_of


def pdf_text(content: bytes) -> str:
    """The PDF's text with its whitespace made single spaces."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def discharged(world):
    case = world.case_a1
    casework.discharge(
        case, by=world.users[Role.EMHP], reason=DischargeReason.GOALS_MET, summary="Coping well."
    )
    db.session.commit()
    return case


def produce(world, case, kind, *, contact=None, recipient="Sam Invented"):
    letter = operations.produce(
        case,
        kind,
        by=world.users[Role.EMHP],
        recipient_name=recipient,
        recipient_address="1 Invented Street\nLeicester\nLE1 2AB",
        contact=contact,
    )
    db.session.commit()
    return letter


def letter_url(letter) -> str:
    return f"/letters/cases/{letter.referral_id}/{letter.id}"


# ---- each kind, as a PDF -------------------------------------------------------------------


def test_an_appointment_letter_names_the_session_and_the_practitioner(world):
    letter = produce(world, world.case_a1, LetterKind.APPOINTMENT, contact=world.contact_a1)
    text = pdf_text(db.session.get(Letter, letter.id).pdf)
    assert "Dear Sam Invented" in text
    assert "confirms an appointment for Casey" in text
    assert "The school's wellbeing room" in text
    assert world.users[Role.EMHP].full_name in text  # the body and the signature
    assert "Mental Health Support Team" in text
    assert "0116 000 0000" in text
    assert "1 Invented Street" in text
    assert "LE1 2AB" in text
    assert f"Our reference: {world.case_a1.reference}" in text
    assert letter.care_contact_id == world.contact_a1.id
    assert letter.produced_by_id == world.users[Role.EMHP].id


def test_a_did_not_attend_letter_needs_a_session_recorded_as_not_attended(world):
    with pytest.raises(RuleError, match="not recorded as did not attend"):
        produce(world, world.case_a1, LetterKind.DID_NOT_ATTEND, contact=world.contact_a1)
    db.session.rollback()
    missed = add_contact(
        world.case_a1,
        world.users[Role.EMHP],
        utcnow() - timedelta(days=3),
        attendance=Attendance.DID_NOT_ATTEND,
    )
    letter = produce(world, world.case_a1, LetterKind.DID_NOT_ATTEND, contact=missed)
    assert "we were sorry not to see you" in pdf_text(db.session.get(Letter, letter.id).pdf)


def test_the_consent_request_is_written_before_any_session(world):
    letter = produce(world, world.referral_a1, LetterKind.CONSENT_REQUEST)
    text = pdf_text(db.session.get(Letter, letter.id).pdf)
    assert "School A1 has asked the Mental Health Support Team" in text
    assert "we need your consent" in text


def test_discharge_letters_wait_for_the_discharge(world):
    with pytest.raises(RuleError, match="once the case is discharged"):
        produce(world, world.case_a1, LetterKind.DISCHARGE_GP)
    db.session.rollback()
    case = discharged(world)
    for kind, expected in (
        (LetterKind.DISCHARGE_PARENT, "support from the Mental Health Support Team has now"),
        (LetterKind.DISCHARGE_GP, "Re: Casey Allocated"),
        (LetterKind.SCHOOL_ADVICE, "the school may wish to"),
    ):
        letter = produce(world, case, kind, recipient="Dr Invented GP")
        text = pdf_text(db.session.get(Letter, letter.id).pdf)
        assert expected in text
        assert "reason: goals met" in text


def test_a_session_of_another_case_is_refused(world, make_referral):
    with pytest.raises(RuleError, match="Choose a session"):
        produce(world, world.referral_a1, LetterKind.APPOINTMENT, contact=world.contact_a1)


def test_the_pdf_loads_nothing_from_outside():
    with pytest.raises(pdf.FetchRefused):
        pdf.refuse_fetch("https://example.com/font.woff")
    from weasyprint import HTML

    html = '<img src="https://example.com/x.png"><p>Body</p>'
    content = HTML(string=html, url_fetcher=pdf.refusing_fetcher()).write_pdf()
    assert "Body" in pdf_text(content)  # the image was refused, the letter still made


# ---- producing through the pages -----------------------------------------------------------


def test_an_emhp_previews_then_creates_a_letter_once(world, auth, client):
    case = discharged(world)
    auth.sign_in(world.users[Role.EMHP].email)
    page = client.get(f"/letters/cases/{case.id}/new")
    assert page.status_code == 200
    assert "Discharge letter to the GP" in text_of(page)
    page = client.get(f"/letters/cases/{case.id}/new?kind=discharge_gp")
    assert page.status_code == 200
    data = {"recipient_name": "", "recipient_address": "", "action": "preview"}
    page = auth.post(f"/letters/cases/{case.id}/new?kind=discharge_gp", data)
    assert page.status_code == 400
    assert "Enter who the letter is to" in text_of(page)
    data |= {"recipient_name": "Dr Invented", "recipient_address": "The Surgery"}
    page = auth.post(f"/letters/cases/{case.id}/new?kind=discharge_gp", data)
    assert page.status_code == 200
    assert "Re: Casey Allocated" in text_of(page)
    assert db.session.scalars(select(Letter)).all() == []
    token = "5f0d7a1e-8b7e-4c55-9a11-2d3c4b5a6f70"
    data |= {"action": "create", "submission_token": token}
    first = auth.post(f"/letters/cases/{case.id}/new?kind=discharge_gp", data)
    again = auth.post(f"/letters/cases/{case.id}/new?kind=discharge_gp", data)
    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    letters = db.session.scalars(select(Letter)).all()
    assert len(letters) == 1
    assert letters[0].recipient_name == "Dr Invented"
    created = [
        e.action
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == AuditRecordType.LETTER)
        )
    ]
    assert created == [AuditAction.CREATE]
    download = client.get(letter_url(letters[0]) + "/letter.pdf")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert "Re: Casey Allocated" in pdf_text(download.data)
    reads = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.record_type == AuditRecordType.LETTER, AuditEvent.action == AuditAction.READ
        )
    ).all()
    assert "PDF downloaded" in reads


def test_the_timeline_lists_letters_with_a_link_in_case_scope(world, auth, client):
    case = discharged(world)
    letter = produce(world, case, LetterKind.DISCHARGE_PARENT)
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    page = client.get(f"/referrals/{case.id}")
    assert "Letter: Discharge letter to the parent or carer" in text_of(page)
    assert letter_url(letter) in page.get_data(as_text=True)
    child_page = client.get(f"/children/{case.child_id}")
    assert "Letter: Discharge letter to the parent or carer" in text_of(child_page)


# ---- who may do what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.EMHP, 200),
        (Role.SENIOR_CLINICIAN, 200),
        (Role.CLINICAL_LEAD, 200),
        (Role.ADMINISTRATOR, 403),
        (Role.SCHOOL_MENTAL_HEALTH_LEAD, 403),
        (Role.COMMISSIONER, 403),
    ],
)
def test_who_reads_and_downloads_a_letter(world, auth, client, role, expected):
    letter = produce(world, world.case_a1, LetterKind.APPOINTMENT, contact=world.contact_a1)
    auth.sign_in(world.users[role].email)
    assert client.get(letter_url(letter)).status_code == expected
    assert client.get(letter_url(letter) + "/letter.pdf").status_code == expected


def test_another_teams_senior_clinician_gets_404(world, auth, client, make_user):
    letter = produce(world, world.case_a1, LetterKind.APPOINTMENT, contact=world.contact_a1)
    other = make_user(Role.SENIOR_CLINICIAN, team=world.team_b, email="other@test.example")
    auth.sign_in(other.email)
    assert client.get(letter_url(letter)).status_code == 404
    assert client.get(letter_url(letter) + "/letter.pdf").status_code == 404
    assert client.get(f"/letters/cases/{world.case_a1.id}/new").status_code == 404


def test_the_school_lead_sees_only_the_shared_advice_for_the_school(world, auth, client, make_user):
    case = discharged(world)
    advice = produce(world, case, LetterKind.SCHOOL_ADVICE, recipient="Mental Health Lead")
    to_parent = produce(world, case, LetterKind.DISCHARGE_PARENT)
    lead = make_user(
        Role.SCHOOL_MENTAL_HEALTH_LEAD, school=world.school_a2, email="lead-a2@test.example"
    )
    copy_url = f"/letters/referrals/{case.id}/{advice.id}/letter.pdf"
    auth.sign_in(lead.email)
    assert client.get(copy_url).status_code == 404  # not shared yet
    assert "Letters from the team" not in text_of(client.get(f"/referrals/{case.id}"))
    auth.sign_out()

    auth.sign_in(world.users[Role.EMHP].email)
    refused = auth.post(letter_url(to_parent) + "/share", {})
    assert refused.status_code == 302
    assert db.session.get(Letter, to_parent.id).shared_with_school_at is None
    assert auth.post(letter_url(advice) + "/share", {}).status_code == 302
    shared = db.session.get(Letter, advice.id)
    assert shared.shared_by_id == world.users[Role.EMHP].id
    auth.sign_out()

    auth.sign_in(lead.email)
    page = client.get(f"/referrals/{case.id}")
    assert "Letters from the team" in text_of(page)
    assert "Discharge letter to the parent" not in text_of(page)
    download = client.get(copy_url)
    assert download.status_code == 200
    assert "the school may wish to" in pdf_text(download.data)
    assert client.get(f"/letters/referrals/{case.id}/{to_parent.id}/letter.pdf").status_code == 404
    assert client.get(letter_url(advice) + "/letter.pdf").status_code == 403
    auth.sign_out()

    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)  # school A1's lead
    assert client.get(copy_url).status_code == 404


# ---- templates -----------------------------------------------------------------------------


def template_url(kind: LetterKind) -> str:
    return f"/letters/templates/{kind.value}"


def test_an_administrator_edits_previews_and_saves_a_template(world, auth, client):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    assert client.get("/letters/templates").status_code == 200
    url = template_url(LetterKind.APPOINTMENT)
    page = client.get(url)
    assert page.status_code == 200
    bad = "Hello {child_nmae}, see you {session_date} {oops!} {discharge_reason} {"
    page = auth.post(url, {"body": bad, "action": "preview", "version": "0"})
    assert page.status_code == 400
    text = text_of(page)
    assert "Unknown placeholders: {child_nmae}" in text
    assert "{discharge_reason} cannot be filled in" in text
    assert "written wrongly: {oops!}, {" in text
    assert bad in page.get_data(as_text=True)  # what was typed, shown again
    body = "Dear {recipient_name}, see you on {session_date} at {session_time}. {{braces}}"
    page = auth.post(url, {"body": body, "action": "preview", "version": "0"})
    assert page.status_code == 200
    assert "Dear Alex Example, see you on Tuesday 12 January 2027 at 09:30. {braces}" in text_of(
        page
    )
    assert db.session.scalars(select(LetterTemplate)).all() == []
    assert auth.post(url, {"body": body, "action": "save", "version": "0"}).status_code == 302
    saved = db.session.scalars(select(LetterTemplate)).one()
    assert saved.body == body
    assert saved.updated_by_id == world.users[Role.ADMINISTRATOR].id
    letter = produce(world, world.case_a1, LetterKind.APPOINTMENT, contact=world.contact_a1)
    assert letter.body.startswith("Dear Sam Invented, see you on ")
    assert letter.body.endswith("{braces}")


def test_a_stale_template_save_is_refused_and_history_kept(world, auth, client):
    admin = world.users[Role.ADMINISTRATOR]
    operations.save_template(
        LetterKind.CONSENT_REQUEST, "First {child_name}", by=admin, read_version=None
    )
    db.session.commit()
    version = db.session.scalars(select(LetterTemplate)).one().version
    operations.save_template(
        LetterKind.CONSENT_REQUEST, "Second {child_name}", by=admin, read_version=version
    )
    db.session.commit()
    auth.sign_in(admin.email)
    url = template_url(LetterKind.CONSENT_REQUEST)
    page = auth.post(url, {"body": "Third", "action": "save", "version": str(version)})
    assert page.status_code == 400
    assert "Someone else changed this record" in text_of(page)
    assert db.session.scalars(select(LetterTemplate)).one().body == "Second {child_name}"
    revisions = db.session.scalars(select(LetterTemplateRevision.body)).all()
    assert sorted(revisions) == ["First {child_name}", "Second {child_name}"]
    assert "First {child_name}" in text_of(client.get(url))  # the history


@pytest.mark.parametrize("role", [Role.EMHP, Role.SENIOR_CLINICIAN, Role.CLINICAL_LEAD])
def test_only_administrators_edit_templates(world, auth, client, role):
    auth.sign_in(world.users[role].email)
    assert client.get("/letters/templates").status_code == 403
    assert client.get(template_url(LetterKind.APPOINTMENT)).status_code == 403


# ---- privacy: letters are part of the child's record ---------------------------------------


def test_the_subject_access_export_includes_the_letters(world):
    import base64
    import json

    from mhst.privacy import export, graph

    letter = produce(world, world.referral_a1, LetterKind.CONSENT_REQUEST)
    records = graph.collect([world.referral_a1.child_id])
    named = export.names(records)
    exported = export.as_json(records, named, at=utcnow(), by=world.users[Role.ADMINISTRATOR])
    (row,) = json.loads(json.dumps(exported))["records"]["letter"]
    assert row["id"] == letter.id
    assert "we need your consent" in row["body"]
    assert "we need your consent" in pdf_text(base64.b64decode(row["pdf"]))
    sections = {section.table: section for section in export.sections(records, named)}
    assert sections["letter"].title == "Letters"


def test_erasure_on_objection_deletes_the_letters(world):
    from mhst.privacy.erasure import erase_on_objection

    produce(world, world.referral_a1, LetterKind.CONSENT_REQUEST)
    erase_on_objection(world.referral_a1.child_id, "Objected.", by=world.users[Role.ADMINISTRATOR])
    db.session.commit()
    assert db.session.scalars(select(Letter)).all() == []


def test_pseudonymisation_empties_the_letters_text_and_pdf(app, world):
    from mhst.privacy import disposal, graph

    letter = produce(world, world.referral_a1, LetterKind.CONSENT_REQUEST)
    disposal.pseudonymise(graph.collect([world.referral_a1.child_id]))
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Letter, letter.id)
    assert (kept.body, kept.recipient_name, kept.recipient_address) == ("", "", None)
    assert kept.pdf is None


def test_the_timelines_queries_do_not_grow_with_the_letters(world, auth, client, count_queries):
    case = discharged(world)
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)

    def queries_of_the_page() -> int:
        before = len(count_queries())
        assert client.get(f"/referrals/{case.id}").status_code == 200
        return len(count_queries()) - before

    produce(world, case, LetterKind.DISCHARGE_PARENT)
    one = queries_of_the_page()
    for kind in (LetterKind.DISCHARGE_GP, LetterKind.SCHOOL_ADVICE, LetterKind.DISCHARGE_PARENT):
        produce(world, case, kind)
    assert queries_of_the_page() == one
