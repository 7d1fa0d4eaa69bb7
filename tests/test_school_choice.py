"""Choosing a school when the scope holds many (issue 14, mhst.schools.choosing): the
administrator's user form, recording a referral, correcting a child's details and
setting up a group list only the chosen team's schools, with the same number of queries
however many schools there are; "Show schools" keeps what was typed and saves nothing;
a school outside the user's scope is refused as before."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mhst.accounts.models import Role, User
from mhst.extensions import db
from mhst.referrals.models import Referral
from mhst.schools.choosing import NARROW_ABOVE, NARROW_BUTTON
from mhst.schools.models import School
from mhst.sessions.group_models import GroupProgramme
from tests.test_admin_users import new_user_data
from tests.test_groups import group_form
from tests.test_referral_submission import RECORD_URL, record_data

_numbers = iter(range(900000, 999999))


def add_schools(count: int, teams, area=None) -> list[School]:
    """``count`` schools spread over ``teams`` (None: no team), in one commit."""
    schools = []
    for n in range(count):
        team = teams[n % len(teams)]
        number = next(_numbers)
        schools.append(
            School(
                name=f"Many {number}",
                urn=str(number),
                area_id=team.area_id if team is not None else area.id,
                team_id=team.id if team is not None else None,
            )
        )
    db.session.add_all(schools)
    db.session.commit()
    return schools


def options(response, select_id: str) -> dict[str, str]:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    select_ = page.find("select", id=select_id)
    assert select_ is not None, f"no select #{select_id}"
    return {option["value"]: option.get_text(strip=True) for option in select_.find_all("option")}


def selected(response, select_id: str) -> str | None:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    chosen = page.find("select", id=select_id).find("option", selected=True)
    return chosen["value"] if chosen else None


def queries_for(client, count_queries, url: str) -> tuple[int, object]:
    before = len(count_queries())
    response = client.get(url)
    assert response.status_code == 200
    return len(count_queries()) - before, response


def school_ids(schools) -> set[str]:
    return {str(school.id) for school in schools}


@pytest.fixture
def admin(world, auth):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    return world.users[Role.ADMINISTRATOR]


# ---- the administrator's user form: every school in the country is in scope ----------


def test_the_user_form_lists_no_school_until_a_team_is_chosen_with_constant_queries(
    world, admin, client, count_queries, make_team
):
    teams = [make_team(area=world.area_a), make_team(area=world.area_b)]
    add_schools(NARROW_ABOVE + 10, teams)
    narrowed_url = f"/admin/users/new?school_team={teams[0].id}"
    first, response = queries_for(client, count_queries, "/admin/users/new")
    first_narrowed, _ = queries_for(client, count_queries, narrowed_url)
    assert options(response, "school_id") == {"": "No school (staff)"}
    assert {world.area_a.name, world.area_b.name} <= set(options(response, "school_area").values())
    assert str(teams[0].id) in options(response, "school_team")
    add_schools(70, teams)  # 130 more schools than the threshold: the pages cost the same
    second, response = queries_for(client, count_queries, "/admin/users/new")
    assert first == second
    second_narrowed, response = queries_for(client, count_queries, narrowed_url)
    assert first_narrowed == second_narrowed
    in_team = db.session.scalars(select(School).where(School.team_id == teams[0].id)).all()
    assert len(in_team) == 65
    assert set(options(response, "school_id")) == {"", *school_ids(in_team)}
    assert options(response, "school_id")[str(in_team[0].id)].endswith(f"(URN {in_team[0].urn})")


def test_show_schools_keeps_what_was_typed_saves_nothing_and_then_the_school_is_saved(
    world, admin, auth, client, make_team
):
    team = make_team(area=world.area_b)
    add_schools(NARROW_ABOVE + 1, [team, None], area=world.area_b)
    users = db.session.scalar(select(func.count(User.id)))
    data = new_user_data(world, role=Role.SCHOOL_MENTAL_HEALTH_LEAD.value, team_id="")
    # An area alone lists no school; the area's teams and its schools with no team.
    response = auth.post(
        "/admin/users/new", {**data, "school_area": str(world.area_b.id), NARROW_BUTTON: "1"}
    )
    assert response.status_code == 200
    assert options(response, "school_id") == {"": "No school (staff)"}
    assert set(options(response, "school_team")) == {"", str(world.team_b.id), str(team.id), "none"}
    response = auth.post(
        "/admin/users/new",
        {**data, "school_area": str(world.area_b.id), "school_team": "none", NARROW_BUTTON: "1"},
    )
    teamless = db.session.scalars(
        select(School).where(School.team_id.is_(None), School.area_id == world.area_b.id)
    ).all()
    assert set(options(response, "school_id")) == {"", *school_ids(teamless)}
    html = response.get_data(as_text=True)
    assert 'value="Robin Example"' in html
    assert 'value="Robin.Example@Test.Example"' in html
    assert "There is a problem" not in html
    assert db.session.scalar(select(func.count(User.id))) == users  # nothing saved

    chosen = teamless[0]
    response = auth.post("/admin/users/new", {**data, "school_id": str(chosen.id)})
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "robin.example@test.example")).one()
    assert user.school_id == chosen.id
    # Its page opens narrowed to that school's area and team, the school chosen.
    response = client.get(f"/admin/users/{user.id}")
    assert (selected(response, "school_area"), selected(response, "school_team")) == (
        str(world.area_b.id),
        "none",
    )
    assert selected(response, "school_id") == str(chosen.id)
    assert str(world.school_b1.id) not in options(response, "school_id")


def test_a_school_that_does_not_exist_or_a_crafted_narrowing_is_refused_never_a_500(
    world, admin, auth, client
):
    add_schools(NARROW_ABOVE + 1, [world.team_a])
    data = new_user_data(world, role=Role.SCHOOL_MENTAL_HEALTH_LEAD.value, team_id="")
    response = auth.post("/admin/users/new", {**data, "school_id": "99999999"})
    assert response.status_code == 400
    assert "Select a school from the list" in response.get_data(as_text=True)
    for narrowing in ({"school_area": "x"}, {"school_team": "99999999"}, {"school_area": "-1"}):
        response = client.get("/admin/users/new", query_string=narrowing)
        assert response.status_code == 200  # dropped: the lists start again
        assert selected(response, "school_area") in (None, "")
        assert options(response, "school_id") == {"": "No school (staff)"}


# ---- team-limited users: recording a referral, setting up a group -----------------------


def test_recording_a_referral_narrows_to_the_team_and_refuses_another_teams_school(
    world, auth, client, count_queries, make_team
):
    auth.sign_in(world.users[Role.EMHP].email)
    second_team = make_team(area=world.area_a)
    add_schools(NARROW_ABOVE, [world.team_a])
    add_schools(10, [world.team_b, second_team])
    first, response = queries_for(client, count_queries, RECORD_URL)
    assert options(response, "school_id") == {"": "Select a school"}
    # Only the areas and teams of the user's own scope are offered.
    assert set(options(response, "school_team")) == {"", str(world.team_a.id)}
    assert set(options(response, "school_area")) == {"", str(world.area_a.id)}
    add_schools(70, [world.team_a])
    second, response = queries_for(client, count_queries, RECORD_URL)
    assert first == second
    referrals = db.session.scalar(select(func.count(Referral.id)))
    response = auth.post(
        RECORD_URL,
        record_data(world.school_a1, school_team=str(world.team_a.id), **{NARROW_BUTTON: "1"}),
    )
    assert response.status_code == 200
    team_a = db.session.scalars(select(School).where(School.team_id == world.team_a.id)).all()
    assert set(options(response, "school_id")) == {"", *school_ids(team_a)}
    assert selected(response, "school_id") == str(world.school_a1.id)  # kept
    assert 'value="Dr Ima Invented"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Referral.id))) == referrals

    response = auth.post(RECORD_URL, record_data(world.school_b1))
    assert response.status_code == 400
    assert "Select a school" in response.get_data(as_text=True)
    response = auth.post(RECORD_URL, record_data(team_a[-1]))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Referral.id))) == referrals + 1


def test_a_small_team_still_chooses_from_one_plain_select(world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    response = client.get(RECORD_URL)
    assert set(options(response, "school_id")) == {
        "",
        str(world.school_a1.id),
        str(world.school_a2.id),
    }
    assert 'id="school_area"' not in response.get_data(as_text=True)


def test_setting_up_a_group_narrows_its_school_with_constant_queries(
    world, auth, client, count_queries
):
    auth.sign_in(world.users[Role.EMHP].email)
    add_schools(NARROW_ABOVE + 5, [world.team_a])
    first, response = queries_for(client, count_queries, "/groups/new")
    assert options(response, "school_id") == {"": "None: the group meets online only"}
    add_schools(60, [world.team_a])
    second, response = queries_for(client, count_queries, "/groups/new")
    assert first == second
    groups = db.session.scalar(select(func.count(GroupProgramme.id)))
    response = auth.post(
        "/groups/new",
        group_form(world, school_id="", school_team=str(world.team_a.id), **{NARROW_BUTTON: "1"}),
    )
    assert response.status_code == 200
    assert len(options(response, "school_id")) == 1 + 2 + NARROW_ABOVE + 5 + 60
    assert 'value="Calm club"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(GroupProgramme.id))) == groups
    response = auth.post("/groups/new", group_form(world))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(GroupProgramme.id))) == groups + 1


# ---- correcting a child's details --------------------------------------------------------


def test_correcting_a_child_opens_at_their_schools_team_with_constant_queries(
    world, auth, client, count_queries, make_team
):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    child = world.referral_a1.child
    other = make_team(area=world.area_b)
    add_schools(NARROW_ABOVE + 10, [world.team_a, other])
    url = f"/children/{child.id}/correct"
    first, response = queries_for(client, count_queries, url)
    team_a = db.session.scalars(select(School).where(School.team_id == world.team_a.id)).all()
    assert set(options(response, "school_id")) == school_ids(team_a)
    assert selected(response, "school_id") == str(child.school_id)
    add_schools(80, [world.team_a, other])
    second, response = queries_for(client, count_queries, url)
    assert first == second
    response = auth.post(
        url,
        {
            "school_area": str(world.area_b.id),
            "school_team": str(other.id),
            NARROW_BUTTON: "1",
            "school_id": str(child.school_id),
            "given_name": "Typed but not saved",
        },
    )
    assert response.status_code == 200
    in_other = db.session.scalars(select(School).where(School.team_id == other.id)).all()
    assert set(options(response, "school_id")) == {str(child.school_id), *school_ids(in_other)}
    assert 'value="Typed but not saved"' in response.get_data(as_text=True)
    db.session.refresh(child)
    assert child.given_name != "Typed but not saved"


# ---- whatever the URL says, only schools in scope, never a 500 ------------------------

NARROWING_TEXT = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-5, max_value=2**40).map(str),
    st.just("none"),
)


@pytest.fixture
def crowded_team_a(world):
    """Team A with more schools than the threshold; team B's stay out of its reach."""
    add_schools(NARROW_ABOVE + 1, [world.team_a])
    add_schools(3, [world.team_b])
    return {
        str(school_id)
        for school_id in db.session.scalars(
            select(School.id).where(School.team_id == world.team_a.id)
        )
    }


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    area=NARROWING_TEXT,
    team=NARROWING_TEXT,
    school=st.one_of(NARROWING_TEXT, st.sampled_from(["b1", "b2"])),
)
def test_any_narrowing_offers_only_schools_in_scope(
    world, auth, client, crowded_team_a, area, team, school
):
    if client.get("/notifications/").status_code != 200:  # signed in once, for every example
        auth.sign_in(world.users[Role.EMHP].email)
    team_b = {"b1": world.school_b1.id, "b2": world.school_b2.id}
    chosen = str(team_b.get(school, school))
    # Sent by Show schools with a school of team B (or nonsense) as the one chosen.
    response = auth.post(
        RECORD_URL,
        {"school_area": area, "school_team": team, "school_id": chosen, NARROW_BUTTON: "1"},
    )
    assert response.status_code == 200
    assert set(options(response, "school_id")) - {""} <= crowded_team_a
    assert set(options(response, "school_team")) <= {"", str(world.team_a.id), "none"}
