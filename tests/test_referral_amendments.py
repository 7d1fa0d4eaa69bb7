"""Risk reviews, triage reasons, discharge summaries and supervision decisions are
amended, never overwritten: the amend pages (author or senior clinician, with a reason),
the earlier versions shown wherever the text is, the "Amend" links only for those who
may amend, and the versions read in one query per page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.amendments.models import TextVersion
from mhst.amendments.operations import amend
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.casework import amendable as casework_texts
from mhst.casework import operations as casework
from mhst.casework.models import Discharge, DischargeReason
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.referrals import operations
from mhst.referrals.models import ReferralEvent, ReferralStatus
from tests.test_triage import soup_of, text_of

S = ReferralStatus


def amend_form(text: str, reason: str = "Corrected after speaking to the family", version="1"):
    return {"text": text, "reason": reason, "version": version}


def versions(record_type: AuditRecordType, record_id: int, field: str) -> list[tuple]:
    return [
        (v.version, v.text, v.written_by_id, v.reason)
        for v in db.session.scalars(
            select(TextVersion)
            .where(
                TextVersion.record_type == record_type,
                TextVersion.record_id == record_id,
                TextVersion.field == field,
            )
            .order_by(TextVersion.version)
        )
    ]


def audit_details(record_type: AuditRecordType, record_id: int) -> list[str]:
    return [
        event.detail or ""
        for event in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.record_type == record_type,
                AuditEvent.record_id == str(record_id),
                AuditEvent.action == AuditAction.UPDATE,
            )
        )
    ]


def timeline_row(client, referral_id: int, title: str) -> str:
    """The text of the referral page's timeline row whose entry is ``title``."""
    page = soup_of(client.get(f"/referrals/{referral_id}"))
    return next(
        tr.get_text(" ", strip=True) for tr in page.select("table tr") if title in tr.get_text()
    )


def reviewed(world, notes="ORIGINAL-IBIS safety plan agreed with mum"):
    referral = world.referral_a1
    operations.review_risk(referral, by=world.users[Role.SENIOR_CLINICIAN], notes=notes)
    db.session.commit()
    return referral


def not_accepted(world, reason="ORIGINAL-EGRET help at school is enough") -> ReferralEvent:
    senior = world.users[Role.SENIOR_CLINICIAN]
    event = operations.triage(world.referral_a1, S.NOT_ACCEPTED, by=senior, reason=reason)
    db.session.commit()
    return event


def discharged(world, summary="ORIGINAL-OTTER goals met; coping well") -> Discharge:
    closing = casework.discharge(
        world.case_a1, by=world.users[Role.EMHP], reason=DischargeReason.GOALS_MET, summary=summary
    )
    db.session.commit()
    return closing


# ---- the risk review ----------------------------------------------------------------


def test_a_risk_review_is_amended_and_the_earlier_version_stays_readable(world, auth, client):
    senior = world.users[Role.SENIOR_CLINICIAN]
    referral = reviewed(world)
    auth.sign_in(senior.email)
    url = f"/referrals/{referral.id}/risk-review/amend"
    assert "ORIGINAL-IBIS" in text_of(client.get(url))

    response = auth.post(url, amend_form("AMENDED-HERON plan and crisis numbers given"))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/referrals/{referral.id}"
    assert referral.risk_review_notes == "AMENDED-HERON plan and crisis numbers given"
    assert [
        v[:3] for v in versions(AuditRecordType.REFERRAL, referral.id, "risk_review_notes")
    ] == [
        (1, "ORIGINAL-IBIS safety plan agreed with mum", senior.id),
        (2, "AMENDED-HERON plan and crisis numbers given", senior.id),
    ]
    assert any("version 2" in d for d in audit_details(AuditRecordType.REFERRAL, referral.id))
    page = soup_of(client.get(f"/referrals/{referral.id}"))
    risk = page.find("h2", string="Risk").find_next("dl").get_text(" ", strip=True)
    assert "AMENDED-HERON" in risk
    assert f"by {senior.full_name}: Corrected after speaking to the family" in risk
    assert "Show earlier version" in risk
    assert "ORIGINAL-IBIS" in risk
    # The triage page shows the amended review too.
    assert "Amended on" in text_of(client.get(f"/referrals/{referral.id}/triage"))


