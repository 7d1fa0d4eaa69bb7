"""Recording and withdrawing consent, and withdrawing a referral, through the pages.

The consent gate itself is the domain's (``operations``); these tests show that the forms
reach it, that bad input is refused with a clear message and saves nothing, and that
after consent is withdrawn no form or crafted POST moves the referral on.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.rules import RuleError
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import operations
from mhst.referrals.models import (
    Consent,
    ConsentKind,
    ConsentMethod,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from mhst.schools.models import ParticipationStatus


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def links(response) -> dict[str, str]:
    return {
        " ".join(a.get_text(" ", strip=True).split()): a["href"]
        for a in soup_of(response).select("main a[href]")
    }


def born_aged(years: int) -> date:
    """A date of birth for a child exactly ``years`` old today (1 January has passed)."""
    return date(service_today().year - years, 1, 1)


def date_parts(name: str, value: date) -> dict[str, str]:
    return {
        f"{name}-day": str(value.day),
        f"{name}-month": str(value.month),
        f"{name}-year": str(value.year),
    }


def consent_data(**changes) -> dict:
    data = {
        "kind": "parent_carer",
        "given_by_name": "Sam Invented",
        "relationship_to_child": "Mother",
        **date_parts("given_on", service_today()),
        "method": "phone",
        "gillick_assessed_on-day": "",
        "gillick_assessed_on-month": "",
        "gillick_assessed_on-year": "",
        "gillick_assessment": "",
    }
    return {**data, **changes}


def gillick_data(**changes) -> dict:
    gillick = {
        "kind": "gillick",
        "given_by_name": "Alex Invented",
        "relationship_to_child": "",
        "method": "in_person",
        **date_parts("gillick_assessed_on", service_today()),
        "gillick_assessment": "Explained in her own words what the sessions involve and "
        "that she can stop at any time.",
    }
    return consent_data(**{**gillick, **changes})


def consents_of(referral) -> list[Consent]:
    return list(
        db.session.scalars(
            select(Consent).where(Consent.referral_id == referral.id).order_by(Consent.id)
        )
    )


def events_of(referral) -> int:
    return db.session.scalar(select(func.count()).where(ReferralEvent.referral_id == referral.id))


def status_of(referral) -> ReferralStatus:
    return db.session.scalar(select(Referral.status).where(Referral.id == referral.id))


@pytest.fixture
def waiting(world, make_referral):
    """School A1's lead refers a child; it waits for consent."""
    referral = make_referral(world.school_a1, by=world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD])
    assert referral.status is ReferralStatus.AWAITING_CONSENT
    return referral


@pytest.fixture
def aged(world, make_referral):
    """A referral waiting for consent, for a child of the given age."""

    def make(years: int):
        return make_referral(
            world.school_a1,
            by=world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD],
            child={"date_of_birth": born_aged(years)},
        )

    return make


def sign_in(auth, world, role: Role = Role.EMHP):
    assert auth.sign_in(world.users[role].email).status_code == 302
    return world.users[role]


# ---- recording consent ----------------------------------------------------------------


