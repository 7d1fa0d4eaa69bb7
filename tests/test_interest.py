"""A school not yet in the programme registers its interest on a public page; an
administrator accepts it (the school waits for a cohort) or declines it with a reason."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.schools import interest
from mhst.schools.models import (
    InterestRegistration,
    InterestStatus,
    ParticipationEvent,
    ParticipationStatus,
    School,
)
from mhst.schools.operations import change_participation
from tests.conftest import csrf_token_from

JOIN = "/join"


def form_data(world, **changes) -> dict:
    data = {
        "school_name": "Brook Lane Primary",
        "urn": "654321",
        "area_id": str(world.area_b.id),
        "contact_name": "Sam Brook",
        "contact_role": "Headteacher",
        "contact_email": "sam@brook.example",
        "pupils_on_roll": "1,230",
        "message": "We would like help with anxiety before SATs.",
    }
    return {**data, **changes}


def post_join(client, data):
    """Send the public form as a visitor would: with the token from the page itself."""
    token = csrf_token_from(client.get(JOIN).get_data(as_text=True))
    return client.post(JOIN, data={**data, "csrf_token": token})


def registrations_for(urn: str) -> list[InterestRegistration]:
    return list(
        db.session.scalars(select(InterestRegistration).where(InterestRegistration.urn == urn))
    )


def test_a_signed_out_visitor_registers_interest_and_sees_what_happens_next(world, client):
    page = client.get(JOIN)
    assert page.status_code == 200
    text = BeautifulSoup(page.get_data(as_text=True), "html.parser").get_text(" ", strip=True)
    assert "Register your school's interest" in text
    assert "Sign out" not in text  # the header of a visitor: no account

    response = post_join(client, form_data(world))
    assert response.status_code == 302
    assert response.headers["Location"] == "/join/registered"
    (registration,) = registrations_for("654321")
    assert registration.school_name == "Brook Lane Primary"
    assert registration.area_id == world.area_b.id
    assert (registration.contact_name, registration.contact_role) == ("Sam Brook", "Headteacher")
    assert registration.contact_email == "sam@brook.example"
    assert registration.pupils_on_roll == 1230
    assert registration.status is InterestStatus.PENDING
    assert registration.school_id is None  # nothing is on the register until accepted

    confirmation = client.get("/join/registered")
    assert confirmation.status_code == 200
    soup = BeautifulSoup(confirmation.get_data(as_text=True), "html.parser")
    panel = soup.select_one(".nhsuk-panel")
    assert panel is not None
    assert panel.h1.get_text(strip=True) == "Interest registered"
    text = soup.get_text(" ", strip=True)
    assert "What happens next" in text
    assert "Brook Lane Primary" in text
    assert "sam@brook.example" in text
    # Shown once, to whoever sent the form: a second visit goes back to the form.
    again = client.get("/join/registered")
    assert again.status_code == 302
    assert again.headers["Location"] == JOIN

    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "interest_registration",
            AuditEvent.record_id == str(registration.id),
        )
    ).one()
    assert (event.action, event.actor, event.user_id) == (
        AuditAction.CREATE,
        "public interest form",
        None,
    )


def test_the_confirmation_page_is_not_shown_to_someone_who_sent_nothing(world, client):
    response = client.get("/join/registered")
    assert response.status_code == 302
    assert response.headers["Location"] == JOIN


def test_the_page_works_for_a_signed_in_user_too(world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    page = client.get(JOIN).get_data(as_text=True)
    assert "Sign out" in page  # the signed-in header
    assert post_join(client, form_data(world, urn="654322")).status_code == 302
    assert len(registrations_for("654322")) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"school_name": "   "}, "school_name", "Enter the school's name"),
        ({"school_name": "x" * 201}, "school_name", "School name must be 200 characters or fewer"),
        ({"urn": ""}, "urn", "Enter the school's URN"),
        ({"urn": "12345"}, "urn", "Enter the URN as 6 digits, like 120345"),
        ({"urn": "12345a"}, "urn", "Enter the URN as 6 digits, like 120345"),
        ({"area_id": ""}, "area_id", "Select the area the school is in"),
        ({"area_id": "abc"}, "area_id", "Select an area from the list"),
        ({"area_id": "999999"}, "area_id", "Select an area from the list"),
        ({"contact_name": ""}, "contact_name", "Enter your full name"),
        ({"contact_role": " "}, "contact_role", "Enter your role at the school"),
        ({"contact_email": ""}, "contact_email", "Enter your email address"),
        (
            {"contact_email": "not-an-email"},
            "contact_email",
            "Enter an email address in the correct format, like name@example.org",
        ),
        (
            {"contact_email": "x" * 250 + "@a.example"},
            "contact_email",
            "Email address must be 254 characters or fewer",
        ),
        (
            {"pupils_on_roll": "lots"},
            "pupils_on_roll",
            "Pupils on roll must be a whole number, 0 or more",
        ),
        (
            {"pupils_on_roll": "-4"},
            "pupils_on_roll",
            "Pupils on roll must be a whole number, 0 or more",
        ),
        (
            {"pupils_on_roll": "12.5"},
            "pupils_on_roll",
            "Pupils on roll must be a whole number, 0 or more",
        ),
        (
            {"pupils_on_roll": "99999999999999999999"},
            "pupils_on_roll",
            "Pupils on roll must be 1,000,000 or fewer",
        ),
        ({"message": "x" * 2001}, "message", "Your message must be 2,000 characters or fewer"),
    ],
)
def test_bad_answers_are_explained_and_what_was_typed_is_kept(
    world, client, changes, field, message
):
    data = form_data(world, **changes)
    response = post_join(client, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    summary = soup.select_one(".nhsuk-error-summary")
    assert summary is not None
    assert message in summary.get_text(" ", strip=True)
    assert summary.find("a", href=f"#{field}") is not None
    assert message in soup.find(id=f"{field}-error").get_text(" ", strip=True)
    # Everything the visitor typed is still there.
    assert soup.find(id="contact_name")["value"] == data["contact_name"]
    assert soup.find(id="urn")["value"] == data["urn"]
    assert soup.find(id="message").get_text() == data["message"]
    if field != "area_id":
        assert soup.find(id="area_id").find("option", selected=True)["value"] == data["area_id"]
    assert registrations_for(data["urn"]) == []


def test_optional_answers_may_be_left_out(world, client):
    response = post_join(client, form_data(world, pupils_on_roll="", message=""))
    assert response.status_code == 302
    (registration,) = registrations_for("654321")
    assert registration.pupils_on_roll is None
    assert registration.message is None


def test_a_second_registration_for_the_same_school_is_refused(world, client):
    # world.interest is pending for URN 777001.
    response = post_join(client, form_data(world, urn="777001"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Interest has already been registered for the school with URN 777001" in page
    assert len(registrations_for("777001")) == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (ParticipationStatus.ACTIVE, "is already taking part in the programme"),
        (ParticipationStatus.ONBOARDING, "is already taking part in the programme"),
        (ParticipationStatus.ASSIGNED_TO_COHORT, "is already taking part in the programme"),
        (ParticipationStatus.PAUSED, "is already taking part in the programme"),
        (ParticipationStatus.INTEREST_REGISTERED, "Interest has already been registered"),
    ],
)
def test_a_school_already_in_the_programme_is_refused_without_saying_more(
    world, client, status, message
):
    world.school_b1.participation_status = status
    db.session.commit()
    response = post_join(client, form_data(world, urn=world.school_b1.urn))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    # Nothing else about the school: not its name, team or area.
    assert "School B1" not in page
    assert "Team B" not in page
    assert registrations_for(world.school_b1.urn) == []


@pytest.mark.parametrize(
    "status", [ParticipationStatus.NOT_PARTICIPATING, ParticipationStatus.LEFT]
)
def test_a_school_on_the_register_but_not_taking_part_may_register(world, client, status):
    world.school_b1.participation_status = status
    db.session.commit()
    assert post_join(client, form_data(world, urn=world.school_b1.urn)).status_code == 302
    assert len(registrations_for(world.school_b1.urn)) == 1


def test_the_form_is_limited_to_five_sends_an_hour(world, client):
    statuses = [post_join(client, form_data(world, urn="")).status_code for _ in range(5)]
    assert statuses == [400] * 5  # every send counts, refused or not
    response = post_join(client, form_data(world, urn="654399"))
    assert response.status_code == 429
    assert "Too many registrations" in response.get_data(as_text=True)
    assert registrations_for("654399") == []
    assert client.get(JOIN).status_code == 200  # reading the page is not limited


# --- the administrator's review ---------------------------------------------------------


@pytest.fixture
def admin(world, auth):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    return world.users[Role.ADMINISTRATOR]


def review_url(registration) -> str:
    return f"/admin/interest/{registration.id}"


def test_the_list_shows_pending_registrations_first(admin, world, client):
    decided = InterestRegistration(
        school_name="Decided School",
        urn="777002",
        area=world.area_b,
        contact_name="Lee Decided",
        contact_role="Head",
        contact_email="lee@decided.example",
        status=InterestStatus.DECLINED,
        decision_reason="Outside the service's area",
    )
    db.session.add(decided)
    db.session.commit()
    response = client.get("/admin/interest")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = [row.find("a").get_text(strip=True) for row in soup.select("tbody tr")]
    assert rows == ["Hopeful School", "Decided School"]

    declined = client.get("/admin/interest?status=declined").get_data(as_text=True)
    assert "Decided School" in declined
    assert "Hopeful School" not in declined
    pending = client.get("/admin/interest?status=pending").get_data(as_text=True)
    assert "Hopeful School" in pending
    assert "Decided School" not in pending


def test_an_unknown_status_filter_is_explained(admin, client):
    response = client.get("/admin/interest?status=maybe")
    assert response.status_code == 400
    assert "Select a status from the list" in response.get_data(as_text=True)


def test_accepting_puts_a_new_school_on_the_register_waiting_for_a_cohort(
    admin, world, auth, client
):
    world.interest.pupils_on_roll = 310
    db.session.commit()
    page = client.get(review_url(world.interest))
    assert page.status_code == 200
    assert "pat@hopeful.example" in page.get_data(as_text=True)

    response = auth.post(review_url(world.interest), {"decision": "accepted", "reason": ""})
    assert response.status_code == 302
    registration = db.session.get(InterestRegistration, world.interest.id)
    school = db.session.scalars(select(School).where(School.urn == "777001")).one()
    assert (school.name, school.area_id, school.pupils_on_roll, school.phase) == (
        "Hopeful School",
        world.area_a.id,
        310,
        None,
    )
    assert school.participation_status is ParticipationStatus.INTEREST_REGISTERED
    assert (registration.status, registration.school_id) == (InterestStatus.ACCEPTED, school.id)
    assert registration.reviewed_by_id == admin.id
    assert registration.reviewed_at is not None
    (event,) = db.session.scalars(
        select(ParticipationEvent).where(ParticipationEvent.school_id == school.id)
    ).all()
    assert (event.from_status, event.to_status) == (
        ParticipationStatus.NOT_PARTICIPATING,
        ParticipationStatus.INTEREST_REGISTERED,
    )
    assert event.by_user_id == admin.id
    assert event.reason.startswith("Interest registered on ")
    assert event.reason.endswith(" by Pat Hopeful")
    audit = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "interest_registration",
            AuditEvent.record_id == str(registration.id),
        )
    ).one()
    assert (audit.action, audit.user_id, audit.detail) == (
        AuditAction.UPDATE,
        admin.id,
        "accepted",
    )
    shown = client.get(review_url(world.interest)).get_data(as_text=True)
    assert "was accepted" in shown
    assert "Hopeful School is interest registered" in shown


def test_accepting_a_school_already_on_the_register_updates_its_status(admin, world, auth, client):
    world.interest.urn = world.school_b1.urn
    world.school_b1.participation_status = ParticipationStatus.LEFT
    db.session.commit()
    schools_before = db.session.scalars(select(School.id)).all()
    response = auth.post(review_url(world.interest), {"decision": "accepted"})
    assert response.status_code == 302
    school = db.session.get(School, world.school_b1.id)
    assert school.participation_status is ParticipationStatus.INTEREST_REGISTERED
    assert school.name == "School B1"  # the register's details are not overwritten
    assert db.session.get(InterestRegistration, world.interest.id).school_id == school.id
    assert sorted(db.session.scalars(select(School.id)).all()) == sorted(schools_before)


def test_accepting_for_a_school_that_has_since_joined_keeps_its_status(admin, world, auth, client):
    world.interest.urn = world.school_a1.urn
    world.school_a1.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    assert auth.post(review_url(world.interest), {"decision": "accepted"}).status_code == 302
    school = db.session.get(School, world.school_a1.id)
    assert school.participation_status is ParticipationStatus.ACTIVE
    assert (
        db.session.scalars(
            select(ParticipationEvent).where(ParticipationEvent.school_id == school.id)
        ).all()
        == []
    )
    registration = db.session.get(InterestRegistration, world.interest.id)
    assert (registration.status, registration.school_id) == (InterestStatus.ACCEPTED, school.id)


def test_declining_needs_a_reason(admin, world, auth, client):
    response = auth.post(review_url(world.interest), {"decision": "declined", "reason": "  "})
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "Give the reason for declining the registration" in soup.get_text()
    assert soup.select_one(".nhsuk-error-summary a[href='#reason']") is not None
    assert soup.find("input", id="decision-2").has_attr("checked")  # the choice is kept
    assert db.session.get(InterestRegistration, world.interest.id).status is InterestStatus.PENDING

    response = auth.post(
        review_url(world.interest),
        {"decision": "declined", "reason": "The school is outside the service's area"},
    )
    assert response.status_code == 302
    registration = db.session.get(InterestRegistration, world.interest.id)
    assert registration.status is InterestStatus.DECLINED
    assert registration.decision_reason == "The school is outside the service's area"
    assert registration.reviewed_by_id == admin.id
    assert db.session.scalars(select(School).where(School.urn == "777001")).first() is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select whether to accept or decline the registration"),
        ({"decision": "maybe"}, "Select whether to accept or decline the registration"),
        ({"decision": "pending"}, "Select whether to accept or decline the registration"),
        (
            {"decision": "accepted", "reason": "x" * 2001},
            "The reason must be 2,000 characters or fewer",
        ),
    ],
)
def test_a_review_without_a_usable_decision_is_explained(admin, world, auth, data, message):
    response = auth.post(review_url(world.interest), data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.get(InterestRegistration, world.interest.id).status is InterestStatus.PENDING


def test_a_registration_cannot_be_reviewed_twice(admin, world, auth, client):
    assert auth.post(review_url(world.interest), {"decision": "accepted"}).status_code == 302
    response = auth.post(
        review_url(world.interest), {"decision": "declined", "reason": "Changed my mind"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This registration has already been accepted; it cannot be reviewed again" in page
    registration = db.session.get(InterestRegistration, world.interest.id)
    assert registration.status is InterestStatus.ACCEPTED
    # The decided page shows the decision, not the form.
    assert 'name="decision"' not in client.get(review_url(world.interest)).get_data(as_text=True)


def test_the_rules_hold_without_the_pages(app, world):
    """The operations refuse what the pages refuse, for any caller."""
    admin = world.users[Role.ADMINISTRATOR]
    with pytest.raises(RuleError, match="Give the reason"):
        interest.decline(world.interest, by=admin, reason=None)
    interest.decline(world.interest, by=admin, reason="Not in the area")
    with pytest.raises(RuleError, match="already been declined"):
        interest.accept(world.interest, by=admin)
    with pytest.raises(RuleError, match="6 digits"):
        interest.register_interest(
            school_name="X",
            urn="12",
            area=world.area_a,
            contact_name="A",
            contact_role="B",
            contact_email="a@b.example",
            pupils_on_roll=None,
            message=None,
        )
    # A declined registration does not block a new one for the same school.
    again = interest.register_interest(
        school_name="Hopeful School",
        urn="777001",
        area=world.area_a,
        contact_name="Pat Hopeful",
        contact_role="Deputy head",
        contact_email="pat@hopeful.example",
        pupils_on_roll=None,
        message=None,
    )
    assert again.status is InterestStatus.PENDING


def test_an_accepted_school_later_removed_from_the_programme_may_register_again(app, world):
    admin = world.users[Role.ADMINISTRATOR]
    school = interest.accept(world.interest, by=admin)
    change_participation(
        school, ParticipationStatus.NOT_PARTICIPATING, by=admin, reason="No cohort this year"
    )
    db.session.flush()
    registration = interest.register_interest(
        school_name="Hopeful School",
        urn="777001",
        area=world.area_a,
        contact_name="Pat Hopeful",
        contact_role="Deputy head",
        contact_email="pat@hopeful.example",
        pupils_on_roll=None,
        message=None,
    )
    assert registration.status is InterestStatus.PENDING


def test_an_unknown_registration_is_not_found(admin, client):
    assert client.get("/admin/interest/999999").status_code == 404


def test_only_administrators_review_interest(world, auth, client):
    auth.sign_in(world.users[Role.CLINICAL_LEAD].email)
    assert client.get("/admin/interest").status_code == 403
    response = auth.post(review_url(world.interest), {"decision": "accepted"})
    assert response.status_code == 403
    assert db.session.get(InterestRegistration, world.interest.id).status is InterestStatus.PENDING


def test_the_review_list_uses_a_constant_number_of_queries(admin, world, client, count_queries):
    def queries() -> int:
        before = len(count_queries())
        assert client.get("/admin/interest").status_code == 200
        return len(count_queries()) - before

    small = queries()
    for number in range(15):
        area = world.area_a if number % 2 else world.area_b
        db.session.add(
            InterestRegistration(
                school_name=f"School {number}",
                urn=f"{700100 + number}",
                area=area,
                contact_name="C",
                contact_role="R",
                contact_email="c@r.example",
            )
        )
    db.session.commit()
    assert queries() == small