def test_a_risk_review_cannot_be_amended_before_it_is_made(world, auth, client):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    assert client.get(f"/referrals/{world.referral_a1.id}/risk-review/amend").status_code == 404


def test_a_risk_review_of_another_team_is_not_found(world, auth, client, make_user):
    reviewed(world)
    other = make_user(Role.SENIOR_CLINICIAN, team=world.team_b)
    auth.sign_in(other.email)
    url = f"/referrals/{world.referral_a1.id}/risk-review/amend"
    assert client.get(url).status_code == 404
    assert auth.post(url, amend_form("Not mine")).status_code == 404
    assert world.referral_a1.risk_review_notes.startswith("ORIGINAL-IBIS")


def test_an_amendment_without_a_reason_is_refused_and_keeps_what_was_typed(world, auth):
    referral = reviewed(world)
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    response = auth.post(
        f"/referrals/{referral.id}/risk-review/amend", amend_form("TYPED-KIWI", reason="  ")
    )
    assert response.status_code == 400
    assert "Enter why you are making this amendment" in text_of(response)
    assert "TYPED-KIWI" in response.get_data(as_text=True)
    assert referral.risk_review_notes.startswith("ORIGINAL-IBIS")


def test_an_amendment_on_a_version_since_amended_is_refused(world, auth):
    referral = reviewed(world)
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    url = f"/referrals/{referral.id}/risk-review/amend"
    assert auth.post(url, amend_form("FIRST-AMENDMENT")).status_code == 302
    response = auth.post(url, amend_form("SECOND-ON-THE-OLD-PAGE", version="1"))
    assert response.status_code == 400
    assert "Someone else changed this record" in text_of(response)
    assert "SECOND-ON-THE-OLD-PAGE" in response.get_data(as_text=True)
    assert referral.risk_review_notes == "FIRST-AMENDMENT"


# ---- the triage reason --------------------------------------------------------------


def test_a_triage_reason_is_amended_and_the_timeline_shows_both(world, auth, client):
    senior = world.users[Role.SENIOR_CLINICIAN]
    event = not_accepted(world)
    auth.sign_in(senior.email)
    url = f"/referrals/{world.referral_a1.id}/triage/{event.id}/amend"

    response = auth.post(url, amend_form("AMENDED-CRANE the school counsellor sees her weekly"))

    assert response.status_code == 302
    assert event.reason == "AMENDED-CRANE the school counsellor sees her weekly"
    assert [v[:2] for v in versions(AuditRecordType.REFERRAL_EVENT, event.id, "reason")] == [
        (1, "ORIGINAL-EGRET help at school is enough"),
        (2, "AMENDED-CRANE the school counsellor sees her weekly"),
    ]
    assert any("version 2" in d for d in audit_details(AuditRecordType.REFERRAL_EVENT, event.id))
    row = timeline_row(client, world.referral_a1.id, "Ready for triage to not accepted")
    assert "AMENDED-CRANE" in row
    assert "Amended on" in row
    assert "ORIGINAL-EGRET" in row


def test_only_triage_decisions_of_this_referral_can_be_amended(world, auth, client):
    event = not_accepted(world)
    submitted = db.session.scalars(
        select(ReferralEvent).where(
            ReferralEvent.referral_id == world.referral_a1.id, ReferralEvent.from_status.is_(None)
        )
    ).one()
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    base = "/referrals/{}/triage/{}/amend"
    assert client.get(base.format(world.referral_a1.id, submitted.id)).status_code == 404
    assert client.get(base.format(world.case_a1.id, event.id)).status_code == 404
    assert client.get(base.format(world.referral_a1.id, event.id)).status_code == 200


def test_an_emhp_cannot_amend_a_triage_reason_or_see_its_amend_link(world, auth, client):
    event = not_accepted(world)
    reviewed_referral = world.referral_a1
    auth.sign_in(world.users[Role.EMHP].email)
    url = f"/referrals/{reviewed_referral.id}/triage/{event.id}/amend"
    assert auth.post(url, amend_form("EMHP-WREN")).status_code == 403
    page = client.get(f"/referrals/{reviewed_referral.id}").get_data(as_text=True)
    assert "/amend" not in page
    assert event.reason.startswith("ORIGINAL-EGRET")


