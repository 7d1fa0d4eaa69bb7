"""The triage queue, the same-day risk review and a senior clinician's triage decisions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import service_today
from mhst.directory.models import (
    Concern,
    DirectoryService,
    DirectoryServiceConcern,
    DirectoryTable,
)
from mhst.extensions import db
from mhst.referrals import eligibility, operations, signposting
from mhst.referrals.models import (
    Referral,
    ReferralEvent,
    ReferralSignpost,
    ReferralStatus,
    RiskItem,
)
from mhst.schools.models import ParticipationStatus
from tests.audit_reads import audited_ids

S = ReferralStatus


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(response) -> str:
    return " ".join(soup_of(response).get_text(" ", strip=True).split())


def table_rows(response) -> list[dict[str, str]]:
    """The rows of the page's table, each as {column heading: cell text}."""
    soup = soup_of(response)
    headings = [th.get_text(" ", strip=True) for th in soup.select("thead th")]
    rows = []
    for row in soup.select("tbody tr"):
        cells = row.find_all("td")
        if len(cells) == len(headings):
            for label in row.select(".nhsuk-table__heading"):
                label.decompose()
            texts = [" ".join(cell.get_text(" ", strip=True).split()) for cell in cells]
            rows.append(dict(zip(headings, texts, strict=True)))
    return rows


def queue_references(response) -> list[str]:
    """The Reference column of the triage queue, top to bottom."""
    return [row["Reference"] for row in table_rows(response)]


def events_of(referral: Referral) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
    )


def signposts_of(referral: Referral) -> list[ReferralSignpost]:
    return list(
        db.session.scalars(
            select(ReferralSignpost)
            .where(ReferralSignpost.referral_id == referral.id)
            .order_by(ReferralSignpost.id)
        )
    )


def reads_of(user, referral: Referral) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.user_id == user.id,
            AuditEvent.action == AuditAction.READ,
            AuditEvent.record_type == "referral",
            AuditEvent.record_id == str(referral.id),
        )
    )


def make_service(
    name: str,
    *,
    min_age: int | None,
    max_age: int | None,
    age_text: str,
    city: bool = True,
    county: bool = False,
    table: DirectoryTable = DirectoryTable.CHILDREN,
    concerns: tuple[Concern, ...] = (Concern.GENERAL_MENTAL_HEALTH,),
    level: str = "Low level intervention",
    level_order: int = 5,
) -> DirectoryService:
    service = DirectoryService(
        table_kind=table,
        level_of_need=level,
        level_order=level_order,
        name=name,
        description=f"{name}: an invented service.",
        area_text="Leicester City" if city and not county else ("County" if county else "LLR"),
        covers_city=city,
        covers_county=county,
        age_text=age_text,
        min_age=min_age,
        max_age=max_age,
        referral_routes=[],
        concern_links=[DirectoryServiceConcern(concern=concern) for concern in concerns],
    )
    db.session.add(service)
    db.session.commit()
    return service


@pytest.fixture
def senior(world, auth):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    return world.users[Role.SENIOR_CLINICIAN]


@pytest.fixture
def active_school(world):
    """School A2 (team A), taking part: its referrals are eligible."""
    world.school_a2.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    return world.school_a2


@pytest.fixture
def services():
    """Services a 12-year-old in Leicester City with general mental health needs fits."""
    return [
        make_service("Invented Wellbeing Service", min_age=11, max_age=18, age_text="11-18"),
        make_service("Invented Teen Talk", min_age=10, max_age=25, age_text="10-25"),
    ]


@pytest.fixture
def crisis_service():
    return make_service(
        "Invented Crisis Team",
        min_age=0,
        max_age=18,
        age_text="0-18",
        county=True,
        concerns=(Concern.SELF_HARM,),
        level="Urgent/crisis intervention",
        level_order=1,
    )


def triage_url(referral: Referral) -> str:
    return f"/referrals/{referral.id}/triage"


def review_url(referral: Referral) -> str:
    return f"/referrals/{referral.id}/risk-review"