def test_a_parents_consent_moves_the_referral_on_to_triage(world, waiting, auth, client):
    emhp = sign_in(auth, world)
    url = f"/referrals/{waiting.id}/consent"
    page = client.get(url)
    assert page.status_code == 200
    text = text_of(page)
    assert "Record consent" in text
    assert "Alex Invented is 12" in text
    assert "From 16, the young person consents for themselves" in text

    response = auth.post(url, consent_data(method="in_writing"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/referrals/{waiting.id}"
    assert status_of(waiting) is ReferralStatus.READY_FOR_TRIAGE
    [consent] = consents_of(waiting)
    assert consent.kind is ConsentKind.PARENT_CARER
    assert (consent.given_by_name, consent.relationship_to_child) == ("Sam Invented", "Mother")
    assert consent.given_on == service_today()
    assert consent.method is ConsentMethod.IN_WRITING
    assert consent.recorded_by_id == emhp.id
    assert consent.gillick_assessed_on is None
    assert consent.gillick_assessment is None

    page = client.get(f"/referrals/{waiting.id}")
    text = text_of(page)
    banner = soup_of(page).select_one(".nhsuk-notification-banner").get_text(" ", strip=True)
    assert "Consent recorded. The referral is ready for triage" in banner
    history = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in soup_of(page).select("table tbody tr")
    ]
    assert [row[1] for row in history][-2:] == [
        "Consent recorded",
        "Awaiting consent to ready for triage",
    ]
    assert history[-2][2] == emhp.full_name
    assert "Sam Invented (Mother), in writing" in history[-2][3]


def test_more_consent_on_a_referral_already_past_the_gate_says_only_consent_recorded(
    world, auth, client
):
    sign_in(auth, world)
    url = f"/referrals/{world.referral_a1.id}/consent"
    response = auth.post(
        url, consent_data(given_by_name="Pat Invented", relationship_to_child="Father")
    )
    assert response.status_code == 302
    page = soup_of(client.get(f"/referrals/{world.referral_a1.id}"))
    banner = page.select_one(".nhsuk-notification-banner").get_text(" ", strip=True)
    assert "Consent recorded" in banner
    assert "ready for triage" not in banner  # it already was
    assert len(consents_of(world.referral_a1)) == 2


def test_a_young_person_of_16_or_over_consents_for_themselves(world, aged, auth, client):
    referral = aged(17)
    sign_in(auth, world)
    data = consent_data(
        kind="young_person",
        given_by_name="Alex Invented",
        relationship_to_child="left over from a parent's answer",
        method="in_person",
    )
    response = auth.post(f"/referrals/{referral.id}/consent", data)
    assert response.status_code == 302
    assert status_of(referral) is ReferralStatus.READY_FOR_TRIAGE
    [consent] = consents_of(referral)
    assert consent.kind is ConsentKind.YOUNG_PERSON
    assert consent.given_by_name == "Alex Invented"
    assert consent.relationship_to_child is None  # shown only for a parent or carer


def test_gillick_consent_for_a_13_year_old_with_an_assessment(world, aged, auth, client):
    referral = aged(13)
    senior = sign_in(auth, world, Role.SENIOR_CLINICIAN)
    assessed = service_today() - timedelta(days=2)
    data = gillick_data(**date_parts("gillick_assessed_on", assessed))
    response = auth.post(f"/referrals/{referral.id}/consent", data)
    assert response.status_code == 302
    assert status_of(referral) is ReferralStatus.READY_FOR_TRIAGE
    [consent] = consents_of(referral)
    assert consent.kind is ConsentKind.GILLICK
    assert consent.gillick_assessed_on == assessed
    assert consent.gillick_assessment.startswith("Explained in her own words")
    assert consent.recorded_by_id == senior.id
    text = text_of(client.get(f"/referrals/{referral.id}"))
    assert "Young person (12 to 15) assessed as Gillick competent" in text
    assert "Explained in her own words" in text


def test_gillick_answers_are_ignored_for_a_parents_consent(world, waiting, auth, client):
    sign_in(auth, world)
    data = consent_data(
        **{"gillick_assessed_on-day": "99", "gillick_assessed_on-month": "x"},
        gillick_assessment="typed before choosing a parent",
    )
    response = auth.post(f"/referrals/{waiting.id}/consent", data)
    assert response.status_code == 302
    [consent] = consents_of(waiting)
    assert consent.gillick_assessed_on is None
    assert consent.gillick_assessment is None


TOMORROW = service_today() + timedelta(days=1)


NO_GILLICK_DATE = {
    "gillick_assessed_on-day": "",
    "gillick_assessed_on-month": "",
    "gillick_assessed_on-year": "",
}
BAD_CONSENT = [
    (
        12,
        consent_data(given_by_name=""),
        "given_by_name",
        "Enter the name of the person who gave consent",
    ),
    (
        12,
        consent_data(relationship_to_child=""),
        "relationship_to_child",
        "Enter their relationship to the child",
    ),
    (
        12,
        consent_data(**date_parts("given_on", TOMORROW)),
        "given_on",
        "The date consent was given must not be in the future",
    ),
    (
        12,
        consent_data(**{"given_on-day": "", "given_on-month": "", "given_on-year": ""}),
        "given_on",
        "Enter the date consent was given",
    ),
    (
        12,
        consent_data(**{"given_on-day": "31", "given_on-month": "2"}),
        "given_on",
        "The date consent was given must be a real date",
    ),
    (
        12,
        consent_data(**date_parts("given_on", date(2001, 5, 5))),
        "given_on",
        "The date consent was given must be after the child's birth",
    ),
    (
        16,
        consent_data(),
        "kind",
        "The young person was 16: from 16 they consent for themselves",
    ),
    (
        14,
        consent_data(kind="young_person", given_by_name="Alex Invented"),
        "kind",
        "The young person was 14: under 16 a parent or carer consents",
    ),
    (
        10,
        gillick_data(),
        "kind",
        "The young person was 10: a Gillick assessment is for ages 12 to 15",
    ),
    (
        13,
        gillick_data(gillick_assessment=""),
        "gillick_assessment",
        "Describe how the young person showed they understand what they are agreeing to",
    ),
    (
        13,
        gillick_data(**NO_GILLICK_DATE),
        "gillick_assessed_on",
        "Enter the date of the Gillick assessment",
    ),
    (
        13,
        gillick_data(**date_parts("gillick_assessed_on", TOMORROW)),
        "gillick_assessed_on",
        "The date of the Gillick assessment must not be in the future",
    ),
    (12, consent_data(kind="guardian"), "kind", "Select who gave consent from the list"),
    (12, consent_data(kind=""), "kind", "Select who gave consent"),
    (12, consent_data(method=""), "method", "Select how consent was given"),
    (
        12,
        consent_data(method="carrier pigeon"),
        "method",
        "Select how consent was given from the list",
    ),
    (
        12,
        consent_data(given_by_name="N" * 201),
        "given_by_name",
        "The name must be 200 characters or fewer",
    ),
    (
        12,
        consent_data(relationship_to_child="R" * 101),
        "relationship_to_child",
        "The relationship must be 100 characters or fewer",
    ),
    (
        13,
        gillick_data(gillick_assessment="A" * 5001),
        "gillick_assessment",
        "The assessment must be 5,000 characters or fewer",
    ),
]


@pytest.mark.parametrize(("age", "data", "field", "message"), BAD_CONSENT)
def test_bad_consent_is_refused_keeps_what_was_typed_and_saves_nothing(
    age, data, field, message, world, aged, auth, client
):
    referral = aged(age)
    events = events_of(referral)
    sign_in(auth, world)
    response = auth.post(f"/referrals/{referral.id}/consent", data)
    assert response.status_code == 400
    soup = soup_of(response)
    assert soup.title.get_text().startswith("Error: Record consent")
    link = soup.select_one(f".nhsuk-error-summary a[href='#{field}']")
    assert link is not None, soup.select_one(".nhsuk-error-summary").get_text(" ", strip=True)
    assert link.get_text(strip=True) == message
    assert soup.select_one(f"#{field}") is not None  # the link goes somewhere
    # What was typed is still there.
    assert soup.find("input", attrs={"name": "given_by_name"})["value"] == data["given_by_name"]
    assert soup.find("input", attrs={"name": "given_on-day"})["value"] == data["given_on-day"]
    assert soup.find("input", attrs={"name": "given_on-year"})["value"] == data["given_on-year"]
    if data["kind"] in {kind.value for kind in ConsentKind}:
        checked = soup.find("input", attrs={"name": "kind", "checked": True})
        assert checked["value"] == data["kind"]
    typed_assessment = soup.find("textarea", attrs={"name": "gillick_assessment"}).get_text()
    assert typed_assessment == data["gillick_assessment"]
    # Nothing was saved.
    assert consents_of(referral) == []
    assert status_of(referral) is ReferralStatus.AWAITING_CONSENT
    assert events_of(referral) == events


def test_a_refused_consent_still_logs_the_read_of_the_record(world, waiting, auth, client):
    emhp = sign_in(auth, world)
    response = auth.post(
        f"/referrals/{waiting.id}/consent", consent_data(**date_parts("given_on", TOMORROW))
    )
    assert response.status_code == 400
    reads = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.user_id == emhp.id,
            AuditEvent.action == AuditAction.READ,
            AuditEvent.record_type == "referral",
            AuditEvent.record_id == str(waiting.id),
        )
    ).all()
    assert len(reads) == 1


