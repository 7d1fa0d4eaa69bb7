"""The school register: the scoped list with search, filters and pages; adding and
changing schools; the CSV download."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.extensions import db
from mhst.schools.models import ParticipationStatus, School, SchoolPhase
from tests.conftest import AuthActions


def sign_in(auth, world, role: Role):
    assert auth.sign_in(world.users[role].email).status_code == 302
    return world.users[role]


@pytest.fixture
def admin(world, auth):
    return sign_in(auth, world, Role.ADMINISTRATOR)


def listed(client, query: str = "", status: int = 200) -> list[str]:
    """The school names in the list's table, in order."""
    response = client.get(f"/schools/{query}")
    assert response.status_code == status
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [row.find("a").get_text(strip=True) for row in page.select("tbody tr") if row.find("a")]


# ---------------------------------------------------------------- the list


def test_the_list_shows_each_schools_details(admin, world, client):
    school = world.school_a1
    school.phase, school.pupils_on_roll = SchoolPhase.ALL_THROUGH, 1234
    school.participation_status = ParticipationStatus.ONBOARDING
    db.session.commit()
    page = BeautifulSoup(client.get("/schools/").get_data(as_text=True), "html.parser")
    row = page.select("tbody tr")[0]
    cells = [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
    assert cells == [
        "School School A1",
        f"URN {school.urn}",
        f"NHS code EE{school.urn}",
        "Phase All through",
        "Area North Area",
        "MHST team Team A",
        "Cohort Cohort A",
        "Status Onboarding",
        "Pupils 1,234",
    ]
    assert row.find("a")["href"] == f"/schools/{school.id}"
    assert row.select_one("strong.nhsuk-tag").get_text() == "Onboarding"
    assert page.select_one("caption").get_text(strip=True) == "Schools, A to Z"  # no COUNT(*)


@pytest.mark.parametrize(
    ("role", "can_manage"),
    [
        (Role.ADMINISTRATOR, True),
        (Role.CLINICAL_LEAD, True),
        (Role.SENIOR_CLINICIAN, False),
        (Role.EMHP, False),
        (Role.SCHOOL_MENTAL_HEALTH_LEAD, False),
    ],
)
def test_register_actions_are_shown_only_to_those_who_manage_it(
    world, auth, client, role, can_manage
):
    sign_in(auth, world, role)
    page = client.get("/schools/").get_data(as_text=True)
    for text, href in [
        ("Add a school", "/schools/new"),
        ("Import schools from CSV", "/schools/import"),
    ]:
        assert (text in page) is can_manage
        assert (f'href="{href}"' in page) is can_manage
    assert ("Download CSV" in page) is can_manage
    assert ('action="/schools/download" method="post"' in page) is can_manage


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMINISTRATOR, ["School A1", "School A2", "School B1", "School B2"]),
        (Role.CLINICAL_LEAD, ["School A1", "School A2", "School B1", "School B2"]),
        (Role.SENIOR_CLINICIAN, ["School A1", "School A2"]),
        (Role.EMHP, ["School A1", "School A2"]),
        (Role.SCHOOL_MENTAL_HEALTH_LEAD, ["School A1"]),
    ],
)
def test_each_role_sees_only_the_schools_it_works_with(world, auth, client, role, expected):
    sign_in(auth, world, role)
    assert listed(client) == expected
    # Filters cannot reach past the scope either.
    assert listed(client, f"?team={world.team_b.id}") == [
        name for name in expected if name.startswith("School B")
    ]


def test_search_by_name_or_urn_ignores_case(admin, world, client, make_school):
    make_school("St Mary's Primary", world.team_a, urn="130001")
    make_school("Hill Secondary", world.team_b, urn="130002")
    assert listed(client, "?q=st+MARY") == ["St Mary's Primary"]
    assert listed(client, "?q=13000") == ["Hill Secondary", "St Mary's Primary"]
    assert listed(client, "?q=130002") == ["Hill Secondary"]
    assert listed(client, "?q=nothing+like+this") == []


def test_search_treats_wildcards_literally(admin, world, client, make_school):
    make_school("100% Academy", world.team_a)
    make_school("Under_score School", world.team_a)
    make_school("Plain School", world.team_a)
    assert listed(client, "?q=%25") == ["100% Academy"]
    assert listed(client, "?q=_") == ["Under_score School"]
    assert listed(client, "?q=r_s") == ["Under_score School"]


