"""A school's lead refers a pupil; staff record referrals from other sources; bad input
gets a clear message, keeps what was typed and saves nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.models import (
    Child,
    ChildAgrees,
    Duration,
    Ethnicity,
    Gender,
    Impact,
    Need,
    Referral,
    ReferralSource,
    ReferralStatus,
    RiskItem,
    YearGroup,
)
from mhst.schools.models import ParticipationStatus

NEW_URL = "/referrals/new"
RECORD_URL = "/referrals/record"
SCRIPT = "<script>alert(1)</script>"


def referral_data(**changes) -> dict:
    """A full, valid referral of a 12-year-old (whatever today is), as the lead posts it."""
    data = {
        "given_name": "Alex",
        "family_name": "Invented",
        "date_of_birth-day": "15",
        "date_of_birth-month": "1",
        "date_of_birth-year": str(service_today().year - 12),
        "year_group": YearGroup.YEAR_8.value,
        "gender": Gender.NON_BINARY.value,
        "ethnicity": Ethnicity.R.value,
        "nhs_number": "",
        "parent_carer_name": "Sam Invented",
        "parent_carer_relationship": "Mother",
        "parent_carer_phone": "01632 960000",
        "parent_carer_email": "sam@invented.example",
        "needs": [Need.WORRY.value, Need.SLEEP_DIFFICULTIES.value, Need.OTHER.value],
        "need_other": "Struggles after moving house",
        "needs_detail": "Worries about tests and avoids lessons with presentations.",
        "duration": Duration.THREE_TO_SIX_MONTHS.value,
        "impact": Impact.QUITE_A_LOT.value,
        "already_tried": "Time with the pastoral lead each week.",
        "risks": ["none"],
        "risk_detail": "",
        "discussed_with_team": "y",
        "child_agrees": ChildAgrees.YES.value,
    }
    return {**data, **changes}


def record_data(school, **changes) -> dict:
    """A GP's referral, recorded by staff."""
    received = service_today() - timedelta(days=3)
    data = referral_data(
        source=ReferralSource.GP.value,
        referrer_name="Dr Ima Invented",
        referrer_contact="01632 960111",
        **{
            "received_on-day": str(received.day),
            "received_on-month": str(received.month),
            "received_on-year": str(received.year),
        },
        school_id=str(school.id),
        in_education="yes",
        discussed_with_team="",
    )
    return {**data, **changes}


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Child)),
        db.session.scalar(select(func.count()).select_from(Referral)),
    )


def latest_referral() -> Referral:
    return db.session.scalars(select(Referral).order_by(Referral.id.desc()).limit(1)).one()


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(response) -> str:
    return soup_of(response).get_text(" ", strip=True)


def summary_errors(response) -> dict[str, str]:
    """The error summary as {link target: message}."""
    links = soup_of(response).select(".nhsuk-error-summary a")
    return {a["href"].removeprefix("#"): a.get_text(strip=True) for a in links}


def input_value(response, name: str) -> str | None:
    element = soup_of(response).find(attrs={"name": name})
    if element is None:
        return None
    if element.name == "textarea":
        return element.get_text()
    if element.name == "select":
        chosen = element.find("option", selected=True)
        return chosen["value"] if chosen else None
    return element.get("value")


def checked_values(response, name: str) -> set[str]:
    return {
        box["value"]
        for box in soup_of(response).find_all("input", attrs={"name": name})
        if box.has_attr("checked")
    }


@pytest.fixture
def lead(world, auth):
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    return world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]


@pytest.fixture
def emhp(world, auth):
    auth.sign_in(world.users[Role.EMHP].email)
    return world.users[Role.EMHP]


def make_active(school) -> None:
    school.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()


# ---- the lead's referral -------------------------------------------------------------


def test_the_form_has_its_sections_in_order(lead, client):
    response = client.get(NEW_URL)
    assert response.status_code == 200
    soup = soup_of(response)
    assert [h2.get_text(strip=True) for h2 in soup.select("main h2")] == [
        "The child",
        "Parent or carer",
        "What the child needs help with",
        "Risk",
        "Agreement",
    ]
    assert soup.find("input", attrs={"name": "risks", "value": "none"})["data-behaviour"] == (
        "exclusive"
    )
    assert "10 numbers, for example 485 777 3456" in text_of(response)
    assert "call 999" in text_of(response)
    assert soup.find("select", attrs={"name": "ethnicity"}).find("option")["value"] == ""
    assert soup.find(attrs={"name": "school_id"}) is None  # the lead's school is their own
    assert soup.select_one("main button").get_text(strip=True) == "Send referral"