def test_typed_text_is_saved_as_typed_and_shown_escaped(world, waiting, auth, client):
    sign_in(auth, world)
    name = "<script>alert(1)</script> O'Brien'); DROP TABLE consent;--"
    response = auth.post(f"/referrals/{waiting.id}/consent", consent_data(given_by_name=name))
    assert response.status_code == 302
    assert consents_of(waiting)[0].given_by_name == name
    html = client.get(f"/referrals/{waiting.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_refused_form_escapes_what_it_shows_again(world, waiting, auth, client):
    sign_in(auth, world)
    data = consent_data(kind="gillick", gillick_assessment="</textarea><script>alert(1)</script>")
    response = auth.post(f"/referrals/{waiting.id}/consent", data)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


# ---- withdrawing consent --------------------------------------------------------------


@pytest.fixture
def withdrawn(world, auth, client):
    """The senior clinician withdraws the parent's consent on school A1's referral (which
    nobody holds yet), through the page."""
    sign_in(auth, world, Role.SENIOR_CLINICIAN)
    referral, consent = world.referral_a1, world.consent_a1
    url = f"/referrals/{referral.id}/consent/{consent.id}/withdraw"
    response = auth.post(url, {"reason": "Mother phoned: the family have moved away"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/referrals/{referral.id}"
    return referral


def test_the_withdrawal_page_explains_what_happens(world, auth, client):
    sign_in(auth, world, Role.SENIOR_CLINICIAN)
    url = f"/referrals/{world.referral_a1.id}/consent/{world.consent_a1.id}/withdraw"
    response = client.get(url)
    assert response.status_code == 200
    text = text_of(response)
    assert "Withdraw consent" in text
    assert "Withdrawing consent stops all further work" in text
    assert "The referral will be closed as withdrawn" in text


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter why consent was withdrawn"),
        ("   ", "Enter why consent was withdrawn"),
        ("x" * 5001, "The reason must be 5,000 characters or fewer"),
    ],
)
def test_withdrawing_consent_needs_a_reason(reason, message, world, auth, client):
    sign_in(auth, world, Role.SENIOR_CLINICIAN)
    url = f"/referrals/{world.referral_a1.id}/consent/{world.consent_a1.id}/withdraw"
    response = auth.post(url, {"reason": reason})
    assert response.status_code == 400
    link = soup_of(response).select_one(".nhsuk-error-summary a[href='#reason']")
    assert link.get_text(strip=True) == message
    assert db.session.get(Consent, world.consent_a1.id).withdrawn_at is None
    assert status_of(world.referral_a1) is ReferralStatus.READY_FOR_TRIAGE


def test_withdrawing_consent_closes_the_referral_with_the_reason(world, withdrawn, client):
    consent = db.session.get(Consent, world.consent_a1.id)
    assert consent.withdrawn_at is not None
    assert consent.withdrawal_reason == "Mother phoned: the family have moved away"
    assert consent.withdrawn_by_id == world.users[Role.SENIOR_CLINICIAN].id
    referral = db.session.get(Referral, withdrawn.id)
    assert referral.status is ReferralStatus.WITHDRAWN
    assert referral.closed_on == service_today()
    last = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id.desc())
    ).first()
    assert last.to_status is ReferralStatus.WITHDRAWN
    assert last.reason == "Consent withdrawn: Mother phoned: the family have moved away"

    page = client.get(f"/referrals/{referral.id}")
    text = text_of(page)
    assert "Consent withdrawn. The referral is closed" in text
    assert "Valid No: Consent was withdrawn" in text
    history = [row.get_text(" ", strip=True) for row in soup_of(page).select("table tbody tr")]
    assert "Consent withdrawn" in history[-2]
    assert "Mother phoned: the family have moved away" in history[-2]
    assert "Ready for triage to withdrawn" in history[-1]
    found = links(page)
    for gone in ("Record consent", "Withdraw consent given by Sam Invented", "Withdraw referral"):
        assert gone not in found