def test_search_text_is_kept_in_the_box(admin, client):
    page = BeautifulSoup(
        client.get("/schools/?q=Hill+%22x%22").get_data(as_text=True), "html.parser"
    )
    assert page.select_one("#q")["value"] == 'Hill "x"'


def test_each_filter(admin, world, client, make_school):
    a1, a2, b1 = world.school_a1, world.school_a2, world.school_b1
    a1.phase, a2.phase, b1.phase = SchoolPhase.PRIMARY, SchoolPhase.SECONDARY, SchoolPhase.PRIMARY
    a1.participation_status = ParticipationStatus.ACTIVE
    a2.participation_status = ParticipationStatus.NOT_PARTICIPATING  # active in the world
    db.session.commit()
    loose = make_school("Loose School")  # no team, no cohort, in an area of its own

    assert listed(client, f"?area={world.area_a.id}") == ["School A1", "School A2"]
    assert listed(client, f"?area={loose.area_id}") == ["Loose School"]
    assert listed(client, f"?team={world.team_b.id}") == ["School B1", "School B2"]
    assert listed(client, "?team=none") == ["Loose School"]
    assert listed(client, "?phase=primary") == ["School A1", "School B1"]
    assert listed(client, "?status=active") == ["School A1"]
    assert listed(client, "?status=not_participating") == [
        "Loose School",
        "School A2",
        "School B1",
        "School B2",
    ]
    assert listed(client, f"?cohort={world.cohort_a.id}") == ["School A1", "School A2"]
    assert listed(client, "?cohort=none") == ["Loose School", "School B1", "School B2"]
    # Filters combine, and the chosen values stay selected.
    response = client.get(f"/schools/?phase=primary&area={world.area_a.id}&q=a1")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert [a.get_text() for a in page.select("tbody a")] == ["School A1"]
    assert page.select_one("#phase option[selected]")["value"] == "primary"
    assert page.select_one("#area option[selected]")["value"] == str(world.area_a.id)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("area=999999", "area", "Select an area from the list"),
        ("area=abc", "area", "Select an area from the list"),
        ("team=999999", "team", "Select a team from the list"),
        ("phase=nursery", "phase", "Select a phase from the list"),
        ("status=closed", "status", "Select a participation status from the list"),
        ("cohort=first", "cohort", "Select a cohort from the list"),
        ("cohort=" + "9" * 400, "cohort", "Select a cohort from the list"),
    ],
)
def test_unknown_filter_values_are_explained(admin, client, query, field, message):
    response = client.get(f"/schools/?{query}")
    assert response.status_code == 400
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    link = page.select_one(".nhsuk-error-summary__list a")
    assert (link["href"], link.get_text(strip=True)) == (f"#{field}", message)
    assert message in page.select_one(f"#{field}-error").get_text()


def test_the_list_is_paginated_and_pages_keep_the_filters(admin, world, client, make_school):
    for n in range(30):
        make_school(f"Paged School {n:02d}", world.team_a)
    first = listed(client, f"?team={world.team_a.id}")
    assert len(first) == 25
    page = BeautifulSoup(
        client.get(f"/schools/?team={world.team_a.id}").get_data(as_text=True), "html.parser"
    )
    next_link = page.select_one(".nhsuk-pagination a[rel=next]")["href"]
    assert f"team={world.team_a.id}" in next_link
    assert "after=" in next_link  # a keyset cursor: the id of the page's last school
    assert "q=" not in next_link  # empty filters are left out
    second = listed(client, next_link.removeprefix("/schools/"))
    assert len(second) == 7
    assert set(first).isdisjoint(second)


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.EMHP])
def test_the_list_runs_the_same_queries_however_many_schools(
    world, auth, client, make_school, make_team, count_queries, role
):
    sign_in(auth, world, role)
    path = f"/schools/?q=school&phase=primary&status=not_participating&area={world.area_a.id}"

    def queries() -> int:
        before = len(count_queries())
        assert client.get(path).status_code == 200
        return len(count_queries()) - before

    small = queries()
    for n in range(15):
        school = make_school(f"Extra school {n}", world.team_a)
        school.phase = SchoolPhase.PRIMARY
        make_team()
    db.session.commit()
    assert len(listed(client, path.removeprefix("/schools/"))) == 15
    assert queries() == small


