"""One school's page by HTTP: details, the participation lifecycle, the onboarding
checklist and the named Mental Health Lead, and who may see and change each."""

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.extensions import db
from mhst.schools import operations as ops
from mhst.schools.models import (
    LeadKind,
    ParticipationEvent,
    ParticipationStatus,
    School,
    SchoolOnboarding,
)

S = ParticipationStatus
TICKED = [item.key for item in ops.ONBOARDING_ITEMS[1:-1]]


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def error_summary(response) -> list[tuple[str, str]]:
    return [
        (link["href"], link.get_text(" ", strip=True))
        for link in soup(response).select(".nhsuk-error-summary__list a")
    ]


def school(world) -> School:
    return db.session.get(School, world.school_a1.id)


def date_fields(day: date | None, name="welcome_pack_sent_on") -> dict[str, str]:
    if day is None:
        return {f"{name}-day": "", f"{name}-month": "", f"{name}-year": ""}
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


@pytest.fixture
def admin(world, auth):
    auth.sign_in("admin@test.example")
    return world.users[Role.ADMINISTRATOR]


def set_status(world, status: S) -> None:
    found = school(world)
    found.participation_status = status
    db.session.commit()


def test_the_whole_journey_from_not_participating_to_active(admin, world, auth, client):
    a1 = world.school_a1.id
    page = client.get(f"/schools/{a1}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Not participating" in text
    assert f"EE{world.school_a1.urn}" in text
    radios = {i["value"] for i in soup(page).select("input[name=to_status]")}
    assert radios == {"interest_registered", "assigned_to_cohort"}

    response = auth.post(
        f"/schools/{a1}/status",
        {"to_status": "assigned_to_cohort", "cohort_id": str(world.cohort_a.id), "reason": ""},
    )
    assert response.status_code == 302
    assert school(world).participation_status is S.ASSIGNED_TO_COHORT
    page = client.get(f"/schools/{a1}")
    callout = soup(page).select_one(".nhsuk-card--warning")
    assert callout is not None
    for item in ops.ONBOARDING_ITEMS:
        assert item.label in callout.get_text()

    assert auth.post(f"/schools/{a1}/status", {"to_status": "onboarding"}).status_code == 302
    assert school(world).participation_status is S.ONBOARDING

    # Going active with nothing done is refused; the page names every missing item.
    response = auth.post(f"/schools/{a1}/status", {"to_status": "active", "reason": "Ready"})
    assert response.status_code == 400
    summary = error_summary(response)
    assert len(summary) == 1
    assert summary[0][0] == "#to_status"
    for item in ops.ONBOARDING_ITEMS:
        assert item.label in summary[0][1]
    page = soup(response)
    assert page.select_one("input[name=to_status][value=active]").has_attr("checked")
    assert page.select_one("#reason").get_text() == "Ready"
    assert school(world).participation_status is S.ONBOARDING

    # The checklist, then the lead; then the school can go active.
    response = auth.post(
        f"/schools/{a1}/onboarding",
        {"done": TICKED, **date_fields(date(2025, 9, 3))},
    )
    assert response.status_code == 302
    response = auth.post(f"/schools/{a1}/status", {"to_status": "active"})
    assert response.status_code == 400
    assert error_summary(response) == [
        (
            "#to_status",
            "The school cannot become active until these are done: "
            "A named senior member of staff is the Mental Health Lead",
        )
    ]
    mhl = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    response = auth.post(f"/schools/{a1}/leads", {"action": "lead", "lead-user_id": str(mhl.id)})
    assert response.status_code == 302
    response = auth.post(f"/schools/{a1}/status", {"to_status": "active"})
    assert response.status_code == 302
    assert school(world).participation_status is S.ACTIVE

    page = client.get(f"/schools/{a1}")
    text = page.get_data(as_text=True)
    assert soup(page).select_one(".nhsuk-card--warning") is None
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in soup(page).select("table")[0].select("tbody tr")
    ]
    assert [row[1:4] for row in rows] == [
        ["Onboarding", "Active", admin.full_name],
        ["Assigned to cohort", "Onboarding", admin.full_name],
        ["Not participating", "Assigned to cohort", admin.full_name],
    ]
    assert "7 of 7 items done" in text
    assert "(sent 3 September 2025)" in text
    assert mhl.full_name in text