def test_after_withdrawal_no_consent_can_be_recorded(world, withdrawn, auth, client):
    url = f"/referrals/{withdrawn.id}/consent"
    page = client.get(url)
    assert "Consent cannot be recorded on this referral" in text_of(page)
    response = auth.post(
        url, consent_data(given_by_name="Pat Invented", relationship_to_child="Father")
    )
    assert response.status_code == 400
    assert "Consent was withdrawn on this referral" in text_of(response)
    assert [c.given_by_name for c in consents_of(withdrawn)] == ["Sam Invented"]
    assert status_of(withdrawn) is ReferralStatus.WITHDRAWN


def test_after_withdrawal_triage_cannot_accept_it(world, withdrawn, auth, client):
    world.school_a1.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    auth.sign_out()
    senior = sign_in(auth, world, Role.SENIOR_CLINICIAN)
    events = events_of(withdrawn)
    response = auth.post(
        f"/referrals/{withdrawn.id}/triage", {"decision": "accepted", "reason": "Crafted"}
    )
    assert response.status_code != 500
    assert status_of(withdrawn) is ReferralStatus.WITHDRAWN
    assert events_of(withdrawn) == events
    # And in the domain: the state machine and the consent gate both refuse.
    referral = db.session.get(Referral, withdrawn.id)
    with pytest.raises(RuleError):
        operations.transition(referral, ReferralStatus.ACCEPTED, by=senior, reason="Crafted")
    with pytest.raises(operations.ConsentRequired, match="Consent was withdrawn"):
        operations.require_valid_consent(referral)
    with pytest.raises(operations.ConsentRequired):
        operations.triage(referral, ReferralStatus.ACCEPTED, by=senior, reason="Crafted")
    db.session.rollback()
    assert status_of(withdrawn) is ReferralStatus.WITHDRAWN