# ---------------------------------------------------------------- adding and changing


def school_data(world, **changes):
    data = {
        "name": "Braunstone Primary",
        "urn": "120001",
        "phase": "primary",
        "area_id": str(world.area_a.id),
        "local_authority": "Leicester",
        "pupils_on_roll": "420",
        "team_id": str(world.team_a.id),
    }
    return {**data, **changes}


def test_adding_a_school(admin, world, auth, client):
    assert client.get("/schools/new").status_code == 200
    response = auth.post("/schools/new", school_data(world))
    school = db.session.scalars(select(School).where(School.urn == "120001")).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/schools/{school.id}"
    assert (
        school.name,
        school.phase,
        school.area_id,
        school.local_authority,
        school.pupils_on_roll,
        school.team_id,
        school.participation_status,
        school.nhs_org_code,
    ) == (
        "Braunstone Primary",
        SchoolPhase.PRIMARY,
        world.area_a.id,
        "Leicester",
        420,
        world.team_a.id,
        ParticipationStatus.NOT_PARTICIPATING,
        "EE120001",
    )
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "school", AuditEvent.record_id == str(school.id)
        )
    ).one()
    assert (event.action, event.user_id) == (AuditAction.CREATE, admin.id)
    assert "Braunstone Primary added to the register." in client.get("/schools/").get_data(
        as_text=True
    )


