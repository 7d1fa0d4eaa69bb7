"""The referral list and the referral's page: who sees which referrals, and what each
role sees on the page (a school's lead never the team's notes, reasons or consent)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import url_for
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import service_today
from mhst.directory.models import DirectoryService, DirectoryTable
from mhst.extensions import db
from mhst.referrals import consent as referral_consent
from mhst.referrals import eligibility, operations
from mhst.referrals.models import (
    Consent,
    ConsentKind,
    ConsentMethod,
    Need,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStatus,
    RiskItem,
)
from mhst.schools.models import ParticipationStatus
from tests.conftest import parent_consent


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def listed_names(response) -> list[str]:
    """The children's names in the list, in the order shown."""
    return [a.get_text(strip=True) for a in soup_of(response).select("tbody td a")]


def links(response) -> dict[str, str]:
    """Link and button texts on the page, with where they go."""
    return {
        " ".join(a.get_text(" ", strip=True).split()): a["href"]
        for a in soup_of(response).select("main a[href]")
    }


def named(first: str, last: str = "Invented") -> dict:
    return {"given_name": first, "family_name": last}


def service(name: str) -> DirectoryService:
    found = DirectoryService(
        table_kind=DirectoryTable.CHILDREN,
        level_of_need="Low level intervention",
        level_order=5,
        name=name,
        description="An invented service for the tests.",
        area_text="LLR",
        age_text="5 to 18",
        referral_routes=[],
    )
    db.session.add(found)
    db.session.commit()
    return found


@pytest.fixture
def others(world, make_referral):
    """Referrals the lead at school A1 must never see: another school of the same team,
    another team's school, and a GP's referral of a pupil at the lead's own school."""
    emhp = world.users[Role.EMHP]
    return {
        "a2": make_referral(world.school_a2, by=emhp, consent=True, child=named("Bea", "Atwo")),
        "b1": make_referral(world.school_b1, by=emhp, consent=True, child=named("Cal", "Bone")),
        "gp": make_referral(
            world.school_a1,
            by=emhp,
            consent=True,
            source=ReferralSource.GP,
            child=named("Dee", "General"),
        ),
    }


def sign_in(auth, world, role: Role):
    assert auth.sign_in(world.users[role].email).status_code == 302
    return world.users[role]


# ---- the list -------------------------------------------------------------------------


def test_the_lead_sees_only_their_schools_own_referrals(world, others, auth, client):
    sign_in(auth, world, Role.SCHOOL_MENTAL_HEALTH_LEAD)
    response = client.get("/referrals/")
    assert response.status_code == 200
    assert listed_names(response) == ["Alex Invented"]
    soup = soup_of(response)
    assert soup.h1.get_text(strip=True) == "Your school's referrals"
    headings = [th.get_text(strip=True) for th in soup.select("thead th")]
    assert headings == ["Reference", "Child", "Received", "Status"]
    found = links(response)
    assert found["Refer a child"] == "/referrals/new"
    assert "Record a referral" not in found
    text = text_of(response)
    # Staff flags are the team's business, and the school filter is not offered.
    assert "Same-day review" not in text
    assert "Not eligible" not in text
    assert soup.find("select", attrs={"name": "school"}) is None
    for hidden in ("Bea Atwo", "Cal Bone", "Dee General"):
        assert hidden not in text


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # "Casey Allocated" is the world's case at school A2.
        (Role.EMHP, ["Alex Invented", "Bea Atwo", "Casey Allocated", "Dee General"]),
        (Role.SENIOR_CLINICIAN, ["Alex Invented", "Bea Atwo", "Casey Allocated", "Dee General"]),
        (
            Role.CLINICAL_LEAD,
            ["Alex Invented", "Bea Atwo", "Cal Bone", "Casey Allocated", "Dee General"],
        ),
    ],
)
def test_staff_see_their_teams_referrals(role, expected, world, others, auth, client):
    sign_in(auth, world, role)
    response = client.get("/referrals/")
    assert response.status_code == 200
    assert sorted(listed_names(response)) == expected
    soup = soup_of(response)
    assert soup.h1.get_text(strip=True) == "Referrals"
    headings = [th.get_text(strip=True) for th in soup.select("thead th")]
    assert headings == ["Reference", "Child", "School", "Received", "Status"]
    row = next(tr for tr in soup.select("tbody tr") if "Alex Invented" in tr.get_text())
    row_text = row.get_text(" ", strip=True)
    assert world.referral_a1.reference in row_text
    assert "School A1" in row_text
    assert "Ready for triage" in row_text
    assert "Same-day review" in row_text  # positive risk screen, not yet reviewed
    assert "Not eligible" in row_text  # school A1 is not active
    a2_row = next(tr for tr in soup.select("tbody tr") if "Bea Atwo" in tr.get_text())
    assert "Same-day review" not in a2_row.get_text()
    if role is Role.CLINICAL_LEAD:
        assert "Record a referral" not in links(response)
    else:
        assert links(response)["Record a referral"] == "/referrals/record"
        assert "Refer a child" not in links(response)


