"""Cohorts: staff see the list and each cohort; administrators and clinical leads create
and change them, with a unique name, a go-live date in the academic year and teams."""

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.cohorts import operations
from mhst.cohorts.models import Cohort
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.schools.models import ParticipationStatus


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def error_summary(response) -> list[tuple[str, str]]:
    return [
        (link["href"], link.get_text(" ", strip=True))
        for link in soup(response).select(".nhsuk-error-summary__list a")
    ]


def form_data(world, **changes):
    data = {
        "name": "Cohort 7",
        "academic_year": "2025/26",
        "go_live_date-day": "15",
        "go_live_date-month": "9",
        "go_live_date-year": "2025",
        "team_ids": [str(world.team_a.id), str(world.team_b.id)],
    }
    return {**data, **changes}


def find(name: str) -> Cohort | None:
    return db.session.scalars(select(Cohort).where(Cohort.name == name)).one_or_none()


@pytest.fixture
def admin(world, auth):
    auth.sign_in("admin@test.example")
    return world.users[Role.ADMINISTRATOR]


def test_an_administrator_adds_a_cohort(admin, world, auth, client):
    assert client.get("/cohorts/new").status_code == 200
    response = auth.post("/cohorts/new", form_data(world, name="  Cohort 7  "))
    cohort = find("Cohort 7")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cohorts/{cohort.id}"
    assert (cohort.academic_year, cohort.go_live_date) == (2025, date(2025, 9, 15))
    assert [team.name for team in cohort.teams] == ["Team A", "Team B"]
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "cohort", AuditEvent.record_id == str(cohort.id)
        )
    ).one()
    assert (event.action, event.user_id) == (AuditAction.CREATE, admin.id)
    assert event.detail == "Cohort 7, 2025/26, go-live 2025-09-15, teams: Team A, Team B"
    page = client.get(f"/cohorts/{cohort.id}")
    assert "Cohort 7 added." in page.text
    assert "No schools are in this cohort yet." in page.text


def test_a_clinical_lead_changes_a_cohort(world, auth, client):
    auth.sign_in("lead@test.example")
    cohort_id = world.cohort_a.id
    page = soup(client.get(f"/cohorts/{cohort_id}/edit"))
    assert page.select_one("#name")["value"] == "Cohort A"
    assert page.select_one("#academic_year")["value"] == "2024/25"
    assert page.select_one("#go_live_date")["value"] == "2"
    assert page.select_one("#go_live_date-month")["value"] == "9"
    assert page.select_one("#go_live_date-year")["value"] == "2024"
    checked = [c["value"] for c in page.select("input[name=team_ids][checked]")]
    assert checked == [str(world.team_a.id)]

    response = auth.post(
        f"/cohorts/{cohort_id}/edit",
        form_data(
            world,
            name="Cohort A (renamed)",
            academic_year="2024",
            **{"go_live_date-day": "1", "go_live_date-month": "8", "go_live_date-year": "2025"},
            team_ids=[str(world.team_b.id)],
        ),
    )
    assert response.status_code == 302
    cohort = db.session.get(Cohort, cohort_id)
    assert (cohort.name, cohort.academic_year, cohort.go_live_date) == (
        "Cohort A (renamed)",
        2024,
        date(2025, 8, 1),
    )
    assert [team.name for team in cohort.teams] == ["Team B"]
    # Keeping its own name is not a clash.
    response = auth.post(f"/cohorts/{cohort_id}/edit", form_data(world, name="Cohort A (renamed)"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "   "}, "name", "Enter the cohort's name or number"),
        ({"name": "x" * 121}, "name", "The cohort's name must be 120 characters or fewer"),
        ({"name": "cohort a"}, "name", "A cohort with this name already exists"),
        ({"academic_year": ""}, "academic_year", "Enter the academic year, like 2025/26"),
        (
            {"academic_year": "2025/27"},
            "academic_year",
            "Enter the academic year as the 2 years it spans, like 2025/26",
        ),
        (
            {"academic_year": "next year"},
            "academic_year",
            "Enter the academic year as the 2 years it spans, like 2025/26",
        ),
        (
            {"academic_year": "1899/00"},
            "academic_year",
            "Enter an academic year from 2000/01 to 2098/99",
        ),
        (
            {"go_live_date-day": "", "go_live_date-month": "", "go_live_date-year": ""},
            "go_live_date",
            "Enter the go-live date",
        ),
        ({"go_live_date-month": ""}, "go_live_date", "The go-live date must include a month"),
        ({"go_live_date-month": "13"}, "go_live_date", "The go-live date must be a real date"),
        (
            {"go_live_date-day": "1st"},
            "go_live_date",
            "The go-live date must be a real date, in numbers, like 27 3 2025",
        ),
        (
            {"go_live_date-year": "25"},
            "go_live_date",
            "The year of the go-live date must include 4 numbers",
        ),
        (
            {"go_live_date-month": "8"},  # 15 August 2025 is in 2024/25
            "go_live_date",
            "The go-live date must be in the academic year 2025/26, "
            "from 1 September 2025 to 31 August 2026",
        ),
        ({"team_ids": []}, "team_ids", "Select at least one team"),
        ({"team_ids": ["999999"]}, "team_ids", "Select teams from the list"),
        ({"team_ids": ["abc"]}, "team_ids", "Select teams from the list"),
    ],
)
def test_bad_answers_are_explained_and_kept(admin, world, auth, changes, field, message):
    data = form_data(world, **changes)
    response = auth.post("/cohorts/new", data)
    assert response.status_code == 400
    assert error_summary(response) == [(f"#{field}", message)]
    page = soup(response)
    assert page.select_one("#name")["value"] == data["name"].strip()
    assert page.select_one("#academic_year")["value"] == data["academic_year"]
    assert page.select_one("#go_live_date")["value"] == data["go_live_date-day"]
    assert page.select_one("#go_live_date-month")["value"] == data["go_live_date-month"]
    assert db.session.scalars(select(Cohort)).all() == [world.cohort_a]