def test_the_lead_refers_a_pupil(lead, world, auth, client):
    make_active(world.school_a1)
    # Not the world's Alex Invented of school A1, whom the team already knows (a referral
    # for a known child is linked to their record: tests/test_child_identity.py).
    world.referral_a1.child.date_of_birth = date(service_today().year - 12, 1, 16)
    before = counts()
    response = auth.post(NEW_URL, referral_data())
    assert response.status_code == 302
    referral = latest_referral()
    assert response.headers["Location"] == f"/referrals/{referral.id}/submitted"
    assert counts() == (before[0] + 1, before[1] + 1)

    child = referral.child
    assert (child.given_name, child.family_name) == ("Alex", "Invented")
    assert child.date_of_birth == date(service_today().year - 12, 1, 15)
    assert (child.year_group, child.gender, child.ethnicity) == (
        YearGroup.YEAR_8,
        Gender.NON_BINARY,
        Ethnicity.R,
    )
    assert child.nhs_number is None
    assert child.school_id == world.school_a1.id
    assert (child.parent_carer_name, child.parent_carer_email) == (
        "Sam Invented",
        "sam@invented.example",
    )
    assert referral.school_id == world.school_a1.id
    assert referral.source is ReferralSource.SCHOOL
    assert referral.submitted_by_id == lead.id
    assert referral.received_on == service_today()
    assert referral.needs == [Need.WORRY, Need.SLEEP_DIFFICULTIES, Need.OTHER]
    assert referral.need_other == "Struggles after moving house"
    assert referral.risks == []
    assert referral.high_risk is False
    assert (referral.duration, referral.impact) == (
        Duration.THREE_TO_SIX_MONTHS,
        Impact.QUITE_A_LOT,
    )
    assert referral.discussed_with_team is True
    assert referral.child_agrees is ChildAgrees.YES
    assert referral.eligible is True
    assert referral.ineligible_reason is None
    assert referral.status is ReferralStatus.AWAITING_CONSENT
    created = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "referral",
            AuditEvent.record_id == str(referral.id),
            AuditEvent.action == AuditAction.CREATE,
        )
    ).one()
    assert created.user_id == lead.id

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    text = text_of(page)
    assert "Referral sent" in text
    assert referral.reference in text
    assert "Urgent help" not in text
    assert "cannot be seen" not in text
    assert "The team will ask the parent or carer for their consent" in text
    links = {a.get_text(strip=True): a["href"] for a in soup_of(page).select("main a")}
    assert links["View the referral"] == f"/referrals/{referral.id}"
    assert links["Refer another child"] == NEW_URL
    assert "Record another referral" not in links
    # Reading the page is audit-logged, and committed.
    reads = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "referral",
            AuditEvent.record_id == str(referral.id),
            AuditEvent.action == AuditAction.READ,
        )
    ).all()
    assert [event.user_id for event in reads] == [lead.id]


def test_a_high_risk_referral_shows_the_urgent_routes_first(lead, world, auth, client):
    make_active(world.school_a1)
    data = referral_data(
        risks=[RiskItem.SELF_HARM.value, RiskItem.THOUGHTS_OF_SUICIDE.value],
        risk_detail="Told a teacher about cutting.",
    )
    response = auth.post(NEW_URL, data)
    assert response.status_code == 302
    referral = latest_referral()
    assert referral.high_risk is True
    assert referral.risks == [RiskItem.SELF_HARM, RiskItem.THOUGHTS_OF_SUICIDE]
    assert referral.risk_detail == "Told a teacher about cutting."

    text = text_of(client.get(response.headers["Location"]))
    for route in ("999", "NHS 111", "CAMHS Crisis"):
        assert route in text
    assert "flagged for a same-day review by a senior clinician" in text
    assert text.index("Urgent help") < text.index("What happens next")


def test_a_referral_from_a_school_that_is_not_active_is_recorded_as_ineligible(
    lead, world, auth, client
):
    assert world.school_a1.participation_status is not ParticipationStatus.ACTIVE
    response = auth.post(NEW_URL, referral_data())
    assert response.status_code == 302
    referral = latest_referral()
    assert referral.eligible is False
    assert "School A1 is not an active participating school" in referral.ineligible_reason
    text = text_of(client.get(response.headers["Location"]))
    assert "cannot be seen by the Mental Health Support Team" in text
    assert "School A1 is not an active participating school" in text
    assert "signpost" in text