def test_newest_referrals_come_first(world, auth, client, make_referral):
    from datetime import timedelta

    emhp = world.users[Role.EMHP]
    today = service_today()
    make_referral(world.school_a2, by=emhp, child=named("Old"), received_on=today - timedelta(9))
    make_referral(world.school_a2, by=emhp, child=named("Mid"), received_on=today - timedelta(3))
    sign_in(auth, world, Role.EMHP)
    response = client.get("/referrals/")
    # Both world referrals were received today: the later one first.
    assert listed_names(response) == [
        "Casey Allocated",
        "Alex Invented",
        "Mid Invented",
        "Old Invented",
    ]


def test_the_administrator_sees_no_referrals(world, auth, client):
    sign_in(auth, world, Role.ADMINISTRATOR)
    assert client.get("/referrals/").status_code == 403
    response = client.get(f"/referrals/{world.referral_a1.id}")
    assert response.status_code == 403
    assert "Alex Invented" not in text_of(response)


def test_team_a_staff_cannot_open_team_bs_referral(world, others, auth, client):
    sign_in(auth, world, Role.SENIOR_CLINICIAN)
    response = client.get(f"/referrals/{others['b1'].id}")
    assert response.status_code == 404
    assert "Cal Bone" not in text_of(response)


def test_the_list_filters_by_status_and_school(world, others, auth, client):
    sign_in(auth, world, Role.EMHP)
    response = client.get("/referrals/?status=ready_for_triage&school=" + str(world.school_a2.id))
    assert response.status_code == 200
    assert listed_names(response) == ["Bea Atwo"]
    soup = soup_of(response)
    assert soup.select_one("#status option[selected]")["value"] == "ready_for_triage"
    assert soup.select_one("#school option[selected]").get_text() == "School A2"
    # Only the schools in the user's scope are offered.
    offered = [o.get_text() for o in soup.select("#school option")]
    assert offered == ["Any school", "School A1", "School A2"]

    response = client.get("/referrals/?status=awaiting_consent")
    assert response.status_code == 200
    assert listed_names(response) == []
    assert "No referrals match the filters." in text_of(response)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=bogus", "status", "Select a status from the list"),
        ("status=" + "x" * 5000, "status", "Select a status from the list"),
        ("status=%27%3B+DROP+TABLE+referral%3B--", "status", "Select a status from the list"),
        ("school=not-a-number", "school", "Select a school from the list"),
        ("school=999999999999999999999", "school", "Select a school from the list"),
    ],
)
def test_an_unknown_filter_value_is_a_clear_400(query, field, message, world, auth, client):
    sign_in(auth, world, Role.EMHP)
    response = client.get(f"/referrals/?{query}")
    assert response.status_code == 400
    soup = soup_of(response)
    summary = soup.select_one(f".nhsuk-error-summary a[href='#{field}']")
    assert summary.get_text(strip=True) == message


def test_another_teams_school_is_not_a_filter_for_team_a(world, others, auth, client):
    sign_in(auth, world, Role.EMHP)
    response = client.get(f"/referrals/?school={world.school_b1.id}")
    assert response.status_code == 400
    assert "Cal Bone" not in text_of(response)