def test_pausing_needs_a_reason_which_the_history_shows(admin, world, auth, client):
    set_status(world, S.ACTIVE)
    response = auth.post(f"/schools/{world.school_a1.id}/status", {"to_status": "paused"})
    assert response.status_code == 400
    assert error_summary(response) == [("#reason", "Give the reason the school is paused")]
    response = auth.post(
        f"/schools/{world.school_a1.id}/status",
        {"to_status": "paused", "reason": "Staff changes over the summer"},
    )
    assert response.status_code == 302
    event = db.session.scalars(
        select(ParticipationEvent).where(ParticipationEvent.school_id == world.school_a1.id)
    ).one()
    assert (event.from_status, event.to_status, event.reason) == (
        S.ACTIVE,
        S.PAUSED,
        "Staff changes over the summer",
    )
    assert "Staff changes over the summer" in client.get(f"/schools/{world.school_a1.id}").text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "#to_status", "Select the school's new participation status"),
        (
            {"to_status": "active"},
            "#to_status",
            "A school that is not participating can only become: "
            "interest registered, assigned to cohort",
        ),
        ({"to_status": "flying"}, "#to_status", "can only become"),
        (
            {"to_status": "assigned_to_cohort"},
            "#cohort_id",
            "Select the cohort the school is joining",
        ),
        (
            {"to_status": "assigned_to_cohort", "cohort_id": "abc"},
            "#cohort_id",
            "Select a cohort from the list",
        ),
        (
            {"to_status": "assigned_to_cohort", "cohort_id": "999999"},
            "#cohort_id",
            "Select a cohort from the list",
        ),
        (
            {"to_status": "interest_registered", "reason": "x" * 2001},
            "#reason",
            "Reason must be 2000 characters or fewer",
        ),
    ],
)
def test_bad_status_changes_are_explained(admin, world, auth, data, field, message):
    response = auth.post(f"/schools/{world.school_a1.id}/status", data)
    assert response.status_code == 400
    [(href, text)] = error_summary(response)
    assert href == field
    assert message in text
    assert school(world).participation_status is S.NOT_PARTICIPATING


def test_stopping_participation_needs_a_reason(admin, world, auth):
    set_status(world, S.ASSIGNED_TO_COHORT)
    response = auth.post(
        f"/schools/{world.school_a1.id}/status", {"to_status": "not_participating"}
    )
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#reason", "Give the reason the school is not participating")
    ]
    # The refused change was rolled back: the school keeps its cohort.
    assert school(world).cohort_id == world.cohort_a.id


# --- onboarding ---


def test_onboarding_form_shows_and_saves_the_checklist(admin, world, auth, client):
    a1 = world.school_a1.id
    page = client.get(f"/schools/{a1}/onboarding")
    assert page.status_code == 200
    checkboxes = soup(page).select("input[name=done]")
    assert [c["value"] for c in checkboxes] == TICKED
    assert not any(c.has_attr("checked") for c in checkboxes)
    # "Lead is named" is not a checkbox: it comes from the leads, with a link to name one.
    assert f'href="/schools/{a1}/leads"' in page.text
    assert "no lead is named yet" in page.text

    response = auth.post(
        f"/schools/{a1}/onboarding",
        {"done": ["supports_evaluation", "safeguarding_aligned"], **date_fields(None)},
    )
    assert response.status_code == 302
    record = db.session.get(SchoolOnboarding, a1)
    assert (record.supports_evaluation, record.safeguarding_aligned) == (True, True)
    assert (record.lead_capacity_confirmed, record.welcome_pack_sent_on) == (False, None)
    page = soup(client.get(f"/schools/{a1}/onboarding"))
    checked = [c["value"] for c in page.select("input[name=done][checked]")]
    assert checked == ["supports_evaluation", "safeguarding_aligned"]

    response = auth.post(
        f"/schools/{a1}/onboarding", {"done": TICKED, **date_fields(date(2025, 1, 31))}
    )
    assert response.status_code == 302
    page = soup(client.get(f"/schools/{a1}/onboarding"))
    assert page.select_one("#welcome_pack_sent_on")["value"] == "31"
    assert page.select_one("#welcome_pack_sent_on-year")["value"] == "2025"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"welcome_pack_sent_on-day": "3"},
            "The date the welcome pack was sent must include a month and a year",
        ),
        (
            {"welcome_pack_sent_on-day": "3", "welcome_pack_sent_on-year": "2025"},
            "The date the welcome pack was sent must include a month",
        ),
        (
            date_fields(None)
            | {
                "welcome_pack_sent_on-day": "x",
                "welcome_pack_sent_on-month": "9",
                "welcome_pack_sent_on-year": "2025",
            },
            "The date the welcome pack was sent must be a real date, in numbers",
        ),
        (
            date_fields(date(2025, 2, 28)) | {"welcome_pack_sent_on-day": "31"},
            "must be a real date",
        ),
        (
            date_fields(date(2025, 2, 28)) | {"welcome_pack_sent_on-year": "25"},
            "must include 4 numbers",
        ),
        (
            date_fields(date.today() + timedelta(days=3)),
            "The date the welcome pack was sent must be today or in the past",
        ),
        ({"done": ["lead_named"]}, "Select items from the checklist"),
        ({"done": ["bogus"]}, "Select items from the checklist"),
    ],
)
def test_bad_onboarding_answers_are_explained_and_kept(admin, world, auth, data, message):
    response = auth.post(
        f"/schools/{world.school_a1.id}/onboarding", {"done": ["supports_evaluation"], **data}
    )
    assert response.status_code == 400
    [(href, text)] = error_summary(response)
    assert message in text
    assert href in ("#welcome_pack_sent_on", "#done")
    page = soup(response)
    if "welcome_pack_sent_on-day" in data:
        assert page.select_one("#welcome_pack_sent_on")["value"] == data["welcome_pack_sent_on-day"]
    if "done" not in data:
        assert page.select_one("input[value=supports_evaluation]").has_attr("checked")
    assert db.session.get(SchoolOnboarding, world.school_a1.id) is None