def test_the_senior_clinician_sees_amend_links_for_the_texts_they_may_amend(world, auth, client):
    reviewed(world)
    event = not_accepted(world)
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    links = {
        a["href"]
        for a in soup_of(client.get(f"/referrals/{world.referral_a1.id}")).select("a")
        if a.get_text(strip=True).startswith("Amend")
    }
    assert links == {
        f"/referrals/{world.referral_a1.id}/risk-review/amend",
        f"/referrals/{world.referral_a1.id}/triage/{event.id}/amend",
    }


# ---- the discharge summary ----------------------------------------------------------


def test_a_discharge_summary_is_amended_by_a_senior_clinician(world, auth, client):
    senior, emhp = world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP]
    closing = discharged(world)
    auth.sign_in(senior.email)
    url = f"/casework/cases/{world.case_a1.id}/discharges/{closing.id}/amend"

    response = auth.post(url, amend_form("AMENDED-BADGER goals met; school plan in place"))

    assert response.status_code == 302
    assert closing.summary == "AMENDED-BADGER goals met; school plan in place"
    assert [v[:3] for v in versions(AuditRecordType.DISCHARGE, closing.id, "summary")] == [
        (1, "ORIGINAL-OTTER goals met; coping well", emhp.id),
        (2, "AMENDED-BADGER goals met; school plan in place", senior.id),
    ]
    row = timeline_row(client, world.case_a1.id, "Discharge summary")
    assert "Reason: Goals met" in row
    assert "AMENDED-BADGER" in row
    assert "ORIGINAL-OTTER" in row


def test_only_the_author_or_a_senior_clinician_amends_a_discharge_summary(world, make_user):
    closing = discharged(world)
    text = casework_texts.discharge_summary(closing)
    colleague = make_user(Role.EMHP, team=world.team_a)
    with pytest.raises(RuleError, match="Only the author or a senior clinician"):
        amend(text, new_text="Not mine", reason="Because", by=colleague, read_version=1)
    emhp = world.users[Role.EMHP]
    assert amend(text, new_text="Mine, corrected", reason="Typo", by=emhp, read_version=1)
    assert closing.summary == "Mine, corrected"


def test_a_discharge_of_another_case_is_not_found(world, auth, client):
    closing = discharged(world)
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    url = f"/casework/cases/{world.referral_a1.id}/discharges/{closing.id}/amend"
    assert client.get(url).status_code == 404


# ---- the supervision decision -------------------------------------------------------


def test_a_supervision_decision_is_amended_on_the_supervision_record(world, auth, client):
    senior = world.users[Role.SENIOR_CLINICIAN]
    supervision = world.supervision_a1
    case = supervision.cases[0]
    auth.sign_in(senior.email)
    url = f"/supervision/{supervision.id}/cases/{case.id}/amend"
    assert f'href="{url}"' in client.get(f"/supervision/{supervision.id}").get_data(as_text=True)

    response = auth.post(url, amend_form("AMENDED-LYNX step up to CAMHS"))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/supervision/{supervision.id}"
    assert case.decision == "AMENDED-LYNX step up to CAMHS"
    assert any("version 2" in d for d in audit_details(AuditRecordType.SUPERVISION_CASE, case.id))
    page = text_of(client.get(f"/supervision/{supervision.id}"))
    assert "AMENDED-LYNX" in page
    assert "Amended on" in page
    assert "Continue; review goals next week." in page  # the earlier version
    timeline = text_of(client.get(f"/referrals/{world.case_a1.id}"))
    assert "AMENDED-LYNX" in timeline
    assert "Show earlier version" in timeline


def test_an_emhp_sees_the_decision_but_cannot_amend_it(world, auth, client):
    supervision = world.supervision_a1
    auth.sign_in(world.users[Role.EMHP].email)
    page = client.get(f"/supervision/{supervision.id}").get_data(as_text=True)
    assert "Continue; review goals next week." in page
    assert "/amend" not in page
    url = f"/supervision/{supervision.id}/cases/{supervision.cases[0].id}/amend"
    assert auth.post(url, amend_form("EMHP-FINCH")).status_code == 403


