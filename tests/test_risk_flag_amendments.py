"""A risk flag's review is amended, never overwritten: the amend page (a senior clinician,
with a reason, on the version they read), every earlier text kept and shown on the flag,
the referral's page and the child's timeline, and the versions part of the child's
record for subject access, erasure and pseudonymisation (mhst.privacy)."""

from __future__ import annotations

import pytest

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.casework.amendable import AMEND_PERMISSIONS
from mhst.extensions import db
from mhst.privacy import graph
from mhst.referrals import risk_flags
from tests.conftest import AuthActions
from tests.test_referral_amendments import amend_form, audit_details, versions
from tests.test_triage import soup_of, text_of

FLAG = AuditRecordType.RISK_FLAG
ORIGINAL = "ORIGINAL-PLOVER spoke to mum; safe at home today"
AMENDED = "AMENDED-STINT spoke to mum and dad; safety plan agreed"


@pytest.fixture
def flag(world) -> risk_flags.CaseRiskFlag:
    """A risk raised at the world's case's session by its EMHP, reviewed by the senior."""
    raised = risk_flags.raise_flag(
        world.case_a1,
        source=risk_flags.RiskFlagSource.SESSION,
        source_id=world.contact_a1.id,
        source_text="Assessment session",
        detail="RAISED-DUNLIN said they felt unsafe walking home",
        by=world.users[Role.EMHP],
    )
    risk_flags.review_flag(raised, by=world.users[Role.SENIOR_CLINICIAN], notes=ORIGINAL)
    db.session.commit()
    return raised


def _url(flag) -> str:
    return f"/referrals/{flag.referral_id}/risk-flags/{flag.id}/amend"


def _amend(auth, flag, text=AMENDED, **changes):
    return auth.post(_url(flag), amend_form(text, **changes))


def test_a_flags_review_is_amended_with_a_reason_and_the_first_text_kept(world, flag, auth):
    senior = world.users[Role.SENIOR_CLINICIAN]
    auth.sign_in(senior.email)
    page = auth.client.get(_url(flag))
    assert page.status_code == 200
    assert ORIGINAL in text_of(page)

    response = _amend(auth, flag)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/referrals/{flag.referral_id}#risk-flags"
    assert flag.review_notes == AMENDED
    assert versions(FLAG, flag.id, "review_notes") == [
        (1, ORIGINAL, senior.id, None),
        (2, AMENDED, senior.id, "Corrected after speaking to the family"),
    ]
    assert any("version 2" in detail for detail in audit_details(FLAG, flag.id))
    # The referral's risk flags and the flag's own page: the text now, when and why it
    # was amended, and the first text among the earlier versions.
    referral_page = soup_of(auth.client.get(f"/referrals/{flag.referral_id}"))
    flags = referral_page.find("h2", id="risk-flags").find_next("dl").get_text(" ", strip=True)
    flag_page = text_of(auth.client.get(f"/referrals/{flag.referral_id}/risk-flags/{flag.id}"))
    for shown in (flags, flag_page):
        assert AMENDED in shown
        assert f"by {senior.full_name}: Corrected after speaking to the family" in shown
        assert "Show earlier version" in shown
        assert ORIGINAL in shown
        assert "Amend this text" in shown


def test_a_save_on_a_version_since_amended_is_refused(world, flag, auth):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    assert _amend(auth, flag, "FIRST-AMENDMENT").status_code == 302

    response = _amend(auth, flag, "SECOND-ON-THE-OLD-PAGE", version="1")

    assert response.status_code == 400
    assert "Someone else changed this record" in text_of(response)
    assert "SECOND-ON-THE-OLD-PAGE" in response.get_data(as_text=True)  # typed text kept
    assert flag.review_notes == "FIRST-AMENDMENT"
    assert [v[0] for v in versions(FLAG, flag.id, "review_notes")] == [1, 2]
    # The form now carries version 2: sent again, it replaces the text on purpose.
    assert _amend(auth, flag, "SECOND-ON-PURPOSE", version="2").status_code == 302
    assert flag.review_notes == "SECOND-ON-PURPOSE"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "  "}, "Enter why you are making this amendment"),
        ({"text": ""}, "Enter the review of the risk"),
        ({"text": ORIGINAL}, "Change the review of the risk to amend"),
        ({"text": "x" * (risk_flags.MAX_NOTES + 1)}, "5,000 characters or fewer"),
    ],
)
def test_a_refused_amendment_saves_nothing(world, flag, auth, changes, message):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    form = {**amend_form(AMENDED), **changes}
    response = auth.post(_url(flag), form)
    assert response.status_code == 400
    assert message in text_of(response)
    assert flag.review_notes == ORIGINAL
    assert versions(FLAG, flag.id, "review_notes") == []


