"""The subject access export: found by a posted referral reference or NHS number, a
printable document (no JavaScript, a print stylesheet) and a JSON download (attachment,
not stored), each audited with an export event per record."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.extensions import db
from mhst.privacy import graph
from mhst.referrals.models import ReferralSource
from tests.audit_reads import audited_ids
from tests.conftest import AuthActions

NHS_NUMBER = "9434765919"


@pytest.fixture
def lead(world, client) -> AuthActions:
    auth = AuthActions(client)
    assert auth.sign_in(world.users[Role.CLINICAL_LEAD].email).status_code == 302
    return auth


@pytest.fixture
def known(world, make_referral):
    """A self-referral of a child with an NHS number, at school A1."""
    return make_referral(
        world.school_a1,
        by=world.users[Role.EMHP],
        source=ReferralSource.SELF_REFERRAL_ONLINE,
        child={"given_name": "Nadia", "family_name": "Numbered", "nhs_number": NHS_NUMBER},
    )


def _exports(record_type: AuditRecordType) -> int:
    """How many records of the type the audit log says were exported (an export names
    them all in one entry per type)."""
    return len(
        audited_ids(AuditEvent.action == AuditAction.EXPORT, AuditEvent.record_type == record_type)
    )


@pytest.mark.parametrize("typed", ["943 476 5919", "943-476-5919", NHS_NUMBER])
def test_an_nhs_number_posted_in_the_form_finds_the_record_without_reaching_a_url(
    typed, known, lead
):
    response = lead.post("/privacy/", {"identifier": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/privacy/children/{known.child_id}"
    page = lead.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nadia Numbered" in page
    assert "943 476 5919" in page


@pytest.mark.parametrize("typed", ["R{id:06d}", "r{id}", "{id}"])
def test_a_referral_reference_finds_the_childs_record(typed, world, lead):
    case = world.case_a1
    response = lead.post("/privacy/", {"identifier": typed.format(id=case.id)})
    assert response.headers["Location"] == f"/privacy/children/{case.child_id}"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a referral reference or an NHS number"),
        ("Casey Allocated", "Enter a referral reference, like R000123, or a 10-digit NHS number"),
        ("9434765918", "Enter a valid NHS number"),
        ("R987654321", "No child&#39;s record has that referral reference or NHS number"),
        ("4010234563", "No child&#39;s record has that referral reference or NHS number"),
    ],
)
def test_what_finds_nothing_says_why_on_the_form(typed, message, lead):
    response = lead.post("/privacy/", {"identifier": typed})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert message in page


def test_the_find_form_ignores_a_query_string(known, lead):
    """The form is only read when posted: an NHS number in a URL finds nothing."""
    response = lead.client.get(f"/privacy/?identifier={NHS_NUMBER}")
    assert response.status_code == 200
    assert "Nadia" not in response.get_data(as_text=True)
    assert 'method="post"' in response.get_data(as_text=True)


def test_the_json_export_is_a_download_not_stored_and_audited_per_record(world, lead):
    case = world.case_a1
    expected = graph.collect([case.child_id])
    before = {kind: _exports(kind) for kind in graph.AUDITED_AS.values()}
    response = lead.client.get(f"/privacy/children/{case.child_id}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert "Casey" not in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.get_data(as_text=True))
    assert {name: len(rows) for name, rows in document["records"].items()} == expected.counts()
    (child,) = document["records"]["child"]
    assert (child["given_name"], child["family_name"]) == ("Casey", "Allocated")
    assert document["records"]["measure_answer"][0]["item_text"] == "Go to lunch in the hall"
    assert world.users[Role.EMHP].full_name in document["named"]["user_account"].values()
    assert {event["record_type"] for event in document["audit_log"]} >= {"referral", "consent"}
    assert all("ip_address" not in event for event in document["audit_log"])
    for table_name, kind in graph.AUDITED_AS.items():
        assert _exports(kind) - before[kind] == len(expected.of(table_name)), table_name


def test_the_printable_document_holds_the_whole_record_without_javascript(world, lead):
    case = world.case_a1
    response = lead.client.get(f"/privacy/children/{case.child_id}/export")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "<script" not in page
    assert "css/print.css" in page
    assert "nhsuk-frontend.min.css" in page
    for text in (
        "Everything held about Casey Allocated",
        "Sam Invented",  # the parent
        f"R{case.id:06d}",
        "The school&#39;s wellbeing room",  # the planned session
        "Go to lunch in the hall",  # the goal, in the family's words
        "Continue; review goals next week.",  # the supervision decision
        "Worry busters",  # the group, named
        world.users[Role.EMHP].full_name,
        "The audit log's entries",
    ):
        assert text in page, text
    assert "Alex Invented" not in page  # school A1's referral is another child
    assert f"R{world.referral_a1.id:06d}" not in page
    assert _exports(AuditRecordType.CHILD) >= 1


def test_the_records_page_shows_what_the_record_holds_and_audits_the_read(world, lead):
    case = world.case_a1
    reads = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == AuditAction.READ,
        AuditEvent.record_type == AuditRecordType.REFERRAL,
        AuditEvent.record_id == str(case.id),
    )
    before = db.session.scalar(reads)
    page = lead.client.get(f"/privacy/children/{case.child_id}").get_data(as_text=True)
    assert "The record of Casey Allocated" in page
    assert "1:1 sessions" in page
    assert "cannot be erased because treatment has started" in page
    assert db.session.scalar(reads) == before + 1


@pytest.mark.parametrize("role", [Role.SENIOR_CLINICIAN, Role.EMHP, Role.SCHOOL_MENTAL_HEALTH_LEAD])
def test_only_administrators_and_clinical_leads_export(role, world, client):
    auth = AuthActions(client)
    auth.sign_in(world.users[role].email)
    response = client.get(f"/privacy/children/{world.case_a1.child_id}/export.json")
    assert response.status_code == 403


def test_an_administrator_exports_a_record_they_cannot_otherwise_read(world, client):
    auth = AuthActions(client)
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    assert client.get(f"/referrals/{world.case_a1.id}").status_code in (403, 404)
    response = client.get(f"/privacy/children/{world.case_a1.child_id}/export.json")
    assert response.status_code == 200
    assert client.get("/privacy/children/987654321/export.json").status_code == 404


def test_two_records_with_one_nhs_number_are_both_listed_to_choose_from(world, known, lead):
    """(A child recorded twice, before the records are merged.)"""
    other = world.case_a1.child
    other.nhs_number = NHS_NUMBER
    db.session.commit()
    reads = (AuditEvent.action == AuditAction.READ, AuditEvent.record_type == AuditRecordType.CHILD)
    before = len(audited_ids(*reads))
    response = lead.post("/privacy/", {"identifier": NHS_NUMBER})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 records have this NHS number" in page
    assert f'href="/privacy/children/{known.child_id}"' in page
    assert f'href="/privacy/children/{other.id}"' in page
    assert len(audited_ids(*reads)) == before + 2