def test_a_decision_of_another_teams_supervision_is_not_found(world, auth, make_user):
    other = make_user(Role.SENIOR_CLINICIAN, team=world.team_b)
    auth.sign_in(other.email)
    supervision = world.supervision_a1
    url = f"/supervision/{supervision.id}/cases/{supervision.cases[0].id}/amend"
    assert auth.post(url, amend_form("Not my team")).status_code == 404


# ---- one query for the versions -----------------------------------------------------


def _page_queries(client, count_queries, path: str) -> int:
    before = len(count_queries())
    assert client.get(path).status_code == 200
    return len(count_queries()) - before


def test_the_case_page_reads_amended_texts_in_a_fixed_number_of_queries(
    world, auth, client, count_queries
):
    senior = world.users[Role.SENIOR_CLINICIAN]
    case = world.case_a1
    auth.sign_in(senior.email)
    path = f"/referrals/{case.id}"
    unamended = _page_queries(client, count_queries, path)
    accepted = db.session.scalars(
        select(ReferralEvent).where(
            ReferralEvent.referral_id == case.id, ReferralEvent.to_status == S.ACCEPTED
        )
    ).one()
    supervision = world.supervision_a1
    for url in (
        f"/referrals/{case.id}/triage/{accepted.id}/amend",
        f"/supervision/{supervision.id}/cases/{supervision.cases[0].id}/amend",
    ):
        for version in ("1", "2"):  # two amendments each: three versions
            reply = auth.post(url, amend_form(f"Amended {version}", version=version))
            assert reply.status_code == 302
    assert "Show earlier versions" in text_of(client.get(path))
    assert _page_queries(client, count_queries, path) == unamended


# ---- part of the child's record ------------------------------------------------------


def test_amended_triage_reasons_and_decisions_are_part_of_the_childs_record(world):
    from mhst.privacy import graph
    from mhst.referrals import amendable as referral_texts
    from mhst.supervision import amendable as supervision_texts

    senior = world.users[Role.SENIOR_CLINICIAN]
    case = world.case_a1
    accepted = db.session.scalars(
        select(ReferralEvent).where(
            ReferralEvent.referral_id == case.id, ReferralEvent.to_status == S.ACCEPTED
        )
    ).one()
    reason = referral_texts.triage_reason(accepted)
    amend(reason, new_text="Reason added", reason="Left blank", by=senior, read_version=1)
    decision = supervision_texts.decision(world.supervision_a1.cases[0])
    amend(decision, new_text="Decision corrected", reason="Typo", by=senior, read_version=1)
    db.session.flush()

    records = graph.collect([case.child_id], with_audit=True)

    texts = {(row["record_type"], row["version"]) for row in records.of("text_version")}
    assert texts == {
        (AuditRecordType.REFERRAL_EVENT, 1),
        (AuditRecordType.REFERRAL_EVENT, 2),
        (AuditRecordType.SUPERVISION_CASE, 1),
        (AuditRecordType.SUPERVISION_CASE, 2),
    }
    amendments = {
        (row["record_type"], row["record_id"])
        for row in graph.audit_events(records)
        if "amended" in (row["detail"] or "")
    }
    assert amendments == {
        (AuditRecordType.REFERRAL_EVENT, str(accepted.id)),
        (AuditRecordType.SUPERVISION_CASE, str(decision.record_id)),
    }


def test_the_childs_page_shows_amended_texts_with_their_earlier_versions(world, auth, client):
    event = not_accepted(world)
    senior = world.users[Role.SENIOR_CLINICIAN]
    auth.sign_in(senior.email)
    url = f"/referrals/{world.referral_a1.id}/triage/{event.id}/amend"
    assert auth.post(url, amend_form("AMENDED-PUFFIN seen by the school nurse")).status_code == 302
    page = client.get(f"/children/{world.referral_a1.child_id}")
    text = text_of(page)
    assert "AMENDED-PUFFIN" in text
    assert "Show earlier version" in text
    assert "ORIGINAL-EGRET" in text
    assert f'href="{url}"' in page.get_data(as_text=True)