# ---- the queue ----------------------------------------------------------------------


def test_an_unreviewed_risk_heads_the_queue_until_it_is_reviewed(
    senior, world, active_school, make_referral, auth, client
):
    today = service_today()
    operations.review_risk(world.referral_a1, by=senior, notes="Spoke to the parent: safe.")
    db.session.commit()
    old_ready = make_referral(
        active_school, by=senior, consent=True, received_on=today - timedelta(days=20)
    )
    no_consent = make_referral(active_school, by=senior, received_on=today - timedelta(days=30))
    risky = make_referral(
        active_school, by=senior, consent=True, risks=(RiskItem.THOUGHTS_OF_SUICIDE,)
    )

    response = client.get("/referrals/triage")
    assert response.status_code == 200
    # Received last, but its positive risk screen is not yet reviewed: it comes first.
    # Then ready for triage, oldest first; awaiting consent last although it is the oldest.
    assert queue_references(response) == [
        risky.reference,
        old_ready.reference,
        world.referral_a1.reference,
        no_consent.reference,
    ]
    text = text_of(response)
    assert "1 referral needs a same-day risk review" in text
    assert text.count("Same-day review") == 1
    rows = {row["Reference"]: row for row in table_rows(response)}
    assert rows[old_ready.reference]["Days since referral"] == "20"
    assert rows[no_consent.reference]["Days since referral"] == "30"
    assert rows[risky.reference]["Days since referral"] == "0"
    assert rows[risky.reference]["Flags"] == "Same-day review"
    assert rows[risky.reference]["School"] == "School A2"
    assert rows[risky.reference]["Child"] == "Alex Invented"
    assert rows[no_consent.reference]["Flags"] == "No consent yet"
    assert rows[no_consent.reference]["Status"] == "Awaiting consent"
    assert rows[old_ready.reference]["Flags"] == "None"
    assert rows[world.referral_a1.reference]["Flags"] == (
        "Not eligible School A1 is not an active participating school (not participating)"
    )
    links = [a.get_text(" ", strip=True) for a in soup_of(response).select("tbody a")]
    assert f"Review risk on referral {risky.reference}" in links
    assert f"Triage referral {risky.reference}" in links

    response = auth.post(review_url(risky), {"notes": "Called the parent; GP appointment today."})
    assert response.status_code == 302
    assert response.headers["Location"] == "/referrals/triage"
    response = client.get("/referrals/triage")
    assert "Risk review of referral" in text_of(response)
    # Reviewed, it drops to its place by date (received today, after referral A1).
    assert queue_references(response) == [
        old_ready.reference,
        world.referral_a1.reference,
        risky.reference,
        no_consent.reference,
    ]
    assert "No referrals need a same-day risk review" in text_of(response)


def test_the_queue_is_audited_and_runs_a_fixed_number_of_queries(
    senior, world, active_school, make_referral, client, count_queries
):
    def queries_for_queue() -> int:
        before = len(count_queries())
        assert client.get("/referrals/triage").status_code == 200
        return len(count_queries()) - before

    for _ in range(2):
        make_referral(active_school, by=senior, consent=True, risks=(RiskItem.SELF_HARM,))
    small = queries_for_queue()
    for number in range(12):
        make_referral(
            world.school_a1 if number % 2 else active_school,
            by=senior,
            consent=bool(number % 3),
            risks=(RiskItem.SUBSTANCE_USE,) if number % 4 == 0 else (),
            child={"given_name": f"Invented{number}"},
        )
    assert queries_for_queue() == small
    listed = audited_ids(
        AuditEvent.user_id == senior.id,
        AuditEvent.action == AuditAction.READ,
        AuditEvent.record_type == "referral",
    )
    assert listed.count(str(world.referral_a1.id)) == 2  # one per listing