def test_senior_clinicians_tick_the_checklist_only_for_their_teams_schools(
    world, auth, client, make_user
):
    make_user(Role.SENIOR_CLINICIAN, team=world.team_b, email="senior.b@test.example")
    auth.sign_in("senior.b@test.example")
    a1 = world.school_a1.id
    assert client.get(f"/schools/{a1}/onboarding").status_code == 404
    assert auth.post(f"/schools/{a1}/onboarding", {"done": TICKED}).status_code == 404
    assert client.get(f"/schools/{world.school_b1.id}/onboarding").status_code == 200
    assert db.session.get(SchoolOnboarding, a1) is None
    auth.sign_out()

    auth.sign_in("senior@test.example")  # team A
    page = client.get(f"/schools/{a1}")
    assert f'href="/schools/{a1}/onboarding"' in page.text
    assert soup(page).select_one(f"form[action='/schools/{a1}/status']") is None
    assert f'href="/schools/{a1}/leads"' not in page.text
    response = auth.post(f"/schools/{a1}/onboarding", {"done": ["supports_evaluation"]})
    assert response.status_code == 302
    assert db.session.get(SchoolOnboarding, a1).supports_evaluation is True
    onboarding = client.get(f"/schools/{a1}/onboarding")
    assert "an administrator or clinical lead names" in onboarding.text


def test_the_school_lead_sees_their_own_school_only_and_no_actions(world, auth, client):
    auth.sign_in("mhl@test.example")
    a1 = world.school_a1.id
    page = client.get(f"/schools/{a1}")
    assert page.status_code == 200
    html = soup(page)
    assert [f["action"] for f in html.select("main form")] == []
    assert "/onboarding" not in page.text
    assert "/leads" not in page.text
    assert "Onboarding checklist" in page.text  # they see the items, not the forms
    assert world.cohort_a.name in page.text
    assert f"/cohorts/{world.cohort_a.id}" not in page.text  # cohorts are for staff
    assert client.get(f"/schools/{world.school_a2.id}").status_code == 404
    assert client.get(f"/schools/{a1}/onboarding").status_code == 403
    assert auth.post(f"/schools/{a1}/status", {"to_status": "active"}).status_code == 403
    assert auth.post(f"/schools/{a1}/leads", {}).status_code == 403


def test_the_page_links_to_whole_school_activities_when_that_part_exists(admin, world, app, client):
    page = client.get(f"/schools/{world.school_a1.id}")
    link = f'href="/schools/{world.school_a1.id}/activities"'
    assert (link in page.text) is ("wholeschool.index" in app.view_functions)


def test_unknown_school_is_404(admin, client, auth):
    assert client.get("/schools/999999").status_code == 404
    assert auth.post("/schools/999999/status", {"to_status": "active"}).status_code == 404
    assert client.get("/schools/999999/onboarding").status_code == 404
    assert client.get("/schools/999999/leads").status_code == 404


# --- leads ---


@pytest.fixture
def second_lead(world, make_user):
    return make_user(
        Role.SCHOOL_MENTAL_HEALTH_LEAD,
        school=world.school_a1,
        full_name="Dana Deputy",
        email="dana@test.example",
    )