def test_an_empty_list_says_so(world, auth, client, make_user, make_school):
    lead = make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=make_school())
    assert auth.sign_in(lead.email).status_code == 302
    response = client.get("/referrals/")
    assert response.status_code == 200
    assert "Your school has not referred a child yet." in text_of(response)


def test_the_listed_referrals_are_audited_as_read_in_one_entry(world, others, auth, client):
    emhp = sign_in(auth, world, Role.EMHP)
    response = client.get("/referrals/")
    assert response.status_code == 200
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.user_id == emhp.id,
            AuditEvent.action == AuditAction.READ,
            AuditEvent.record_type == "referral",
        )
    ).all()
    expected = {world.referral_a1.id, world.case_a1.id, others["a2"].id, others["gp"].id}
    assert len(events) == 1  # one entry naming every referral shown, not one per child
    assert events[0].record_id is None
    assert set(events[0].record_ids) == {str(i) for i in expected}


def test_the_list_runs_the_same_number_of_queries_for_2_and_12_referrals(
    world, auth, client, make_referral, count_queries
):
    emhp = world.users[Role.EMHP]
    make_referral(world.school_a2, by=emhp, risks=(RiskItem.SELF_HARM,))
    sign_in(auth, world, Role.EMHP)

    def queries_for_the_list() -> int:
        before = len(count_queries())
        response = client.get("/referrals/")
        assert response.status_code == 200
        return len(count_queries()) - before, len(listed_names(response))

    small, shown = queries_for_the_list()
    assert shown == 3  # with the world's two
    for number in range(10):
        school = world.school_a1 if number % 2 else world.school_a2
        make_referral(school, by=emhp, consent=bool(number % 3), child=named(f"Kid{number}"))
    large, shown = queries_for_the_list()
    assert shown == 13
    assert small > 0
    assert large == small


# ---- one school's lead cannot see another school's referrals, by any URL ---------------

REFERRAL_ENDPOINTS = [
    ("referrals.show", ("GET",)),
    ("referrals.submitted", ("GET",)),
    ("referrals.consent", ("GET", "POST")),
    ("referrals.withdraw_consent", ("GET", "POST")),
    ("referrals.withdraw", ("GET", "POST")),
    ("referrals.triage", ("GET", "POST")),
    ("referrals.review_risk", ("GET", "POST")),
]

# What a crafted POST would send to each form: enough to change something if allowed.
CRAFTED = {
    "kind": "parent_carer",
    "given_by_name": "Mallory Crafted",
    "relationship_to_child": "Mother",
    "given_on-day": "1",
    "given_on-month": "1",
    "given_on-year": "2020",
    "method": "phone",
    "reason": "Crafted by another school's lead",
    "decision": "accepted",
    "notes": "Crafted review notes",
}


def _state(referral_id: int):
    referral = db.session.get(Referral, referral_id)
    db.session.refresh(referral)
    consents = db.session.scalars(select(Consent).where(Consent.referral_id == referral_id)).all()
    events = db.session.scalar(select(func.count()).where(ReferralEvent.referral_id == referral_id))
    return (
        referral.status,
        referral.risk_reviewed_at,
        events,
        [(c.id, c.withdrawn_at, c.given_by_name) for c in consents],
    )


@pytest.mark.parametrize("target", ["a2", "b1", "gp"])
@pytest.mark.parametrize(("endpoint", "methods"), REFERRAL_ENDPOINTS)
def test_a_lead_cannot_reach_another_schools_referral_by_any_url(
    target, endpoint, methods, app, world, others, auth, client
):
    referral = others[target]
    consent_id = referral.consents[0].id
    before = _state(referral.id)
    sign_in(auth, world, Role.SCHOOL_MENTAL_HEALTH_LEAD)
    with app.test_request_context():
        arguments = {"referral_id": referral.id}
        if endpoint == "referrals.withdraw_consent":
            arguments["consent_id"] = consent_id
        url = url_for(endpoint, **arguments)
    child_name = referral.child.full_name
    for method in methods:
        response = client.get(url) if method == "GET" else auth.post(url, CRAFTED)
        assert response.status_code in (403, 404), (method, url, response.status_code)
        assert child_name not in response.get_data(as_text=True)
    assert _state(referral.id) == before