def test_another_teams_referral_is_out_of_reach(
    senior, world, make_referral, auth, client, crisis_service
):
    other = make_referral(world.school_b1, by=senior, consent=True, risks=(RiskItem.SELF_HARM,))
    assert other.reference not in text_of(client.get("/referrals/triage"))
    assert client.get(triage_url(other)).status_code == 404
    assert client.get(review_url(other)).status_code == 404
    response = auth.post(
        triage_url(other),
        {"decision": "stepped_up", "reason": "Crisis", "other_service": str(crisis_service.id)},
    )
    assert response.status_code == 404
    assert auth.post(review_url(other), {"notes": "Looked"}).status_code == 404
    db.session.refresh(other)
    assert other.status is S.READY_FOR_TRIAGE
    assert other.awaiting_risk_review


# ---- decisions ----------------------------------------------------------------------


def test_accepting_a_referral_with_consent_at_an_active_school(
    senior, active_school, make_referral, auth, client
):
    referral = make_referral(active_school, by=senior, consent=True)
    page = client.get(triage_url(referral))
    assert page.status_code == 200
    text = text_of(page)
    assert "Triage referral " + referral.reference in text
    assert "Valid consent" in text
    assert "Eligible" in text
    assert "Without consent" not in text

    response = auth.post(triage_url(referral), {"decision": "accepted", "reason": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == "/referrals/triage"
    db.session.refresh(referral)
    assert referral.status is S.ACCEPTED
    assert referral.accepted_on == service_today()
    event = referral.events[-1]
    assert (event.from_status, event.to_status) == (S.READY_FOR_TRIAGE, S.ACCEPTED)
    assert event.by_user_id == senior.id
    assert f"Referral {referral.reference} accepted onto the waiting list" in text_of(
        client.get("/referrals/triage")
    )

    # Triaged: the page says so and offers no form; a second POST changes nothing.
    page = client.get(triage_url(referral))
    assert page.status_code == 200
    assert "has already been triaged" in text_of(page)
    assert "Accepted (waiting list)" in text_of(page)
    assert soup_of(page).select_one("form input[name=decision]") is None
    count = events_of(referral)
    again = auth.post(triage_url(referral), {"decision": "not_accepted", "reason": "Changed"})
    assert again.status_code == 400  # refused by the operation, on the form
    assert "A referral that is accepted (waiting list) cannot be moved to not accepted" in (
        text_of(again)
    )
    db.session.refresh(referral)
    assert referral.status is S.ACCEPTED
    assert events_of(referral) == count


def test_the_consent_gate_refuses_a_crafted_accept(
    senior, active_school, make_referral, auth, client
):
    referral = make_referral(active_school, by=senior)  # no consent: awaiting consent
    assert referral.status is S.AWAITING_CONSENT
    page = client.get(triage_url(referral))
    assert page.status_code == 200
    assert "Without consent you can only signpost, step up or not accept" in text_of(page)
    assert "Not possible without valid consent" in text_of(page)
    count = events_of(referral)
    assert reads_of(senior, referral) == 1

    response = auth.post(triage_url(referral), {"decision": "accepted"})
    assert response.status_code == 400
    # The refused change is rolled back, but showing the page again is still a read.
    assert reads_of(senior, referral) == 2
    text = text_of(response)
    assert "There is a problem" in text
    assert "Record valid consent first" in text
    # The message is shown against the decision, the first field.
    summary_link = soup_of(response).select_one(".nhsuk-error-summary a")
    assert summary_link["href"] == "#decision"
    db.session.refresh(referral)
    assert referral.status is S.AWAITING_CONSENT
    assert referral.accepted_on is None
    assert events_of(referral) == count


def test_an_ineligible_referral_cannot_be_accepted(senior, world, auth, client):
    referral = world.referral_a1  # consent given; school A1 is not active
    page = client.get(triage_url(referral))
    assert "Not possible: the referral is not eligible" in text_of(page)
    response = auth.post(triage_url(referral), {"decision": "accepted"})
    assert response.status_code == 400
    text = text_of(response)
    assert "This referral is not eligible" in text
    assert "School A1 is not an active participating school" in text
    db.session.refresh(referral)
    assert referral.status is S.READY_FOR_TRIAGE


def test_signposting_needs_a_reason_and_a_service(
    senior, active_school, make_referral, services, crisis_service, auth, client
):
    referral = make_referral(active_school, by=senior, consent=True)
    count = events_of(referral)

    response = auth.post(triage_url(referral), {"decision": "signposted", "reason": ""})
    assert response.status_code == 400
    text = text_of(response)
    assert "Enter the reason" in text
    assert "Select at least one service from the directory" in text

    response = auth.post(
        triage_url(referral), {"decision": "signposted", "reason": "Needs a youth club"}
    )
    assert response.status_code == 400
    assert "Select at least one service from the directory" in text_of(response)
    assert "Needs a youth club" in response.get_data(as_text=True)  # kept

    response = auth.post(
        triage_url(referral),
        {"decision": "signposted", "reason": "", "services": [str(services[1].id)]},
    )
    assert response.status_code == 400
    assert "Enter the reason" in text_of(response)
    soup = soup_of(response)
    ticked = [box["value"] for box in soup.select("input[name=services][checked]")]
    assert ticked == [str(services[1].id)]
    assert soup.select_one("input[name=decision][checked]")["value"] == "signposted"

    response = auth.post(
        triage_url(referral),
        {"decision": "stepped_up", "reason": "", "other_service": str(crisis_service.id)},
    )
    assert response.status_code == 400
    selected = soup_of(response).select_one("select[name=other_service] option[selected]")
    assert selected["value"] == str(crisis_service.id)

    db.session.refresh(referral)
    assert referral.status is S.READY_FOR_TRIAGE
    assert events_of(referral) == count
    assert signposts_of(referral) == []


def test_signposting_to_two_proposed_services(
    senior, active_school, make_referral, services, auth, client
):
    referral = make_referral(active_school, by=senior, consent=True)
    response = auth.post(
        triage_url(referral),
        {
            "decision": "signposted",
            "reason": "Mild worry that a wellbeing service can help with.",
            "services": [str(services[0].id), str(services[1].id)],
        },
    )
    assert response.status_code == 302
    db.session.refresh(referral)
    assert referral.status is S.SIGNPOSTED
    assert referral.closed_on == service_today()
    signposts = signposts_of(referral)
    assert {signpost.service_id for signpost in signposts} == {s.id for s in services}
    assert {signpost.event_id for signpost in signposts} == {referral.events[-1].id}
    assert referral.events[-1].reason == "Mild worry that a wellbeing service can help with."
    assert (
        f"Referral {referral.reference} signposted to Invented Wellbeing Service and "
        "Invented Teen Talk"
    ) in text_of(client.get("/referrals/triage"))


def test_the_services_proposed_fit_the_childs_age_area_and_needs(
    senior, world, make_area, make_school, make_referral, client
):
    city = make_area("Leicester City")
    school = make_school("Invented City Academy", world.team_a)
    school.area = city
    db.session.commit()
    twelve = date(service_today().year - 12, 1, 1)
    referral = make_referral(school, by=senior, consent=True, child={"date_of_birth": twelve})
    assert eligibility.age_on(twelve, service_today()) == 12
    fits = make_service("Invented City Wellbeing", min_age=11, max_age=18, age_text="11-18")
    adults = make_service(
        "Invented Adult Talking",
        min_age=18,
        max_age=None,
        age_text="18+",
        table=DirectoryTable.ADULT,
    )
    younger = make_service("Invented Primary Support", min_age=5, max_age=10, age_text="5-10")
    county = make_service(
        "Invented County Wellbeing",
        min_age=11,
        max_age=18,
        age_text="11-18",
        city=False,
        county=True,
    )

    assert signposting.proposed_services(referral) == [fits]
    page = client.get(triage_url(referral))
    assert page.status_code == 200
    soup = soup_of(page)
    offered = [box["value"] for box in soup.select("input[name=services]")]
    assert offered == [str(fits.id)]
    text = text_of(page)
    assert "Services that fit this child" in text
    assert "By age, area and needs, most specific first" in text
    assert "Level of need: Low level intervention. Area: Leicester City. Ages: 11-18." in text
    # Every other service can still be chosen from the list.
    listed = {option["value"] for option in soup.select("select[name=other_service] option")}
    assert listed == {"", str(adults.id), str(younger.id), str(county.id)}


def test_stepping_up_to_a_crisis_service_from_the_list(
    senior, active_school, make_referral, crisis_service, auth, client
):
    referral = make_referral(active_school, by=senior, consent=True)
    response = auth.post(
        triage_url(referral),
        {
            "decision": "stepped_up",
            "reason": "Needs more than low-intensity help.",
            "other_service": str(crisis_service.id),
        },
    )
    assert response.status_code == 302
    db.session.refresh(referral)
    assert referral.status is S.STEPPED_UP
    assert [s.service_id for s in signposts_of(referral)] == [crisis_service.id]
    assert f"Referral {referral.reference} stepped up to Invented Crisis Team" in text_of(
        client.get("/referrals/triage")
    )


def test_a_referral_awaiting_consent_can_still_be_stepped_up(
    senior, active_school, make_referral, crisis_service, auth
):
    referral = make_referral(active_school, by=senior)
    response = auth.post(
        triage_url(referral),
        {
            "decision": "stepped_up",
            "reason": "Family asked for CAMHS.",
            "other_service": str(crisis_service.id),
        },
    )
    assert response.status_code == 302
    db.session.refresh(referral)
    assert referral.status is S.STEPPED_UP


def test_not_accepted_needs_a_reason_and_takes_no_services(
    senior, active_school, make_referral, services, auth
):
    referral = make_referral(active_school, by=senior, consent=True)
    response = auth.post(
        triage_url(referral),
        {"decision": "not_accepted", "reason": "Duplicate", "services": [str(services[0].id)]},
    )
    assert response.status_code == 400
    assert "Only select services when you signpost or step up" in text_of(response)
    response = auth.post(triage_url(referral), {"decision": "not_accepted", "reason": ""})
    assert response.status_code == 400
    assert "Enter the reason" in text_of(response)
    response = auth.post(
        triage_url(referral), {"decision": "not_accepted", "reason": "A duplicate of R000001"}
    )
    assert response.status_code == 302
    db.session.refresh(referral)
    assert referral.status is S.NOT_ACCEPTED
    assert signposts_of(referral) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select your decision"),
        ({"decision": "banana"}, "Select a decision from the list"),
        ({"decision": "allocated", "reason": "x"}, "Select a decision from the list"),
        ({"decision": "withdrawn", "reason": "x"}, "Select a decision from the list"),
        (
            {"decision": "signposted", "reason": "x", "services": ["999999"]},
            "Select services from the list",
        ),
        (
            {"decision": "signposted", "reason": "x", "services": ["1 OR 1=1"]},
            "Select services from the list",
        ),
        (
            {"decision": "signposted", "reason": "x", "other_service": "'; DROP TABLE referral;--"},
            "Select services from the list",
        ),
        ({"decision": "not_accepted", "reason": "x" * 5001}, "Enter 5,000 characters or fewer"),
    ],
)
def test_garbage_gets_a_clear_message_and_saves_nothing(
    data, message, senior, active_school, make_referral, services, auth
):
    referral = make_referral(active_school, by=senior, consent=True)
    count = events_of(referral)
    response = auth.post(triage_url(referral), data)
    assert response.status_code == 400
    assert message in text_of(response)
    db.session.refresh(referral)
    assert referral.status is S.READY_FOR_TRIAGE
    assert events_of(referral) == count
    assert signposts_of(referral) == []


