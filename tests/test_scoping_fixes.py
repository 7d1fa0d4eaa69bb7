"""Scoping fixes (issue 13): who withdraws a referral or consent, and whose supervision is it.

* A school's lead withdraws their referral only until the team accepts it onto the
  waiting list; afterwards the page tells them to ask the team and a POST is refused.
* Consent on a case is withdrawn by the practitioner holding it or a senior clinician of
  its team; another EMHP of the team gets 404 (the case is not in their scope), roles
  without the permission 403, and the operation refuses anyone else whoever calls it.
* A supervision record stays with the team where it took place when the practitioner
  moves team (``SupervisionRecord.team_id``, migration 0013_scoping).
"""

from __future__ import annotations

import pytest
from alembic import command
from bs4 import BeautifulSoup
from sqlalchemy import select, text

from mhst.accounts.models import Role
from mhst.core.rules import RuleError
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import consent as referral_consent
from mhst.referrals import operations
from mhst.referrals.models import Consent, Referral, ReferralStatus
from mhst.supervision import operations as supervision_operations
from mhst.supervision.models import SupervisionRecord
from tests.test_migrations import _run, fresh_engine  # noqa: F401  (a fixture)

S = ReferralStatus


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def links(response) -> dict[str, str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return {a.get_text(" ", strip=True): a.get("href") for a in soup.select("main a")}


def status_of(referral_id: int) -> ReferralStatus:
    return db.session.scalar(select(Referral.status).where(Referral.id == referral_id))


def sign_in(auth, user):
    assert auth.sign_in(user.email).status_code == 302
    return user


# ---- a school's lead withdraws only before acceptance ---------------------------------


@pytest.fixture
def lead(world):
    return world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]


@pytest.fixture
def accepted(world, make_referral, lead):
    """School A1's referral (made by its lead), consented and accepted by the team."""
    world.school_a1.participation_status = "active"
    db.session.commit()
    referral = make_referral(world.school_a1, by=lead, consent=True)
    operations.triage(
        referral, S.ACCEPTED, by=world.users[Role.SENIOR_CLINICIAN], reason="Suits the team"
    )
    db.session.commit()
    return referral


@pytest.mark.parametrize("status", [S.SUBMITTED, S.AWAITING_CONSENT, S.READY_FOR_TRIAGE])
def test_a_lead_withdraws_a_referral_the_team_has_not_accepted(status, world, lead):
    referral = world.referral_a1
    referral.status = status
    db.session.flush()
    operations.withdraw_referral(referral, by=lead, reason="The family found help")
    assert referral.status is S.WITHDRAWN


@pytest.mark.parametrize("status", [S.ACCEPTED, S.ALLOCATED, S.IN_TREATMENT])
def test_a_lead_cannot_withdraw_a_referral_the_team_has_accepted(status, world, lead):
    referral = world.referral_a1
    referral.status = status
    db.session.flush()
    with pytest.raises(RuleError) as refused:
        operations.withdraw_referral(referral, by=lead, reason="The family found help")
    assert (refused.value.field, refused.value.message) == ("reason", operations.ASK_THE_TEAM)
    assert referral.status is status


def test_the_team_still_withdraws_an_accepted_referral(world, accepted):
    operations.withdraw_referral(accepted, by=world.users[Role.EMHP], reason="Family moved")
    assert accepted.status is S.WITHDRAWN


def test_the_lead_is_told_to_ask_the_team_and_has_no_button(world, accepted, lead, auth, client):
    sign_in(auth, lead)
    page = client.get(f"/referrals/{accepted.id}")
    assert page.status_code == 200
    assert "Withdraw this referral" not in links(page)
    assert "Contact the team if the family no longer want help" in text_of(page)

    url = f"/referrals/{accepted.id}/withdraw"
    form = client.get(url)
    assert form.status_code == 200
    assert "Contact the team if the family no longer want help" in text_of(form)
    assert BeautifulSoup(form.get_data(as_text=True), "html.parser").select("main form") == []

    response = auth.post(url, {"reason": "Crafted", "seen": "accepted"})
    assert response.status_code == 400
    assert "There is a problem" in text_of(response)
    assert "your school can no longer withdraw it" in text_of(response)
    assert status_of(accepted.id) is S.ACCEPTED


def test_the_lead_still_sees_the_button_before_acceptance(world, lead, auth, client):
    sign_in(auth, lead)
    page = client.get(f"/referrals/{world.referral_a1.id}")  # ready for triage
    assert links(page)["Withdraw this referral"] == f"/referrals/{world.referral_a1.id}/withdraw"
    assert "Contact the team" not in text_of(page)


# ---- who withdraws consent on a case ---------------------------------------------------


@pytest.fixture
def others(world, make_user):
    return {
        "emhp_not_holding": make_user(Role.EMHP, team=world.team_a),
        "senior_b": make_user(Role.SENIOR_CLINICIAN, team=world.team_b),
    }


@pytest.mark.parametrize("who", ["emhp", "senior_clinician"])
def test_the_practitioner_holding_the_case_or_a_senior_clinician_withdraws_consent(who, world):
    user = world.users[Role(who)]
    case = world.case_a1
    assert referral_consent.may_withdraw_consent(user, case)
    referral_consent.withdraw_consent(case, case.consents[0], by=user, reason="Family said stop")
    assert case.consents[0].withdrawn_by_id == user.id
    assert case.status is S.WITHDRAWN