def test_a_child_aged_4_is_recorded_as_ineligible(lead, world, auth, client):
    make_active(world.school_a1)
    born = service_today().replace(day=1) - timedelta(days=4 * 365 + 40)
    data = referral_data(
        **{
            "date_of_birth-day": str(born.day),
            "date_of_birth-month": str(born.month),
            "date_of_birth-year": str(born.year),
        },
        year_group=YearGroup.RECEPTION.value,
    )
    response = auth.post(NEW_URL, data)
    assert response.status_code == 302
    referral = latest_referral()
    assert referral.eligible is False
    assert referral.ineligible_reason.startswith("Aged 4:")
    text = text_of(client.get(response.headers["Location"]))
    assert "cannot be seen by the Mental Health Support Team" in text
    assert "Aged 4" in text


def test_the_lead_cannot_choose_another_school(lead, world, auth):
    response = auth.post(NEW_URL, referral_data(school_id=str(world.school_b1.id)))
    assert response.status_code == 302
    referral = latest_referral()
    assert referral.school_id == world.school_a1.id
    assert referral.child.school_id == world.school_a1.id


def test_a_lead_cannot_see_the_submitted_page_of_another_schools_referral(
    world, make_referral, auth, client
):
    other = make_referral(world.school_b1, by=world.users[Role.CLINICAL_LEAD])
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    assert client.get(f"/referrals/{other.id}/submitted").status_code == 404
    assert client.get(f"/referrals/{world.referral_a1.id}/submitted").status_code == 200


# ---- staff record a referral ---------------------------------------------------------


def test_staff_record_a_gp_referral_for_a_team_school(emhp, world, auth, client):
    form = client.get(RECORD_URL)
    assert form.status_code == 200
    options = [
        o.get_text(strip=True) for o in soup_of(form).select("select[name=school_id] option")
    ]
    assert options == ["Select a school", "School A1", "School A2"]  # team A's, by name
    assert input_value(form, "received_on-year") == str(service_today().year)  # today

    response = auth.post(RECORD_URL, record_data(world.school_a2))
    assert response.status_code == 302
    referral = latest_referral()
    assert referral.school_id == world.school_a2.id
    assert referral.source is ReferralSource.GP
    assert referral.referrer_name == "Dr Ima Invented"
    assert referral.referrer_contact == "01632 960111"
    assert referral.received_on == service_today() - timedelta(days=3)
    assert referral.in_education is True
    assert referral.discussed_with_team is False  # only asked of a school's referral
    assert referral.submitted_by_id == emhp.id
    assert referral.status is ReferralStatus.AWAITING_CONSENT

    page = client.get(response.headers["Location"])
    links = {a.get_text(strip=True): a["href"] for a in soup_of(page).select("main a")}
    assert links["Record another referral"] == RECORD_URL
    assert "Refer another child" not in links


def test_a_child_not_in_education_is_recorded_as_ineligible(emhp, world, auth):
    make_active(world.school_a2)
    response = auth.post(RECORD_URL, record_data(world.school_a2, in_education="no"))
    assert response.status_code == 302
    referral = latest_referral()
    assert (referral.in_education, referral.eligible) == (False, False)
    assert referral.ineligible_reason == "Not in education"


@pytest.mark.parametrize("school_id", ["b1", "99999", "abc", ""])
def test_staff_cannot_record_a_referral_for_a_school_outside_their_team(
    school_id, emhp, world, auth
):
    value = str(world.school_b1.id) if school_id == "b1" else school_id
    before = counts()
    response = auth.post(RECORD_URL, record_data(world.school_a1, school_id=value))
    assert response.status_code == 400
    expected = (
        "Select the school the child attends" if not value else "Select a school from the list"
    )
    assert summary_errors(response) == {"school_id": expected}
    assert counts() == before


def test_a_schools_referral_recorded_by_staff_needs_the_discussion(emhp, world, auth):
    before = counts()
    data = record_data(world.school_a1, source=ReferralSource.SCHOOL.value, referrer_name="")
    response = auth.post(RECORD_URL, data)
    assert response.status_code == 400
    assert summary_errors(response) == {
        "discussed_with_team": (
            "Discuss the child with the Mental Health Support Team before you refer"
        )
    }
    assert counts() == before
    response = auth.post(RECORD_URL, {**data, "discussed_with_team": "y"})
    assert response.status_code == 302
    assert latest_referral().source is ReferralSource.SCHOOL


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"referrer_name": ""}, "referrer_name", "Enter who made the referral"),
        ({"source": "carrier_pigeon"}, "source", "Select who made the referral from the list"),
        ({"in_education": "maybe"}, "in_education", "Select whether the child is in education"),
        (
            {"received_on-year": str(service_today().year + 1)},
            "received_on",
            "The date the referral was received must not be in the future",
        ),
        (
            {"received_on-day": "", "received_on-month": "", "received_on-year": ""},
            "received_on",
            "Enter the date the referral was received",
        ),
        (
            {"referrer_name": "x" * 201},
            "referrer_name",
            "The referrer's name must be 200 characters or fewer",
        ),
    ],
)
def test_bad_input_on_the_staff_form(changes, field, message, emhp, world, auth):
    before = counts()
    response = auth.post(RECORD_URL, record_data(world.school_a1, **changes))
    assert response.status_code == 400
    assert summary_errors(response) == {field: message}
    assert counts() == before
    assert input_value(response, "given_name") == "Alex"
    assert input_value(response, "school_id") == str(world.school_a1.id)