def test_a_lead_cannot_withdraw_another_referrals_consent_through_their_own(
    world, others, auth, client
):
    """A consent id is only ever looked up through the referral in the URL."""
    before = _state(others["a2"].id)
    sign_in(auth, world, Role.EMHP)
    other_consent = others["a2"].consents[0].id
    url = f"/referrals/{world.referral_a1.id}/consent/{other_consent}/withdraw"
    assert client.get(url).status_code == 404
    assert auth.post(url, {"reason": "Crafted"}).status_code == 404
    assert _state(others["a2"].id) == before


# ---- the referral's page ---------------------------------------------------------------


@pytest.fixture
def triaged(world, make_referral):
    """School A1's referral through the team's hands, with distinctive words at each step
    that the school's lead must never see."""
    world.school_a1.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    senior = world.users[Role.SENIOR_CLINICIAN]
    referral = make_referral(
        world.school_a1,
        by=lead,
        risks=(RiskItem.SELF_HARM,),
        child=named("Eve", "Schoolsent"),
        risk_detail="Scratches seen on her arm in PE",
    )
    referral_consent.record_consent(
        referral,
        parent_consent(
            given_by_name="Quentin Consentgiver",
            relationship_to_child="Guardian-Distinct",
            method=ConsentMethod.IN_WRITING,
        ),
        by=world.users[Role.EMHP],
    )
    operations.review_risk(referral, by=senior, notes="RISKNOTE-ZEBRA spoke to the family")
    operations.triage(
        referral,
        ReferralStatus.SIGNPOSTED,
        by=senior,
        reason="TRIAGEREASON-OKAPI better met by the charity",
        services=[service("Okapi Wellbeing Service")],
    )
    db.session.commit()
    return referral


SECRETS = (
    "RISKNOTE-ZEBRA",
    "TRIAGEREASON-OKAPI",
    "Quentin Consentgiver",
    "Guardian-Distinct",
    "In writing",
    "Referred by:",  # the submission's note in the history
    "Consent recorded:",  # the consent's status change reason
    "Gillick",
    "Urgent help",
)


def test_the_leads_page_shows_progress_and_what_the_school_sent_but_no_team_notes(
    world, triaged, auth, client
):
    sign_in(auth, world, Role.SCHOOL_MENTAL_HEALTH_LEAD)
    response = client.get(f"/referrals/{triaged.id}")
    assert response.status_code == 200
    text = text_of(response)
    soup = soup_of(response)
    assert soup.h1.get_text(strip=True) == "Eve Schoolsent"
    for expected in (
        triaged.reference,
        "Signposted",
        "Consent recorded",
        "Next appointment None booked yet",
        "Okapi Wellbeing Service",
        "Scratches seen on her arm in PE",  # the school's own risk detail
        "Self-harm",  # the school's own risk-screen answer
        "Worries about tests",
        "Sam Invented",  # the parent contact the school gave
    ):
        assert expected in text, expected
    for secret in SECRETS:
        assert secret not in text, secret
    for user in (world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP]):
        assert user.full_name not in text
    # Services are named only, not linked to the team's directory entries.
    assert not [href for href in links(response).values() if href.startswith("/directory/")]
    # History: statuses with dates, no times or reasons.
    history = soup.select("table tbody tr")
    statuses = [row.select("td")[1].get_text(strip=True) for row in history]
    assert statuses == ["Submitted", "Awaiting consent", "Ready for triage", "Signposted"]
    today = service_today()
    assert history[0].select("td")[0].get_text(strip=True) == (f"{today.day} {today:%B %Y}")
    # It is closed: there is nothing left to withdraw.
    assert "Withdraw this referral" not in text


def test_the_lead_can_withdraw_an_open_referral_from_its_page(world, auth, client):
    sign_in(auth, world, Role.SCHOOL_MENTAL_HEALTH_LEAD)
    response = client.get(f"/referrals/{world.referral_a1.id}")
    assert links(response)["Withdraw this referral"] == (
        f"/referrals/{world.referral_a1.id}/withdraw"
    )
    text = text_of(response)
    assert "Consent recorded" in text
    for secret in ("Sam Invented Mother", "Record consent", "Triage this referral", "Review risk"):
        assert secret not in text


