"""A referral that moved after the page was shown is not moved again: each transition
locks the referral and re-checks its rule against the status the page showed (the form's
hidden ``seen``), and the refusal says who moved it and when, on the form, with what was
typed kept. A form sent twice makes one record and lands on it with a message."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.casework import operations as casework
from mhst.casework.models import Discharge, DischargeReason
from mhst.core.submissions import REPEATED_MESSAGE
from mhst.extensions import db
from mhst.referrals import consent as referral_consent
from mhst.referrals import operations
from mhst.referrals.allocations import Allocation, current_allocation
from mhst.referrals.locks import MEANWHILE, MovedMeanwhile, when
from mhst.referrals.models import Child, Consent, Referral, ReferralEvent, ReferralStatus
from tests.conftest import parent_consent
from tests.test_referral_consent import consent_data
from tests.test_referral_submission import referral_data
from tests.test_triage import text_of

S = ReferralStatus
TOKEN = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def events_of(referral: Referral) -> int:
    return count(ReferralEvent, ReferralEvent.referral_id == referral.id)


@pytest.fixture
def ready(world, make_referral) -> Referral:
    """A referral of school A2 with a parent's consent: ready for triage."""
    return make_referral(world.school_a2, by=world.users[Role.EMHP], consent=True)


@pytest.fixture
def waiting(world, make_referral) -> Referral:
    return make_referral(world.school_a2, by=world.users[Role.EMHP])


# ---- refusals: the referral moved since the page was shown ------------------------------


def test_triage_on_a_page_shown_before_it_was_triaged_is_refused(world, ready, auth, client):
    senior = world.users[Role.SENIOR_CLINICIAN]
    auth.sign_in(senior.email)
    url = f"/referrals/{ready.id}/triage"
    assert 'name="seen" type="hidden" value="ready_for_triage"' in client.get(url).get_data(
        as_text=True
    )
    operations.triage(ready, S.ACCEPTED, by=senior, reason=None)  # someone else, meanwhile
    db.session.commit()
    events = events_of(ready)

    response = auth.post(
        url,
        {
            "seen": "ready_for_triage",
            "decision": "not_accepted",
            "reason": "TYPED-MOLE help at school",
            "other_service": "",
        },
    )

    assert response.status_code == 400
    accepted_at = when(ready.status_changed_at)
    assert (
        f"This referral was accepted onto the waiting list by {senior.full_name} {accepted_at} "
        f"{MEANWHILE}"
    ) in text_of(response)
    assert "TYPED-MOLE help at school" in response.get_data(as_text=True)
    assert ready.status is S.ACCEPTED
    assert events_of(ready) == events


def test_the_operations_refuse_a_move_from_a_status_no_longer_saved(world, ready):
    senior, emhp = world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP]
    case = world.case_a1  # allocated to the EMHP
    refusals = [
        lambda: operations.triage(
            ready, S.NOT_ACCEPTED, by=senior, reason="No", seen=S.AWAITING_CONSENT
        ),
        lambda: operations.withdraw_referral(ready, by=emhp, reason="No", seen=S.ACCEPTED),
        lambda: operations.transition(ready, S.ACCEPTED, by=senior, seen=S.SUBMITTED),
        lambda: casework.discharge(
            case, by=emhp, reason=DischargeReason.GOALS_MET, summary="S", seen=S.IN_TREATMENT
        ),
        lambda: casework.allocate(case, senior, by=senior, seen=S.ACCEPTED),
        lambda: casework.reopen(case, by=senior, reason="Back", seen=S.DISCHARGED),
    ]
    for refusal in refusals:
        with pytest.raises(MovedMeanwhile, match=MEANWHILE):
            refusal()
    assert (ready.status, case.status) == (S.READY_FOR_TRIAGE, S.ALLOCATED)


def test_a_reallocation_on_a_page_shown_before_another_is_refused(world, auth, make_user):
    senior, emhp = world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP]
    case = world.case_a1
    shown = current_allocation(case).id
    robin = make_user(Role.EMHP, team=world.team_a, full_name="Robin Invented")
    casework.allocate(case, robin, by=senior)  # someone else reallocates meanwhile
    db.session.commit()
    auth.sign_in(senior.email)

    response = auth.post(
        f"/casework/referrals/{case.id}/allocate",
        {"seen": "allocated", "seen_allocation": str(shown), "practitioner": str(emhp.id)},
    )

    assert response.status_code == 400
    assert f"This case was allocated to Robin Invented by {senior.full_name}" in text_of(response)
    assert current_allocation(case).practitioner_id == robin.id