# ---- bad input -----------------------------------------------------------------------


def _dob(day, month, year) -> dict:
    return {
        "date_of_birth-day": str(day),
        "date_of_birth-month": str(month),
        "date_of_birth-year": str(year),
    }


TODAY = service_today()

BAD_INPUT = [
    (_dob(1, 1, TODAY.year + 1), "date_of_birth", "Date of birth must be in the past"),
    (
        _dob(1, 1, TODAY.year - 200),
        "date_of_birth",
        "Date of birth must be within the last 30 years: check the year",
    ),
    (_dob(31, 2, 2015), "date_of_birth", "The child's date of birth must be a real date"),
    (_dob("", "", ""), "date_of_birth", "Enter the child's date of birth"),
    (
        {"nhs_number": "9434765918"},  # 943 476 5919 with the wrong check digit
        "nhs_number",
        "Enter a valid NHS number: check it against a letter or the NHS App",
    ),
    (
        {"nhs_number": "485 777 3456"},  # the hint's example: its check digit is 7
        "nhs_number",
        "Enter a valid NHS number: check it against a letter or the NHS App",
    ),
    ({"nhs_number": "485777345A"}, "nhs_number", "NHS number must only include numbers"),
    ({"nhs_number": "485 777 345"}, "nhs_number", "NHS number must be 10 numbers"),
    (
        {"parent_carer_name": "", "parent_carer_phone": "", "parent_carer_email": ""},
        "parent_carer_name",
        "Enter a parent or carer's name and a phone number or email: the team needs "
        "their consent for a child under 16",
    ),
    (
        {"parent_carer_phone": "", "parent_carer_email": ""},
        "parent_carer_phone",
        "Enter a parent or carer's name and a phone number or email: the team needs "
        "their consent for a child under 16",
    ),
    (
        {"parent_carer_email": "not an email"},
        "parent_carer_email",
        "Enter an email address in the correct format, like name@example.org",
    ),
    ({"gender": "robot"}, "gender", "Select the child's gender from the list"),
    ({"year_group": "year_99"}, "year_group", "Select the child's year group from the list"),
    ({"ethnicity": "Q"}, "ethnicity", "Select the child's ethnicity from the list"),
    ({"duration": "forever"}, "duration", "Select how long this has been going on from the list"),
    ({"impact": "enormous"}, "impact", "Select how much it affects the child from the list"),
    (
        {"child_agrees": "perhaps"},
        "child_agrees",
        "Select whether the child agrees to the referral from the list",
    ),
    (
        {"needs": [Need.WORRY.value, "flying"]},
        "needs",
        "Select what the child needs help with from the list",
    ),
    (
        {"risks": ["dragons"]},
        "risks",
        "Select risks from the list, or select 'None of these'",
    ),
    (
        {"risks": ["none", RiskItem.SELF_HARM.value]},
        "risks",
        "Select either risks or 'None of these', not both",
    ),
    ({"risks": []}, "risks", "Select any risks, or select 'None of these'"),
    ({"need_other": ""}, "need_other", "Describe the other need"),
    (
        {"needs_detail": "x" * 5001},
        "needs_detail",
        "What you have noticed must be 5000 characters or fewer",
    ),
    (
        {"already_tried": "x" * 5001},
        "already_tried",
        "What has been tried already must be 5000 characters or fewer",
    ),
    (
        {"risk_detail": "x" * 5001},
        "risk_detail",
        "What you tell us about risk must be 5000 characters or fewer",
    ),
    ({"given_name": "x" * 101}, "given_name", "First name must be 100 characters or fewer"),
    ({"family_name": "x" * 101}, "family_name", "Last name must be 100 characters or fewer"),
    (
        {"parent_carer_name": "x" * 201},
        "parent_carer_name",
        "The parent or carer's name must be 200 characters or fewer",
    ),
    (
        {"parent_carer_phone": "1" * 41},
        "parent_carer_phone",
        "The phone number must be 40 characters or fewer",
    ),
    (
        {"need_other": "x" * 501},
        "need_other",
        "The other need must be 500 characters or fewer",
    ),
    (
        {"discussed_with_team": ""},
        "discussed_with_team",
        "Discuss the child with the Mental Health Support Team before you refer",
    ),
]