def test_optional_answers_may_be_left_blank(admin, world, auth):
    response = auth.post(
        "/schools/new",
        school_data(world, local_authority="", pupils_on_roll="", team_id="", phase="college"),
    )
    assert response.status_code == 302
    school = db.session.scalars(select(School).where(School.urn == "120001")).one()
    assert (school.local_authority, school.pupils_on_roll, school.team_id, school.phase) == (
        "North Area",  # the area's name
        None,
        None,
        SchoolPhase.COLLEGE,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "   "}, "name", "Enter the school's name"),
        ({"name": "x" * 201}, "name", "The name must be 200 characters or fewer"),
        ({"urn": ""}, "urn", "Enter the school's URN"),
        ({"urn": "12345"}, "urn", "Enter the URN as 6 digits, like 120345"),
        ({"urn": "12345a"}, "urn", "Enter the URN as 6 digits, like 120345"),
        ({"urn": "1234567"}, "urn", "Enter the URN as 6 digits, like 120345"),
        ({"urn": "PLACEHOLDER"}, "urn", "is already used by School A1"),
        ({"phase": ""}, "phase", "Select the school's phase"),
        ({"phase": "nursery"}, "phase", "Select the school's phase"),
        ({"area_id": ""}, "area_id", "Select the school's area"),
        ({"area_id": "999999"}, "area_id", "Select an area from the list"),
        ({"area_id": "north"}, "area_id", "Select an area from the list"),
        ({"local_authority": "x" * 121}, "local_authority", "120 characters or fewer"),
        ({"pupils_on_roll": "-1"}, "pupils_on_roll", "must be a whole number, 0 or more"),
        ({"pupils_on_roll": "12.5"}, "pupils_on_roll", "must be a whole number, 0 or more"),
        ({"pupils_on_roll": "lots"}, "pupils_on_roll", "must be a whole number, 0 or more"),
        ({"pupils_on_roll": "99999999999"}, "pupils_on_roll", "must be a whole number"),
        ({"pupils_on_roll": "100001"}, "pupils_on_roll", "must be 100,000 or fewer"),
        ({"team_id": "999999"}, "team_id", "Select a team from the list"),
    ],
)
def test_bad_answers_are_explained_and_typed_text_kept(admin, world, auth, changes, field, message):
    if changes.get("urn") == "PLACEHOLDER":
        changes = {"urn": world.school_a1.urn}
    data = school_data(world, **changes)
    response = auth.post("/schools/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    summary = page.select(".nhsuk-error-summary__list a")
    assert [a["href"] for a in summary] == [f"#{field}"]
    assert message in summary[0].get_text()
    assert message in page.select_one(f"#{field}-error").get_text()
    for name in ("name", "urn", "local_authority", "pupils_on_roll"):
        if name != field or data[name].strip():
            assert page.select_one(f"#{name}")["value"] == data[name].strip()
    if field != "phase":
        assert page.select_one("input[name=phase][checked]")["value"] == "primary"
    if field != "area_id":
        assert page.select_one("#area_id option[selected]")["value"] == str(world.area_a.id)
    if field != "team_id":
        assert page.select_one("#team_id option[selected]")["value"] == str(world.team_a.id)
    assert db.session.scalars(select(School).where(School.name == data["name"])).all() == []


def test_an_empty_form_lists_every_problem_in_page_order(admin, auth):
    page = BeautifulSoup(auth.post("/schools/new", {}).get_data(as_text=True), "html.parser")
    assert [
        (a["href"], a.get_text(strip=True)) for a in page.select(".nhsuk-error-summary__list a")
    ] == [
        ("#name", "Enter the school's name"),
        ("#urn", "Enter the school's URN"),
        ("#phase", "Select the school's phase"),
        ("#area_id", "Select the school's area"),
    ]


def test_changing_a_school(admin, world, auth, client):
    school = world.school_a1
    school.pupils_on_roll, school.local_authority = 300, "Leicester"
    db.session.commit()
    page = BeautifulSoup(
        client.get(f"/schools/{school.id}/edit").get_data(as_text=True), "html.parser"
    )
    assert page.select_one("#name")["value"] == "School A1"
    assert page.select_one("#urn")["value"] == school.urn
    assert page.select_one("#pupils_on_roll")["value"] == "300"
    assert page.select_one("#team_id option[selected]")["value"] == str(world.team_a.id)
    assert f"EE{school.urn}" in page.get_text()

    response = auth.post(
        f"/schools/{school.id}/edit",
        school_data(
            world,
            name="School A1 Academy",
            urn="654321",
            phase="special",
            area_id=str(world.area_b.id),
            local_authority="",
            pupils_on_roll="0",
            team_id=str(world.team_b.id),
            version=page.select_one("input[name=version]")["value"],
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/schools/{school.id}"
    school = db.session.get(School, school.id)
    assert (
        school.name,
        school.urn,
        school.phase,
        school.area_id,
        school.local_authority,
        school.pupils_on_roll,
        school.team_id,
        school.cohort_id,  # the cohort is not the register's to change
    ) == (
        "School A1 Academy",
        "654321",
        SchoolPhase.SPECIAL,
        world.area_b.id,
        "South Area",
        0,
        world.team_b.id,
        world.cohort_a.id,
    )
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "school",
            AuditEvent.record_id == str(school.id),
            AuditEvent.action == AuditAction.UPDATE,
        )
    ).one()
    assert event.user_id == admin.id


def test_a_school_keeps_its_own_urn_but_cannot_take_anothers(admin, world, auth):
    school = world.school_a1
    same = auth.post(
        f"/schools/{school.id}/edit",
        school_data(world, name="Renamed", urn=school.urn, version=str(school.version)),
    )
    assert same.status_code == 302
    taken = auth.post(
        f"/schools/{school.id}/edit",
        school_data(
            world, name="Renamed again", urn=world.school_b1.urn, version=str(school.version)
        ),
    )
    assert taken.status_code == 400
    page = taken.get_data(as_text=True)
    assert f"URN {world.school_b1.urn} is already used by School B1" in page
    assert 'value="Renamed again"' in page
    assert db.session.get(School, school.id).name == "Renamed"


def test_changing_a_school_that_does_not_exist(admin, auth, client):
    assert client.get("/schools/999999/edit").status_code == 404
    assert auth.post("/schools/999999/edit", {"name": "x"}).status_code == 404


@pytest.mark.parametrize("role", [Role.SENIOR_CLINICIAN, Role.EMHP, Role.SCHOOL_MENTAL_HEALTH_LEAD])
def test_only_administrators_and_clinical_leads_add_or_change_schools(world, auth, client, role):
    sign_in(auth, world, role)
    assert client.get("/schools/new").status_code == 403
    assert auth.post("/schools/new", school_data(world)).status_code == 403
    assert auth.post(f"/schools/{world.school_a1.id}/edit", school_data(world)).status_code == 403
    assert db.session.get(School, world.school_a1.id).name == "School A1"


def test_clinical_leads_add_schools_too(world, auth):
    lead = sign_in(auth, world, Role.CLINICAL_LEAD)
    response = auth.post("/schools/new", school_data(world, name="Oakham Primary"))
    school = db.session.scalars(select(School).where(School.urn == "120001")).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/schools/{school.id}"
    assert (
        school.name,
        school.phase,
        school.area_id,
        school.local_authority,
        school.pupils_on_roll,
        school.team_id,
    ) == (
        "Oakham Primary",
        SchoolPhase.PRIMARY,
        world.area_a.id,
        "Leicester",
        420,
        world.team_a.id,
    )
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "school", AuditEvent.record_id == str(school.id)
        )
    ).one()
    assert (event.action, event.user_id) == (AuditAction.CREATE, lead.id)