def test_an_empty_form_lists_every_problem_in_page_order(admin, auth):
    response = auth.post("/cohorts/new", {})
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#name", "Enter the cohort's name or number"),
        ("#academic_year", "Enter the academic year, like 2025/26"),
        ("#go_live_date", "Enter the go-live date"),
        ("#team_ids", "Select at least one team"),
    ]


def test_edit_refuses_another_cohorts_name(admin, world, auth):
    auth.post("/cohorts/new", form_data(world, name="Cohort 7"))
    response = auth.post(f"/cohorts/{world.cohort_a.id}/edit", form_data(world, name="COHORT 7"))
    assert response.status_code == 400
    assert error_summary(response) == [("#name", "A cohort with this name already exists")]
    page = soup(response)
    assert page.select_one("h1").get_text(strip=True) == "Change Cohort A"
    assert db.session.get(Cohort, world.cohort_a.id).name == "Cohort A"


def test_the_rules_hold_without_the_form(world, admin):
    with pytest.raises(RuleError) as refused:
        operations.create_cohort(
            name="Cohort 9",
            academic_year=2025,
            go_live_date=date(2025, 9, 1),
            teams=[],
            by=admin,
        )
    assert refused.value.field == "team_ids"
    for go_live in (date(2025, 8, 31), date(2026, 9, 1)):
        with pytest.raises(RuleError) as refused:
            operations.create_cohort(
                name="Cohort 9",
                academic_year=2025,
                go_live_date=go_live,
                teams=[world.team_a],
                by=admin,
            )
        assert refused.value.field == "go_live_date"
    for go_live in (date(2025, 9, 1), date(2026, 8, 31)):  # both ends of 2025/26
        cohort = operations.create_cohort(
            name=f"Cohort {go_live}",
            academic_year=2025,
            go_live_date=go_live,
            teams=[world.team_a],
            by=admin,
        )
        assert cohort.id is not None


def test_the_list_shows_each_cohort_with_its_schools_and_pupils(world, auth, client):
    a1, a2 = world.school_a1, world.school_a2
    a1.pupils_on_roll, a2.pupils_on_roll = 1200, 310
    db.session.commit()
    auth.sign_in("emhp@test.example")
    page = client.get("/cohorts/")
    assert page.status_code == 200
    rows = [
        [cell.get_text(" ", strip=True) for cell in tr.select("td")]
        for tr in soup(page).select("tbody tr")
    ]
    assert rows == [["Cohort A", "2024/25", "2 September 2024", "Team A", "2", "1,510"]]
    assert "Add a cohort" not in page.text  # EMHPs may look, not change
    assert client.get("/cohorts/new").status_code == 403


def test_a_cohort_shows_its_schools_with_their_status(world, auth, client, make_user):
    a1 = world.school_a1
    a1.participation_status = ParticipationStatus.ONBOARDING
    db.session.commit()
    auth.sign_in("emhp@test.example")
    page = client.get(f"/cohorts/{world.cohort_a.id}")
    assert page.status_code == 200
    rows = [
        [cell.get_text(" ", strip=True) for cell in tr.select("td")]
        for tr in soup(page).select("tbody tr")
    ]
    assert [row[0] for row in rows] == ["School A1", "School A2"]
    assert [row[3] for row in rows] == ["Onboarding", "Active"]  # A2 is active in the world
    assert f'href="/schools/{a1.id}"' in page.text
    assert "Change this cohort" not in page.text
    auth.sign_out()

    # Staff of another team may see the cohort, but not open its schools' pages.
    make_user(Role.EMHP, team=world.team_b, email="emhp.b@test.example")
    auth.sign_in("emhp.b@test.example")
    page = client.get(f"/cohorts/{world.cohort_a.id}")
    assert page.status_code == 200
    assert "School A1" in page.text
    assert f'href="/schools/{a1.id}"' not in page.text


def test_school_leads_cannot_see_cohorts(world, auth, client):
    auth.sign_in("mhl@test.example")
    assert client.get("/cohorts/").status_code == 403
    assert client.get(f"/cohorts/{world.cohort_a.id}").status_code == 403


def test_unknown_cohort_is_404(admin, auth, client):
    assert client.get("/cohorts/999999").status_code == 404
    assert client.get("/cohorts/999999/edit").status_code == 404
    assert auth.post("/cohorts/999999/edit", {}).status_code == 404


def test_the_list_uses_a_constant_number_of_queries(
    admin, world, client, make_team, make_school, count_queries
):
    def queries() -> int:
        before = len(count_queries())
        assert client.get("/cohorts/").status_code == 200
        return len(count_queries()) - before

    small = queries()
    for number in range(5):
        team = make_team()
        db.session.add(
            Cohort(
                name=f"Extra {number}",
                academic_year=2025,
                go_live_date=date(2025, 10, 1),
                teams=[team, world.team_a],
                schools=[make_school(team=team), make_school(team=team)],
            )
        )
    db.session.commit()
    assert queries() == small