@pytest.mark.parametrize(
    ("changes", "field", "message"), BAD_INPUT, ids=[f"{c[1]}-{i}" for i, c in enumerate(BAD_INPUT)]
)
def test_bad_input_gets_a_message_keeps_what_was_typed_and_saves_nothing(
    changes, field, message, lead, world, auth
):
    before = counts()
    data = referral_data(**changes)
    response = auth.post(NEW_URL, data)
    assert response.status_code == 400
    assert summary_errors(response) == {field: message}
    soup = soup_of(response)
    assert soup.select_one(f"#{field}") is not None  # the summary's link has a target
    assert counts() == before
    # What was typed is shown again, including the bad answer itself.
    for name in ("date_of_birth-day", "date_of_birth-month", "date_of_birth-year"):
        assert (input_value(response, name) or "") == data[name]
    for name in ("given_name", "nhs_number", "parent_carer_phone", "needs_detail"):
        assert (input_value(response, name) or "") == data[name]
    assert input_value(response, "ethnicity") == (
        data["ethnicity"] if field != "ethnicity" else None
    )
    offered_needs = {need.value for need in Need}
    if field != "needs":
        assert checked_values(response, "needs") == set(data["needs"]) & offered_needs
    if field != "risks":
        assert checked_values(response, "risks") == set(data["risks"])
    if field not in {"gender", "impact"}:
        assert checked_values(response, "gender") == {data["gender"]}
        assert checked_values(response, "impact") == {data["impact"]}


def test_every_problem_with_an_empty_form_is_shown_at_once(lead, auth):
    response = auth.post(NEW_URL, {})
    assert response.status_code == 400
    assert list(summary_errors(response).items()) == [
        ("given_name", "Enter the child's first name"),
        ("family_name", "Enter the child's last name"),
        ("date_of_birth", "Enter the child's date of birth"),
        ("year_group", "Select the child's year group"),
        ("gender", "Select the child's gender"),
        ("needs", "Select what the child needs help with"),
        ("needs_detail", "Describe what you have noticed"),
        ("duration", "Select how long this has been going on"),
        ("impact", "Select how much it affects the child's day-to-day life"),
        ("already_tried", "Enter what has been tried already, or 'nothing yet'"),
        ("risks", "Select any risks, or select 'None of these'"),
        (
            "discussed_with_team",
            ("Discuss the child with the Mental Health Support Team before you refer"),
        ),
        ("child_agrees", "Select whether the child agrees to the referral"),
    ]


def test_the_staff_form_lists_its_own_problems_first(emhp, auth):
    response = auth.post(RECORD_URL, {})
    assert response.status_code == 400
    assert list(summary_errors(response))[:4] == [
        "source",
        "received_on",
        "school_id",
        "in_education",
    ]


@pytest.mark.parametrize("typed", ["943 476 5919", "9434765919", "485-777-3457"])
def test_a_valid_nhs_number_with_spaces_is_stored_as_ten_digits(typed, lead, auth):
    response = auth.post(NEW_URL, referral_data(nhs_number=typed))
    assert response.status_code == 302
    assert latest_referral().child.nhs_number == typed.replace(" ", "").replace("-", "")


def test_injection_strings_are_stored_as_typed_and_shown_escaped(lead, auth, client):
    drop = "'; DROP TABLE referral; --"
    response = auth.post(
        NEW_URL, referral_data(given_name=SCRIPT, family_name=drop, needs_detail=drop)
    )
    assert response.status_code == 302
    referral = latest_referral()
    assert (referral.child.given_name, referral.child.family_name) == (SCRIPT, drop)
    assert referral.needs_detail == drop
    assert counts()[1] >= 2  # the referral table is still there, with the world's referral

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT not in html


def test_a_young_person_of_16_is_told_they_consent_for_themselves(lead, world, auth, client):
    data = referral_data(
        **_dob(1, 1, TODAY.year - 17),
        year_group=YearGroup.YEAR_12.value,
        parent_carer_name="",
        parent_carer_phone="",
        parent_carer_email="",
    )
    response = auth.post(NEW_URL, data)
    assert response.status_code == 302
    text = text_of(client.get(response.headers["Location"]))
    assert "16 or over, so they consent for themselves" in text