def test_only_a_reviewed_flag_of_the_case_can_be_amended(world, flag, auth, app):
    waiting = risk_flags.raise_flag(
        world.case_a1,
        source=risk_flags.RiskFlagSource.SESSION,
        source_id=world.contact_a1.id,
        source_text="Session 2",
        detail=None,
        by=world.users[Role.EMHP],
    )
    db.session.commit()
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    assert auth.client.get(_url(waiting)).status_code == 404  # nothing to amend yet
    # The flag named through another referral of the team: not that referral's flag.
    other = f"/referrals/{world.referral_a1.id}/risk-flags/{flag.id}/amend"
    assert auth.client.get(other).status_code == 404
    emhp = AuthActions(app.test_client())  # holds the case, but reviews no risk
    emhp.sign_in(world.users[Role.EMHP].email)
    assert emhp.client.get(_url(flag)).status_code == 403
    assert _amend(emhp, flag).status_code == 403
    assert flag.review_notes == ORIGINAL


def _timeline_rows(client, child_id: int) -> list[str]:
    page = soup_of(client.get(f"/children/{child_id}"))
    return [tr.get_text(" ", strip=True) for tr in page.select("table tr")]


def test_the_childs_timeline_shows_the_flag_and_its_amended_review(world, flag, auth, app):
    senior, emhp = world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP]
    auth.sign_in(senior.email)
    assert _amend(auth, flag).status_code == 302
    child_id = world.case_a1.child_id

    rows = _timeline_rows(auth.client, child_id)

    [raised] = [row for row in rows if "Risk flag raised" in row]
    assert "Assessment session" in raised
    assert "RAISED-DUNLIN" in raised
    [reviewed] = [row for row in rows if "Risk flag reviewed" in row]
    assert AMENDED in reviewed
    assert ORIGINAL in reviewed  # an earlier version, shown
    assert "Amend this text" in reviewed
    read = db.session.query(AuditEvent).filter(
        AuditEvent.user_id == senior.id,
        AuditEvent.action == AuditAction.READ,
        AuditEvent.record_type == FLAG,
    )
    assert any(str(flag.id) in (e.record_id or "") + str(e.record_ids or "") for e in read)
    # The EMHP holding the case reads it, without the Amend link (they review no risk).
    holder = AuthActions(app.test_client())
    holder.sign_in(emhp.email)
    [reviewed] = [row for row in _timeline_rows(holder.client, child_id) if "flag reviewed" in row]
    assert AMENDED in reviewed
    assert "Amend this text" not in reviewed


def test_another_emhp_of_the_team_sees_no_flag_on_the_timeline(world, flag, auth, make_user):
    other = make_user(Role.EMHP, team=world.team_a)
    auth.sign_in(other.email)
    rows = _timeline_rows(auth.client, world.case_a1.child_id)
    assert rows  # the child's page, with its timeline
    assert not [row for row in rows if "Risk flag" in row]
    assert not [row for row in rows if "PLOVER" in row or "DUNLIN" in row]


def test_a_flags_review_versions_are_part_of_the_childs_record(world, flag, auth):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    assert _amend(auth, flag).status_code == 302

    records = graph.collect([world.case_a1.child_id])

    kept = [
        (row["version"], row["text"])
        for row in records.of("text_version")
        if row["record_type"] == FLAG.value and row["record_id"] == flag.id
    ]
    assert kept == [(1, ORIGINAL), (2, AMENDED)]


def test_every_amendable_kind_is_part_of_the_childs_record():
    """An amendable text the privacy walk did not know would be left behind by an
    erasure and missing from a subject access export."""
    assert set(AMEND_PERMISSIONS) <= set(graph.TEXT_VERSIONS_OF)