def test_the_lead_sees_waiting_for_consent_and_consent_withdrawn(
    world, auth, client, make_referral
):
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    waiting = make_referral(world.school_a1, by=lead, child=named("Wai"))
    sign_in(auth, world, Role.SCHOOL_MENTAL_HEALTH_LEAD)
    assert "Consent Waiting for consent" in text_of(client.get(f"/referrals/{waiting.id}"))
    referral_consent.withdraw_consent(
        world.referral_a1,
        world.consent_a1,
        by=world.users[Role.SENIOR_CLINICIAN],
        reason="WITHDRAWREASON-LYNX family moved away",
    )
    db.session.commit()
    text = text_of(client.get(f"/referrals/{world.referral_a1.id}"))
    assert "Consent Consent withdrawn" in text
    assert "WITHDRAWREASON-LYNX" not in text


def test_staff_see_the_whole_record_and_history(world, triaged, auth, client):
    senior = sign_in(auth, world, Role.SENIOR_CLINICIAN)
    response = client.get(f"/referrals/{triaged.id}")
    assert response.status_code == 200
    text = text_of(response)
    for expected in (
        "RISKNOTE-ZEBRA",
        "TRIAGEREASON-OKAPI",
        "Quentin Consentgiver",
        "Guardian-Distinct",
        "In writing (a signed form or a letter)",
        f"Reviewed by {senior.full_name}",
        "Scratches seen on her arm in PE",
        "Eligible for the Mental Health Support Team",
        "School A1",
    ):
        assert expected in text, expected
    found = links(response)
    okapi = db.session.scalar(
        select(DirectoryService.id).where(DirectoryService.name == "Okapi Wellbeing Service")
    )
    assert found["Okapi Wellbeing Service"] == f"/directory/{okapi}"
    # Closed: no actions are offered.
    for action in ("Record consent", "Triage this referral", "Review risk", "Withdraw referral"):
        assert action not in found
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in soup_of(response).select("table tbody tr")
    ]
    assert [row[1] for row in rows] == [
        "Submitted",
        "Submitted to awaiting consent",
        "Consent recorded",
        "Awaiting consent to ready for triage",
        "Risk reviewed",
        "Ready for triage to signposted",
    ]
    assert rows[2][2] == world.users[Role.EMHP].full_name
    assert "Quentin Consentgiver (Guardian-Distinct)" in rows[2][3]
    # The senior clinician may amend both texts: each has its "Amend" link.
    assert rows[4][3] == "RISKNOTE-ZEBRA spoke to the family Amend this text"
    assert rows[5][2] == senior.full_name
    assert rows[5][3] == "TRIAGEREASON-OKAPI better met by the charity Amend this text"
    assert "Risk screen positive: same-day senior review" in rows[0][3]


def test_staff_page_for_a_referral_awaiting_risk_review(world, auth, client):
    sign_in(auth, world, Role.EMHP)
    response = client.get(f"/referrals/{world.referral_a1.id}")
    text = text_of(response)
    assert "Urgent help" in text
    assert "NHS 111 (select option 2)" in text
    assert "Same-day review" in text
    assert "Waiting for a senior clinician's same-day review" in text
    assert "Not eligible: School A1 is not an active participating school" in text
    found = links(response)
    referral_id = world.referral_a1.id
    assert found["Record consent"] == f"/referrals/{referral_id}/consent"
    assert found["Withdraw referral"] == f"/referrals/{referral_id}/withdraw"
    # Withdrawing consent is for whoever holds the case (nobody yet) or a senior clinician;
    # triage and risk review are a senior clinician's.
    assert "Withdraw consent given by Sam Invented" not in found
    assert "Triage this referral" not in found
    assert "Review risk" not in found


def test_a_senior_clinician_is_offered_triage_and_risk_review(world, auth, client):
    sign_in(auth, world, Role.SENIOR_CLINICIAN)
    found = links(client.get(f"/referrals/{world.referral_a1.id}"))
    referral_id = world.referral_a1.id
    assert found["Triage this referral"] == f"/referrals/{referral_id}/triage"
    assert found["Review risk"] == f"/referrals/{referral_id}/risk-review"
    assert found["Withdraw consent given by Sam Invented"] == (
        f"/referrals/{referral_id}/consent/{world.consent_a1.id}/withdraw"
    )