# ---------------------------------------------------------------- the download


def download_file(client) -> object:
    """Ask for the register's CSV (a job, run in the request in tests: JOBS_RUN_IN_PROCESS)
    and download the file from the job's page."""
    asked = AuthActions(client).post("/schools/download")
    assert asked.status_code == 302
    job_page = asked.headers["Location"]
    assert "Ready" in client.get(job_page).get_data(as_text=True)
    response = client.get(job_page + "/file")
    response.get_data()
    response.close()  # send_file streams from an open file
    return response


def download(client) -> tuple[object, list[dict[str, str]]]:
    response = download_file(client)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return response, list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_register_downloads_as_csv(admin, world, client):
    school = world.school_a1
    school.phase, school.pupils_on_roll = SchoolPhase.PRIMARY, 210
    school.local_authority = "Leicester"
    school.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    response, rows = download(client)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        "attachment; filename=school-register-"
    )
    assert [row["name"] for row in rows] == ["School A1", "School A2", "School B1", "School B2"]
    assert rows[0] == {
        "urn": school.urn,
        "nhs_org_code": f"EE{school.urn}",
        "name": "School A1",
        "phase": "primary",
        "area": "North Area",
        "local_authority": "Leicester",
        "pupils_on_roll": "210",
        "team": "Team A",
        "cohort": "Cohort A",
        "participation_status": "active",
    }
    assert rows[2]["cohort"] == rows[2]["phase"] == rows[2]["pupils_on_roll"] == ""
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "school_register")
    ).one()
    assert (event.action, event.user_id, event.detail) == (
        AuditAction.EXPORT,
        admin.id,
        "4 schools downloaded as CSV",
    )


def test_the_download_cannot_run_formulas_in_a_spreadsheet(admin, world, client):
    formulas = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)"]
    schools = [world.school_a1, world.school_a2, world.school_b1, world.school_b2]
    for school, formula in zip(schools, formulas, strict=True):
        school.name = formula
    world.school_a1.local_authority = "=cmd|' /C calc'!A0"
    db.session.commit()
    _, rows = download(client)
    assert sorted(row["name"] for row in rows) == sorted("'" + f for f in formulas)
    assert {row["local_authority"] for row in rows} >= {"'=cmd|' /C calc'!A0"}


@pytest.mark.parametrize("role", [Role.SENIOR_CLINICIAN, Role.EMHP, Role.SCHOOL_MENTAL_HEALTH_LEAD])
def test_the_download_is_only_for_those_who_manage_the_register(world, auth, client, role):
    sign_in(auth, world, role)
    assert auth.post("/schools/download").status_code == 403
    assert (
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "school_register")
        ).all()
        == []
    )


def test_a_downloaded_register_imports_again_unchanged(admin, world, auth, client):
    world.school_a1.phase = world.school_a2.phase = SchoolPhase.PRIMARY
    world.school_b1.phase = world.school_b2.phase = SchoolPhase.ALTERNATIVE_PROVISION
    db.session.commit()
    data = download_file(client).get_data()
    response = auth.post(
        "/schools/import",
        {"file": (io.BytesIO(data), "register.csv"), "area_id": str(world.area_a.id)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "0 schools added, 0 updated, 4 unchanged." in client.get("/schools/").get_data(
        as_text=True
    )