def test_consent_recorded_meanwhile_is_not_recorded_again_unless_saved_again(
    world, waiting, auth, client
):
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    auth.sign_in(emhp.email)
    url = f"/referrals/{waiting.id}/consent"
    referral_consent.record_consent(
        waiting, parent_consent(given_by_name="Sam Invented"), by=senior
    )
    db.session.commit()

    data = consent_data(given_by_name="TYPED-Chris Invented", seen="awaiting_consent")
    response = auth.post(url, data)

    assert response.status_code == 400
    text = text_of(response)
    assert f"Consent given by Sam Invented was recorded by {senior.full_name}" in text
    assert "while you were entering this, so nothing was saved" in text
    assert "TYPED-Chris Invented" in response.get_data(as_text=True)
    assert count(Consent, Consent.referral_id == waiting.id) == 1
    # The page now carries the saved status: saving again records a further consent.
    page = response.get_data(as_text=True)
    assert 'name="seen" type="hidden" value="ready_for_triage"' in page
    again = auth.post(url, {**data, "seen": "ready_for_triage"})
    assert again.status_code == 302
    assert count(Consent, Consent.referral_id == waiting.id) == 2


def test_consent_withdrawn_meanwhile_says_who_withdrew_it(world, auth, make_user):
    referral, consent = world.referral_a1, world.consent_a1
    lead = world.users[Role.SENIOR_CLINICIAN]  # the one who withdrew it first
    referral_consent.withdraw_consent(referral, consent, by=lead, reason="Family moved")
    db.session.commit()
    auth.sign_in(make_user(Role.SENIOR_CLINICIAN, team=world.team_a).email)
    response = auth.post(
        f"/referrals/{referral.id}/consent/{consent.id}/withdraw", {"reason": "Again"}
    )
    assert response.status_code == 400
    assert f"already been withdrawn (by {lead.full_name} " in text_of(response)


def test_a_lead_withdrawing_a_referral_triaged_meanwhile_is_told(world, auth, make_referral):
    senior = world.users[Role.SENIOR_CLINICIAN]
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    referral = make_referral(world.school_a1, by=lead, consent=True)
    operations.triage(referral, S.NOT_ACCEPTED, by=senior, reason="Needs met at school")
    db.session.commit()
    auth.sign_in(lead.email)
    response = auth.post(
        f"/referrals/{referral.id}/withdraw",
        {"seen": "ready_for_triage", "reason": "The family found help"},
    )
    assert response.status_code == 400
    assert f"This referral was not accepted by {senior.full_name}" in text_of(response)
    assert referral.status is S.NOT_ACCEPTED


# ---- one record per form, however often it is sent -------------------------------------


def test_a_consent_form_sent_twice_records_one_consent(world, waiting, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    url = f"/referrals/{waiting.id}/consent"
    data = consent_data(seen="awaiting_consent", submission_token=TOKEN)
    first, second = auth.post(url, data), auth.post(url, data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert second.headers["Location"] == f"/referrals/{waiting.id}"
    assert REPEATED_MESSAGE in text_of(client.get(second.headers["Location"]))
    assert count(Consent, Consent.referral_id == waiting.id) == 1


def test_a_discharge_form_sent_twice_discharges_once(world, auth, client):
    case = world.case_a1
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    data = {
        "seen": "allocated",
        "submission_token": TOKEN,
        "reason": "goals_met",
        "summary": "Goals met.",
    }
    url = f"/casework/cases/{case.id}/discharge"
    first, second = auth.post(url, data), auth.post(url, data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert second.headers["Location"] == f"/referrals/{case.id}"
    assert REPEATED_MESSAGE in text_of(client.get(second.headers["Location"]))
    assert count(Discharge, Discharge.referral_id == case.id) == 1


def test_an_allocation_form_sent_twice_allocates_once(world, ready, auth, client, make_user):
    senior = world.users[Role.SENIOR_CLINICIAN]
    operations.triage(ready, S.ACCEPTED, by=senior, reason=None)
    db.session.commit()
    robin = make_user(Role.EMHP, team=world.team_a)
    auth.sign_in(senior.email)
    data = {
        "seen": "accepted",
        "seen_allocation": "0",
        "submission_token": TOKEN,
        "practitioner": str(robin.id),
    }
    url = f"/casework/referrals/{ready.id}/allocate"
    first, second = auth.post(url, data), auth.post(url, data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert second.headers["Location"] == f"/referrals/{ready.id}"
    assert count(Allocation, Allocation.referral_id == ready.id) == 1


def test_a_referral_form_sent_twice_makes_one_referral(world, auth, client):
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    data = referral_data(family_name="Twicesent", submission_token=TOKEN)
    first, second = auth.post("/referrals/new", data), auth.post("/referrals/new", data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert second.headers["Location"] == first.headers["Location"]
    assert REPEATED_MESSAGE in text_of(client.get(second.headers["Location"]))
    assert count(Child, Child.family_name == "Twicesent") == 1