def test_the_triage_page_shows_the_urgent_routes_while_the_risk_awaits_review(
    senior, world, client
):
    page = client.get(triage_url(world.referral_a1))
    text = text_of(page)
    assert "Urgent help" in text
    assert "NHS 111 (select option 2)" in text
    assert "Self-harm" in text
    assert "Review the risk now" in text
    assert world.referral_a1.child.full_name in text
    assert reads_of(senior, world.referral_a1) == 1


# ---- risk review --------------------------------------------------------------------


def test_a_risk_review_needs_notes_then_the_referral_no_longer_awaits_it(
    senior, world, auth, client
):
    referral = world.referral_a1
    page = client.get(review_url(referral))
    assert page.status_code == 200
    text = text_of(page)
    assert "Same-day risk review" in text
    assert "Self-harm" in text
    assert "999 and A&E" in text
    assert "CAMHS Crisis Team" in text

    response = auth.post(review_url(referral), {"notes": "   "})
    assert response.status_code == 400
    assert "Enter what you found and what you did" in text_of(response)
    db.session.refresh(referral)
    assert referral.awaiting_risk_review

    response = auth.post(
        review_url(referral), {"notes": "Spoke to the parent; the child is safe today."}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/referrals/triage"
    db.session.refresh(referral)
    assert not referral.awaiting_risk_review
    assert referral.risk_reviewed_by_id == senior.id
    assert referral.risk_review_notes == "Spoke to the parent; the child is safe today."

    page = client.get(review_url(referral))
    assert page.status_code == 200
    assert "already been reviewed" in text_of(page)
    assert "Spoke to the parent; the child is safe today." in text_of(page)
    assert soup_of(page).select_one("textarea") is None
    # A second review changes nothing.
    assert auth.post(review_url(referral), {"notes": "Again"}).status_code == 200
    db.session.refresh(referral)
    assert referral.risk_review_notes == "Spoke to the parent; the child is safe today."


def test_a_referral_without_risk_needs_no_review(
    senior, active_school, make_referral, auth, client
):
    referral = make_referral(active_school, by=senior, consent=True)
    page = client.get(review_url(referral))
    assert page.status_code == 200
    assert "No risk review needed" in text_of(page)
    assert soup_of(page).select_one("textarea") is None
    assert auth.post(review_url(referral), {"notes": "Nothing"}).status_code == 200
    db.session.refresh(referral)
    assert referral.risk_reviewed_at is None


def test_only_senior_clinicians_triage(world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    assert client.get("/referrals/triage").status_code == 403
    response = auth.post(triage_url(world.referral_a1), {"decision": "not_accepted"})
    assert response.status_code == 403
    assert auth.post(review_url(world.referral_a1), {"notes": "Looked"}).status_code == 403
    db.session.refresh(world.referral_a1)
    assert world.referral_a1.status is S.READY_FOR_TRIAGE
    assert world.referral_a1.awaiting_risk_review


def test_a_referral_with_a_positive_risk_screen_is_accepted_only_after_its_review(
    senior, active_school, make_referral, auth, client
):
    referral = make_referral(active_school, by=senior, consent=True, risks=(RiskItem.SELF_HARM,))
    response = auth.post(triage_url(referral), {"decision": "accepted"})
    assert response.status_code == 400
    assert "Review the risk first" in text_of(response)
    db.session.refresh(referral)
    assert referral.status is S.READY_FOR_TRIAGE

    review = auth.post(
        f"/referrals/{referral.id}/risk-review", {"notes": "Safety plan agreed with the family."}
    )
    assert review.status_code == 302
    assert auth.post(triage_url(referral), {"decision": "accepted"}).status_code == 302
    db.session.refresh(referral)
    assert referral.status is S.ACCEPTED


def test_a_withdrawn_referral_cannot_be_triaged(senior, world, auth, client):
    referral = world.referral_a1
    operations.withdraw_referral(referral, by=senior, reason="The family moved away.")
    db.session.commit()
    page = client.get(triage_url(referral))
    assert page.status_code == 200
    assert f"Referral {referral.reference} cannot be triaged" in text_of(page)
    assert soup_of(page).select_one("form input[name=decision]") is None