@pytest.mark.parametrize(
    "who", ["emhp_not_holding", "senior_b", "clinical_lead", "school_mental_health_lead"]
)
def test_anyone_else_is_refused_by_the_operation(who, world, others):
    user = others.get(who) or world.users[Role(who)]
    case = world.case_a1
    assert not referral_consent.may_withdraw_consent(user, case)
    with pytest.raises(RuleError) as refused:
        referral_consent.withdraw_consent(case, case.consents[0], by=user, reason="Crafted")
    assert refused.value.message == referral_consent.NOT_YOURS_TO_WITHDRAW
    assert not case.consents[0].withdrawn
    assert case.status is S.ALLOCATED


@pytest.mark.parametrize(
    ("who", "status", "offered"),
    [
        ("emhp", 200, True),
        ("senior_clinician", 200, True),
        ("emhp_not_holding", 404, False),  # another EMHP of the team: not their case
        ("clinical_lead", 403, False),  # reads everything, changes nothing
        ("senior_b", 404, False),
    ],
)
def test_the_withdraw_consent_page_and_button(who, status, offered, world, others, auth, client):
    user = others.get(who) or world.users[Role(who)]
    case, consent = world.case_a1, world.case_a1.consents[0]
    sign_in(auth, user)
    url = f"/referrals/{case.id}/consent/{consent.id}/withdraw"
    assert client.get(url).status_code == status
    response = auth.post(url, {"reason": "Family said stop"})
    assert response.status_code == (302 if status == 200 else status)
    withdrawn = db.session.get(Consent, consent.id).withdrawn
    assert withdrawn is (status == 200)
    if who != "senior_b":  # team B does not see the referral's page at all
        page = client.get(f"/referrals/{case.id}")
        assert page.status_code == 200
        link = f"Withdraw consent given by {consent.given_by_name}"
        assert (link in links(page)) is (offered and not withdrawn)


def test_a_school_lead_cannot_withdraw_consent(world, lead, auth, client):
    sign_in(auth, lead)
    referral, consent = world.referral_a1, world.consent_a1
    url = f"/referrals/{referral.id}/consent/{consent.id}/withdraw"
    assert client.get(url).status_code == 403
    assert auth.post(url, {"reason": "Crafted"}).status_code == 403
    assert not db.session.get(Consent, consent.id).withdrawn


# ---- supervision stays with the team where it took place -------------------------------


def test_a_supervision_record_keeps_the_team_where_it_took_place(world):
    assert world.supervision_a1.team_id == world.team_a.id  # made directly: filled in
    senior, emhp = world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP]
    made = supervision_operations.record_supervision(
        supervisor=senior,
        practitioner=emhp,
        held_on=service_today(),
        cases=[(world.case_a1, "Keep going")],
        by=senior,
    )
    assert made.team_id == world.team_a.id
    emhp.team = world.team_b
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(SupervisionRecord, made.id).team_id == world.team_a.id


def test_a_practitioner_who_moves_leaves_their_supervision_with_the_old_team(
    world, make_user, auth, client
):
    record_id = world.supervision_a1.id
    emhp = world.users[Role.EMHP]
    emhp.team = world.team_b
    db.session.commit()
    new_senior = make_user(Role.SENIOR_CLINICIAN, team=world.team_b)

    sign_in(auth, world.users[Role.SENIOR_CLINICIAN])  # the old team's senior clinician
    assert client.get(f"/supervision/{record_id}").status_code == 200
    assert f"/supervision/{record_id}" in links(client.get("/supervision/")).values()
    auth.sign_out()

    sign_in(auth, new_senior)  # the new team's: not theirs
    assert client.get(f"/supervision/{record_id}").status_code == 404
    assert f"/supervision/{record_id}" not in links(client.get("/supervision/")).values()
    auth.sign_out()

    sign_in(auth, emhp)  # the practitioner still sees their own supervision
    assert client.get(f"/supervision/{record_id}").status_code == 200


def test_the_migration_fills_in_the_practitioners_team(fresh_engine):  # noqa: F811
    """0013 backfills each record's team from the practitioner's team of the time."""
    _run(fresh_engine, command.upgrade, "0011_risk_flags")
    with fresh_engine.begin() as connection:
        run = connection.execute
        run(text("INSERT INTO service_area (id, name) VALUES (1, 'Area')"))
        run(text("INSERT INTO team (id, name, area_id) VALUES (1, 'Team A', 1)"))
        for user_id, role, team in [(1, "senior_clinician", 1), (2, "emhp", 1), (3, "emhp", None)]:
            run(
                text(
                    "INSERT INTO user_account (id, email, full_name, password_hash, role, "
                    "team_id, active, session_version, created_at) VALUES (:id, :email, "
                    "'Someone', 'x', :role, :team, true, 1, CURRENT_TIMESTAMP)"
                ),
                {"id": user_id, "email": f"u{user_id}@x.example", "role": role, "team": team},
            )
        for record_id, practitioner in [(1, 2), (2, 3)]:
            run(
                text(
                    "INSERT INTO supervision_record (id, held_on, supervisor_id, "
                    "practitioner_id, recorded_at, recorded_by_id) VALUES (:id, "
                    "CURRENT_DATE, 1, :practitioner, CURRENT_TIMESTAMP, 1)"
                ),
                {"id": record_id, "practitioner": practitioner},
            )
    _run(fresh_engine, command.upgrade, "0013_scoping")
    with fresh_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, team_id FROM supervision_record ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [(1, 1), (2, None)]
    _run(fresh_engine, command.downgrade, "0011_risk_flags")  # and back, with the rows
    with fresh_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM supervision_record")).scalar() == 2