def test_the_clinical_lead_sees_everything_read_only(world, auth, client):
    sign_in(auth, world, Role.CLINICAL_LEAD)
    response = client.get(f"/referrals/{world.referral_a1.id}")
    assert response.status_code == 200
    text = text_of(response)
    assert "Sam Invented" in text
    assert "Mother" in text
    assert "Urgent help" in text
    found = links(response)
    for action in (
        "Record consent",
        "Triage this referral",
        "Review risk",
        "Withdraw referral",
        "Withdraw consent given by Sam Invented",
    ):
        assert action not in found


def test_staff_page_shows_the_childs_details(world, auth, client, make_referral):
    from datetime import date

    today = service_today()
    referral = make_referral(
        world.school_a2,
        by=world.users[Role.EMHP],
        source=ReferralSource.SCHOOL_NURSE,
        referrer_name="Nurse Invented",
        referrer_contact="01632 960111",
        child={**named("Fay", "Numbered"), "nhs_number": "9434765919"},
        need_other="Struggles with friendships",
        needs=[Need.WORRY, Need.OTHER],
    )
    sign_in(auth, world, Role.EMHP)
    text = text_of(client.get(f"/referrals/{referral.id}"))
    born = date(today.year - 12, 1, 15)
    for expected in (
        f"Date of birth 15 January {born.year} (aged {eligibility.age_on(born, today)})",
        "NHS number 943 476 5919",
        "Year group Year 8",
        "Referred by School nurse",
        "Referrer Nurse Invented (01632 960111)",
        "Other: Struggles with friendships",
        "Risk screen None",
        "Risk review Not needed",
        "No consent has been recorded yet",
    ):
        assert expected in text, expected


def test_showing_a_referral_is_audited_as_a_read(world, auth, client):
    for role in (Role.EMHP, Role.SCHOOL_MENTAL_HEALTH_LEAD):
        user = sign_in(auth, world, role)
        assert client.get(f"/referrals/{world.referral_a1.id}").status_code == 200
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.user_id == user.id,
                AuditEvent.action == AuditAction.READ,
                AuditEvent.record_type == "referral",
                AuditEvent.record_id == str(world.referral_a1.id),
            )
        ).all()
        assert len(reads) == 1
        auth.sign_out()


def test_text_from_the_referral_is_escaped(world, auth, client, make_referral):
    referral = make_referral(
        world.school_a1,
        by=world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD],
        child=named("<script>alert(1)</script>", "O'Brien"),
        needs_detail='<img src=x onerror="alert(2)">\nSecond line',
    )
    sign_in(auth, world, Role.EMHP)
    response = client.get(f"/referrals/{referral.id}")
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<img src=x onerror="alert(2)">' not in html
    assert "Second line" in text_of(response)


def test_consent_kind_and_problem_are_shown(world, auth, client, make_referral):
    """A Gillick consent shows its assessment; each consent says whether it is valid."""
    today = service_today()
    referral = make_referral(
        world.school_a1,
        by=world.users[Role.EMHP],
        child={**named("Gil"), "date_of_birth": today.replace(year=today.year - 14, day=1)},
    )
    referral_consent.record_consent(
        referral,
        referral_consent.ConsentDetails(
            kind=ConsentKind.GILLICK,
            given_by_name="Gil Invented",
            given_on=today,
            method=ConsentMethod.IN_PERSON,
            gillick_assessed_on=today,
            gillick_assessment="Explained the sessions back in her own words",
        ),
        by=world.users[Role.SENIOR_CLINICIAN],
    )
    db.session.commit()
    sign_in(auth, world, Role.EMHP)
    text = text_of(client.get(f"/referrals/{referral.id}"))
    assert "Young person (12 to 15) assessed as Gillick competent" in text
    assert f"Assessed on {today.day} {today:%B %Y}" in text
    assert "Explained the sessions back in her own words" in text
    assert "Valid Yes" in text