def test_consent_cannot_be_withdrawn_twice(world, withdrawn, auth):
    url = f"/referrals/{withdrawn.id}/consent/{world.consent_a1.id}/withdraw"
    response = auth.post(url, {"reason": "Again"})
    assert response.status_code == 400
    assert "This consent has already been withdrawn" in text_of(response)
    assert db.session.get(Consent, world.consent_a1.id).withdrawal_reason == (
        "Mother phoned: the family have moved away"
    )


def test_an_unknown_consent_is_not_found(world, auth, client):
    sign_in(auth, world)
    url = f"/referrals/{world.referral_a1.id}/consent/999999/withdraw"
    assert client.get(url).status_code == 404


# ---- withdrawing the referral ---------------------------------------------------------


def test_staff_withdraw_a_referral_with_a_reason(world, waiting, auth, client):
    emhp = sign_in(auth, world)
    url = f"/referrals/{waiting.id}/withdraw"
    assert client.get(url).status_code == 200

    response = auth.post(url, {"reason": ""})
    assert response.status_code == 400
    link = soup_of(response).select_one(".nhsuk-error-summary a[href='#reason']")
    assert link.get_text(strip=True) == "Enter why the referral is withdrawn"
    assert status_of(waiting) is ReferralStatus.AWAITING_CONSENT

    response = auth.post(url, {"reason": "Parent asked for help elsewhere"})
    assert response.status_code == 302
    assert status_of(waiting) is ReferralStatus.WITHDRAWN
    page = client.get(f"/referrals/{waiting.id}")
    text = text_of(page)
    assert "Referral withdrawn" in text
    last = soup_of(page).select("table tbody tr")[-1].get_text(" ", strip=True)
    assert "Awaiting consent to withdrawn" in last
    assert emhp.full_name in last
    assert "Parent asked for help elsewhere" in last

    # Already closed: a second, crafted withdrawal shows why it is refused.
    events = events_of(waiting)
    response = auth.post(url, {"reason": "Again"})
    assert response.status_code == 400
    assert "A referral that is withdrawn cannot be moved to withdrawn" in text_of(response)
    assert events_of(waiting) == events


def test_the_lead_withdraws_their_schools_referral(world, waiting, auth, client):
    sign_in(auth, world, Role.SCHOOL_MENTAL_HEALTH_LEAD)
    page = client.get(f"/referrals/{waiting.id}")
    url = links(page)["Withdraw this referral"]
    form = client.get(url)
    assert form.status_code == 200
    assert soup_of(form).h1.get_text(strip=True) == "Withdraw this referral"
    response = auth.post(url, {"reason": "REASON-HERON the family found a counsellor"})
    assert response.status_code == 302
    assert status_of(waiting) is ReferralStatus.WITHDRAWN
    text = text_of(client.get(f"/referrals/{waiting.id}"))
    assert "Referral withdrawn" in text
    assert "Status Withdrawn" in text
    assert "REASON-HERON" not in text  # the lead's history shows statuses only
    assert "Withdraw this referral" not in text