def test_naming_a_lead_and_deputy_then_removing_the_deputy(admin, world, auth, client, second_lead):
    a1 = world.school_a1.id
    mhl = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    page = client.get(f"/schools/{a1}/leads")
    assert page.status_code == 200
    options = [o["value"] for o in soup(page).select("#lead-user_id option")]
    assert sorted(options) == sorted(["", str(mhl.id), str(second_lead.id)])
    assert "Users page" in page.text

    assert (
        auth.post(
            f"/schools/{a1}/leads", {"action": "lead", "lead-user_id": str(mhl.id)}
        ).status_code
        == 302
    )
    response = auth.post(
        f"/schools/{a1}/leads", {"action": "deputy", "deputy-user_id": str(second_lead.id)}
    )
    assert response.status_code == 302
    found = school(world)
    assert ops.current_lead(found, LeadKind.LEAD).user_id == mhl.id
    assert ops.current_lead(found, LeadKind.DEPUTY).user_id == second_lead.id
    page = client.get(f"/schools/{a1}/leads")
    assert soup(page).select_one("#lead-user_id option[selected]")["value"] == str(mhl.id)
    assert soup(page).select_one("#deputy-user_id option[selected]")["value"] == str(second_lead.id)

    assert auth.post(f"/schools/{a1}/leads", {"action": "remove_deputy"}).status_code == 302
    found = school(world)
    assert ops.current_lead(found, LeadKind.DEPUTY) is None
    assert len(found.lead_assignments) == 2  # history kept

    show = client.get(f"/schools/{a1}")
    history = soup(show).select("table")[-1]
    rows = [
        [td.get_text(strip=True) for td in tr.select("td")] for tr in history.select("tbody tr")
    ]
    current = {(row[0], row[1]): row[3] == "Now" for row in rows}
    assert current == {
        (mhl.full_name, "Mental Health Lead"): True,
        ("Dana Deputy", "Deputy Mental Health Lead"): False,
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "#lead-user_id", "Select the person to name as the Mental Health Lead"),
        ({"action": "lead", "lead-user_id": ""}, "#lead-user_id", "Select the person to name"),
        (
            {"action": "lead", "lead-user_id": "abc"},
            "#lead-user_id",
            "Select a person from the list",
        ),
        ({"action": "deputy"}, "#deputy-user_id", "Select the person to name as the deputy"),
        (
            {"action": "remove_deputy"},
            "#deputy-user_id",
            "The school has no deputy mental health lead to remove",
        ),
    ],
)
def test_bad_lead_changes_are_explained(admin, world, auth, data, field, message):
    response = auth.post(f"/schools/{world.school_a1.id}/leads", data)
    assert response.status_code == 400
    [(href, text)] = error_summary(response)
    assert (href, message in text) == (field, True)


@pytest.mark.parametrize("who", ["other school", "emhp", "deactivated"])
def test_only_active_lead_accounts_of_the_school_are_offered(admin, world, auth, make_user, who):
    user = {
        "other school": lambda: make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=world.school_a2),
        "emhp": lambda: world.users[Role.EMHP],
        "deactivated": lambda: make_user(
            Role.SCHOOL_MENTAL_HEALTH_LEAD, school=world.school_a1, active=False
        ),
    }[who]()
    response = auth.post(
        f"/schools/{world.school_a1.id}/leads", {"action": "lead", "lead-user_id": str(user.id)}
    )
    assert response.status_code == 400
    assert error_summary(response) == [("#lead-user_id", "Select a person from the list")]


def test_an_unknown_lead_action_is_a_clear_400(admin, world, auth):
    response = auth.post(f"/schools/{world.school_a1.id}/leads", {"action": "promote"})
    assert response.status_code == 400
    assert "Choose to name the lead, name the deputy or remove the deputy" in response.text


def test_a_school_without_lead_accounts_explains_how_to_add_one(admin, world, client):
    page = client.get(f"/schools/{world.school_a2.id}/leads")
    assert page.status_code == 200
    assert "There are no active school mental health lead accounts" in page.text
    assert 'href="/admin/users/new"' in page.text
    assert soup(page).select_one("#lead-user_id") is None


def test_the_school_page_runs_the_same_queries_however_long_its_history(
    admin, world, client, make_user, count_queries
):
    path = f"/schools/{world.school_a1.id}"

    def queries() -> int:
        before = len(count_queries())
        assert client.get(path).status_code == 200
        return len(count_queries()) - before

    small = queries()
    found = school(world)
    for number in range(6):
        by = make_user(Role.CLINICAL_LEAD)
        status = S.INTEREST_REGISTERED if number % 2 == 0 else S.NOT_PARTICIPATING
        ops.change_participation(found, status, by=by, reason="Changed their mind")
        person = make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=found)
        ops.name_lead(found, person, LeadKind(["lead", "deputy"][number % 2]), by=admin)
        db.session.commit()
    assert len(found.participation_events) == 6
    assert len(found.lead_assignments) == 6
    assert queries() == small
