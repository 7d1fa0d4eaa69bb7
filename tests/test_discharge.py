"""Discharge and reopening: a case is closed with a reason, a closing summary, any
onward services and final measures (or why there are none); it is then read-only until a
senior clinician reopens it, with a reason."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.casework import operations
from mhst.casework.models import Discharge, DischargeReason
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, service_today, utcnow
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.referrals.allocations import Allocation, current_allocation
from mhst.referrals.models import ReferralEvent, ReferralSignpost, ReferralStatus
from mhst.referrals.operations import ConsentRequired
from mhst.sessions import operations as sessions
from mhst.sessions.models import Attendance, ContactMode, ContactStage
from tests.audit_reads import audited_ids
from tests.test_care_contacts import add_contact
from tests.test_triage import make_service, soup_of, text_of

S = ReferralStatus


def discharge_url(case) -> str:
    return f"/casework/cases/{case.id}/discharge"


def reopen_url(case) -> str:
    return f"/casework/cases/{case.id}/reopen"


@pytest.fixture
def service(world):
    return make_service("Invented Youth Counselling", min_age=5, max_age=18, age_text="5 to 18")


def audit_details(record_type: str, record_id) -> list[tuple[AuditAction, str | None]]:
    return [
        (event.action, event.detail)
        for event in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.record_type == record_type, AuditEvent.record_id == str(record_id))
            .order_by(AuditEvent.id)
        )
    ]


def discharged(world, reason=DischargeReason.GOALS_MET):
    """case_a1, discharged by the EMHP through the domain. Its measure (measure_a1, today)
    is a final measure: no session has been attended, so no note is needed."""
    case = world.case_a1
    operations.discharge(
        case, by=world.users[Role.EMHP], reason=reason, summary="Goals met; coping well."
    )
    db.session.commit()
    return case


# ---- discharge ---------------------------------------------------------------------------


def test_an_emhp_discharges_their_case_with_onward_services(world, service, auth, client):
    # case_a1 has a final measure (measure_a1): the discharge needs no note.
    case, emhp = world.case_a1, world.users[Role.EMHP]
    auth.sign_in(emhp.email)
    page = client.get(discharge_url(case))
    assert page.status_code == 200
    text = text_of(page)
    assert "Discharge Casey Allocated" in text
    for reason in DischargeReason:
        assert reason.label in text
    assert "Invented Youth Counselling" in text
    assert "Closing summary" in text
    response = auth.post(
        discharge_url(case),
        {
            "reason": "goals_met",
            "summary": "Worked on worry; uses the plan at school.",
            "services": [str(service.id)],
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/referrals/{case.id}"
    shown = client.get(response.headers["Location"])
    assert f"Case {case.reference} discharged: goals met" in text_of(shown)

    db.session.refresh(case)
    assert case.status is S.DISCHARGED
    assert case.closed_on is not None
    closing = db.session.scalars(select(Discharge).where(Discharge.referral_id == case.id)).one()
    assert closing.reason is DischargeReason.GOALS_MET
    assert closing.summary == "Worked on worry; uses the plan at school."
    assert closing.discharged_by_id == emhp.id
    assert closing.final_measures_note is None
    event = db.session.get(ReferralEvent, closing.event_id)
    assert (event.from_status, event.to_status) == (S.ALLOCATED, S.DISCHARGED)
    signposts = db.session.scalars(
        select(ReferralSignpost).where(ReferralSignpost.referral_id == case.id)
    ).all()
    assert [(s.service_id, s.event_id) for s in signposts] == [(service.id, event.id)]
    # The allocation ends (kept as history) and the planned session is cancelled.
    assert current_allocation(case) is None
    allocation = db.session.scalars(
        select(Allocation).where(Allocation.referral_id == case.id)
    ).one()
    assert allocation.end_reason == "Discharged"
    db.session.refresh(world.contact_a1)
    assert world.contact_a1.attendance is Attendance.CASE_CLOSED
    assert world.contact_a1.cancellation_reason == "Discharged: Goals met"
    # Audited: the read, the status change and the discharge.
    actions = audit_details("referral", case.id)
    assert (AuditAction.UPDATE, "status: discharged") in actions
    assert (AuditAction.READ, None) in actions
    assert audit_details("discharge", closing.id) == [(AuditAction.CREATE, f"referral {case.id}")]
    # The case leaves the EMHP's caseload but stays readable to them (they held it at
    # discharge), and read-only: the discharge page has no form, a second one is refused.
    page = client.get(discharge_url(case))
    assert page.status_code == 200
    assert soup_of(page).select("main form") == []
    again = auth.post(discharge_url(case), {"reason": "goals_met", "summary": "Again"})
    assert again.status_code == 400  # refused by the operation, on the form
    assert "A case that is discharged cannot be discharged" in text_of(again)
    assert (
        len(db.session.scalars(select(Discharge).where(Discharge.referral_id == case.id)).all())
        == 1
    )
    assert client.get("/casework/").status_code == 200
    assert "Casey Allocated" not in text_of(client.get("/casework/"))


@pytest.mark.parametrize(
    ("answers", "messages"),
    [
        ({}, ["Select why the case is being discharged", "Enter a closing summary"]),
        ({"reason": "goals_met", "summary": "   "}, ["Enter a closing summary"]),
        ({"reason": "finished", "summary": "Done."}, ["Select a reason from the list"]),
        ({"reason": "goals_met", "summary": "x" * 5001}, ["Enter 5,000 characters or fewer"]),
        (
            {"reason": "goals_met", "summary": "Done.", "services": ["999999"]},
            ["Select services from the list"],
        ),
        (
            {"reason": "' OR 1=1 --", "summary": "<script>alert(1)</script>"},
            ["Select a reason from the list"],
        ),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_saved(world, auth, client, answers, messages):
    case = world.case_a1
    auth.sign_in(world.users[Role.EMHP].email)
    response = auth.post(discharge_url(case), answers)
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    for message in messages:
        assert message in text
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status is S.ALLOCATED
    assert db.session.scalars(select(Discharge)).all() == []
    assert current_allocation(case) is not None


def test_a_case_that_is_not_open_cannot_be_discharged(world, auth, client):
    with pytest.raises(RuleError, match="cannot be discharged"):
        operations.discharge(
            world.referral_a1,
            by=world.users[Role.SENIOR_CLINICIAN],
            reason=DischargeReason.OTHER,
            summary="Not open.",
        )
    db.session.rollback()
    case = discharged(world)
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    page = client.get(discharge_url(case))
    assert page.status_code == 200
    assert f"Case {case.reference} cannot be discharged" in text_of(page)
    assert soup_of(page).select("input[name=reason], textarea") == []


def test_a_discharged_case_is_read_only(world):
    case = discharged(world)
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    with pytest.raises(RuleError, match="cannot be allocated"):
        operations.allocate(case, emhp, by=senior)
    db.session.rollback()
    with pytest.raises(RuleError, match="discharged"):
        sessions.book_session(
            case,
            sessions.SessionDetails(
                starts_at=utcnow() + timedelta(days=3),
                duration_minutes=45,
                stage=ContactStage.TREATMENT,
                mode=ContactMode.FACE_TO_FACE_SCHOOL,
                location="Room 4",
            ),
            by=emhp,
        )
    db.session.rollback()
    with pytest.raises(RuleError, match="cannot be discharged"):
        operations.discharge(case, by=senior, reason=DischargeReason.OTHER, summary="Again.")
    db.session.rollback()
    db.session.refresh(case)
    assert case.status is S.DISCHARGED
    assert current_allocation(case) is None


def test_a_senior_clinician_discharges_a_team_case_they_do_not_hold(world, auth, client):
    case = world.case_a1
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    response = auth.post(
        discharge_url(case), {"reason": "moved_school", "summary": "Moved out of the area."}
    )
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status is S.DISCHARGED


# ---- final measures ----------------------------------------------------------------------


def at(day, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SERVICE_TIME_ZONE)


def gbo(world, on, *ratings: int, respondent=Respondent.CHILD) -> MeasureRecord:
    """A Goal Based Outcomes record on case_a1 with a rating per goal (its score, the mean,
    given here as the scoring would compute it)."""
    record = MeasureRecord(
        referral=world.case_a1,
        measure_code="GBO",
        completed_on=on,
        respondent=respondent,
        by_item=True,
        recorded_by=world.users[Role.EMHP],
        answers=[
            MeasureAnswer(item_number=n, value=v, item_text=f"Goal {n}")
            for n, v in enumerate(ratings, start=1)
        ],
        scores=[MeasureScore(scale="total", position=1, score=sum(ratings) / len(ratings))],
    )
    db.session.add(record)
    db.session.commit()
    return record


def attended(world, on, hour: int = 10):
    return add_contact(
        world.case_a1, world.users[Role.EMHP], at(on, hour), attendance=Attendance.ATTENDED
    )


def discharge_without_note(world, note=None):
    return operations.discharge(
        world.case_a1,
        by=world.users[Role.EMHP],
        reason=DischargeReason.DISENGAGED,
        summary="Stopped coming.",
        final_measures_note=note,
    )


def test_without_a_final_measure_a_discharge_needs_a_note(world):
    today = service_today()
    world.measure_a1.completed_on = today - timedelta(days=10)
    db.session.commit()
    attended(world, today - timedelta(days=3))  # after the last measure
    assert not operations.final_measure_recorded(world.case_a1)
    for note in (None, "", "   "):
        with pytest.raises(RuleError, match="Enter why final measures were not collected") as e:
            discharge_without_note(world, note)
        assert e.value.field == "final_measures_note"
        db.session.rollback()
    db.session.refresh(world.case_a1)
    assert world.case_a1.status is S.ALLOCATED
    assert db.session.scalars(select(Discharge)).all() == []
    assert current_allocation(world.case_a1) is not None
    closing = discharge_without_note(world, "  Did not come to the last two sessions. ")
    db.session.commit()
    assert closing.final_measures_note == "Did not come to the last two sessions."


def test_with_no_measure_at_all_a_discharge_needs_a_note(world):
    db.session.delete(world.measure_a1)
    db.session.commit()
    assert not operations.final_measure_recorded(world.case_a1)
    with pytest.raises(RuleError, match="Enter why final measures were not collected"):
        discharge_without_note(world)
    db.session.rollback()


def test_a_measure_on_the_day_of_the_last_session_is_a_final_measure(world):
    today = service_today()
    world.measure_a1.completed_on = today - timedelta(days=3)
    db.session.commit()
    attended(world, today - timedelta(days=3), hour=16)  # later that day: still final
    attended(world, today - timedelta(days=8))
    assert operations.final_measure_recorded(world.case_a1)
    # A note sent anyway is not kept.
    closing = discharge_without_note(world, "Not needed.")
    db.session.commit()
    assert closing.final_measures_note is None


def test_a_later_session_needs_a_later_measure(world):
    today = service_today()
    world.measure_a1.completed_on = today - timedelta(days=4)
    db.session.commit()
    attended(world, today - timedelta(days=3))
    assert not operations.final_measure_recorded(world.case_a1)
    gbo(world, today - timedelta(days=3), 6)
    assert operations.final_measure_recorded(world.case_a1)


def test_the_page_shows_first_and_latest_scores_and_the_paired_outcome(world, auth, client):
    today = service_today()
    world.measure_a1.completed_on = today - timedelta(days=30)  # the child's goal, rated 3
    db.session.commit()
    gbo(world, today - timedelta(days=15), 4)
    latest = gbo(world, today - timedelta(days=1), 7)
    # The parent's ratings: 5.5 then 7.5, a change of 2 (within GBO's reliable change, 3).
    gbo(world, today - timedelta(days=30), 5, 6, respondent=Respondent.PARENT_CARER)
    gbo(world, today - timedelta(days=1), 7, 8, respondent=Respondent.PARENT_CARER)
    auth.sign_in(world.users[Role.EMHP].email)
    page = client.get(discharge_url(world.case_a1))
    assert page.status_code == 200
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in soup_of(page).select("table tbody tr")
    ]

    def long_day(value):
        return f"{value.day} {value:%B %Y}"

    # The child's: 3 -> 7, a change of 4, more than 3: a reliable improvement.
    assert rows == [
        [
            "Goal Based Outcomes",
            "Child",
            f"total 3 ({long_day(today - timedelta(days=30))})",
            f"total 7 ({long_day(today - timedelta(days=1))})",
            "Reliable improvement",
        ],
        [
            "Goal Based Outcomes",
            "Parent or carer",
            f"total 5.5 ({long_day(today - timedelta(days=30))})",
            f"total 7.5 ({long_day(today - timedelta(days=1))})",
            "No reliable change",
        ],
    ]
    text = text_of(page)
    assert "A final measure has been recorded since the last attended session." in text
    assert soup_of(page).select("textarea[name=final_measures_note]") == []
    link = soup_of(page).select_one("main a[href$='/measures/new']")
    assert link.get_text() == "Record a final measure for Casey Allocated"
    assert link["href"] == f"/casework/cases/{world.case_a1.id}/measures/new"
    # Reading the scores is audited: the first and latest of each.
    reads = {
        int(r)
        for r in audited_ids(
            AuditEvent.record_type == "measure_record", AuditEvent.action == AuditAction.READ
        )
    }
    assert latest.id in reads
    assert world.measure_a1.id in reads
    assert len(reads) == 4


def test_a_single_measure_is_not_paired(world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    page = client.get(discharge_url(world.case_a1))
    cells = [td.get_text(" ", strip=True) for td in soup_of(page).select("table tbody td")]
    assert cells[-2:] == ["None since", "Not paired: recorded once"]


def test_the_note_is_asked_for_refused_when_missing_and_shown_on_the_record(world, auth, client):
    today = service_today()
    world.measure_a1.completed_on = today - timedelta(days=10)
    db.session.commit()
    attended(world, today - timedelta(days=2))
    case = world.case_a1
    auth.sign_in(world.users[Role.EMHP].email)
    page = client.get(discharge_url(case))
    assert "No measure has been recorded on or after the day of the last attended session" in (
        text_of(page)
    )
    assert soup_of(page).select("textarea[name=final_measures_note]")
    summary = "Stopped coming after half term. <b>bold</b>"
    response = auth.post(
        discharge_url(case),
        {"reason": "disengaged", "summary": summary, "final_measures_note": "  "},
    )
    assert response.status_code == 400
    soup = soup_of(response)
    assert soup.title.get_text().startswith("Error: ")
    error_links = [a.get_text(strip=True) for a in soup.select(".nhsuk-error-summary a")]
    assert error_links == ["Enter why final measures were not collected"]
    assert soup.select_one(".nhsuk-error-summary a")["href"] == "#final_measures_note"
    # What was typed is shown again (escaped).
    assert soup.select_one("textarea[name=summary]").get_text() == summary
    assert soup.select_one("input[name=reason][value=disengaged]").has_attr("checked")
    assert "<b>bold</b>" not in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status is S.ALLOCATED
    assert db.session.scalars(select(Discharge)).all() == []
    # Too long.
    response = auth.post(
        discharge_url(case),
        {"reason": "disengaged", "summary": summary, "final_measures_note": "x" * 5001},
    )
    assert response.status_code == 400
    assert "Enter 5,000 characters or fewer" in text_of(response)
    note = "The family did not come to the last session and did not reply to calls."
    response = auth.post(
        discharge_url(case),
        {"reason": "disengaged", "summary": summary, "final_measures_note": note},
    )
    assert response.status_code == 302
    closing = db.session.scalars(select(Discharge)).one()
    assert closing.final_measures_note == note
    # The note is on the discharge summary in the child's timeline.
    auth.sign_out()
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    shown = text_of(client.get(f"/referrals/{case.id}"))
    assert f"Final measures not collected: {note}" in shown


def test_with_a_final_measure_no_note_is_asked_for_and_one_sent_is_ignored(world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    response = auth.post(
        discharge_url(world.case_a1),
        {"reason": "goals_met", "summary": "Done.", "final_measures_note": "Sent anyway."},
    )
    assert response.status_code == 302
    assert db.session.scalars(select(Discharge)).one().final_measures_note is None


# ---- reopening ---------------------------------------------------------------------------


def test_a_senior_clinician_reopens_a_discharged_case_with_a_reason(world, auth, client):
    case = discharged(world)
    emhp = world.users[Role.EMHP]
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    page = client.get(reopen_url(case))
    assert page.status_code == 200
    assert "Reopen the case of Casey Allocated" in text_of(page)
    checked = soup_of(page).select_one("input[name=practitioner][checked]")
    assert checked["value"] == str(emhp.id)  # whoever held it last
    response = auth.post(
        reopen_url(case),
        {"reason": "The family asked for more help.", "practitioner": str(emhp.id)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/referrals/{case.id}"
    db.session.refresh(case)
    assert case.status is S.ALLOCATED
    assert case.closed_on is None
    assert current_allocation(case).practitioner_id == emhp.id
    assert (
        len(db.session.scalars(select(Allocation).where(Allocation.referral_id == case.id)).all())
        == 2
    )
    event = case.events[-1]
    assert (event.from_status, event.to_status) == (S.DISCHARGED, S.ALLOCATED)
    assert event.reason == "The family asked for more help."
    # The earlier discharge is kept.
    assert db.session.scalars(select(Discharge).where(Discharge.referral_id == case.id)).one()
    assert (AuditAction.UPDATE, f"reopened, allocated to user {emhp.id}") in audit_details(
        "referral", case.id
    )
    # Back on the EMHP's caseload.
    auth.sign_out()
    auth.sign_in(emhp.email)
    assert "Casey Allocated" in text_of(client.get("/casework/"))


def test_reopening_needs_a_reason(world, auth, client):
    case = discharged(world)
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    response = auth.post(reopen_url(case), {"practitioner": str(world.users[Role.EMHP].id)})
    assert response.status_code == 400
    assert "Enter why the case is being reopened" in text_of(response)
    with pytest.raises(RuleError, match="Enter why the case is being reopened"):
        operations.reopen(case, by=world.users[Role.SENIOR_CLINICIAN], reason="  ")
    db.session.rollback()
    db.session.refresh(case)
    assert case.status is S.DISCHARGED


@pytest.mark.parametrize("role", [Role.EMHP, Role.CLINICAL_LEAD, Role.SCHOOL_MENTAL_HEALTH_LEAD])
def test_only_a_senior_clinician_reopens(world, auth, client, role):
    case = discharged(world)
    auth.sign_in(world.users[role].email)
    assert client.get(reopen_url(case)).status_code in (403, 404)
    response = auth.post(
        reopen_url(case), {"reason": "Again.", "practitioner": str(world.users[Role.EMHP].id)}
    )
    assert response.status_code in (403, 404)
    db.session.refresh(case)
    assert case.status is S.DISCHARGED


def test_only_a_discharged_case_can_be_reopened(world, auth, client):
    case = world.case_a1
    with pytest.raises(RuleError, match="cannot be reopened"):
        operations.reopen(case, by=world.users[Role.SENIOR_CLINICIAN], reason="Why not.")
    db.session.rollback()
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    page = client.get(reopen_url(case))
    assert page.status_code == 200
    assert f"Case {case.reference} cannot be reopened" in text_of(page)
    assert soup_of(page).select("textarea") == []


def test_reopening_when_the_last_practitioner_has_left(world, make_user, auth, client):
    case = discharged(world)
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    robin = make_user(Role.EMHP, team=world.team_a, full_name="Robin Second")
    emhp.active = False
    db.session.commit()
    with pytest.raises(RuleError, match="can no longer hold this case"):
        operations.reopen(case, by=senior, reason="More help.")
    db.session.rollback()
    auth.sign_in(senior.email)
    page = client.get(reopen_url(case))
    assert soup_of(page).select("input[name=practitioner][checked]") == []
    assert "Robin Second" in text_of(page)
    response = auth.post(reopen_url(case), {"reason": "More help.", "practitioner": str(emhp.id)})
    assert response.status_code == 400
    assert "Select a practitioner from the list" in text_of(response)
    response = auth.post(reopen_url(case), {"reason": "More help.", "practitioner": str(robin.id)})
    assert response.status_code == 302
    assert current_allocation(case).practitioner_id == robin.id


def test_reopening_is_refused_by_the_consent_gate(world):
    case = discharged(world, DischargeReason.CONSENT_WITHDRAWN)
    case.consents[0].withdrawn_at = utcnow()  # a later state, made directly
    db.session.commit()
    with pytest.raises(ConsentRequired):
        operations.reopen(case, by=world.users[Role.SENIOR_CLINICIAN], reason="Family came back.")
    db.session.rollback()
    db.session.refresh(case)
    assert case.status is S.DISCHARGED
    assert current_allocation(case) is None
