"""Lookups are scoped by the user's school or team: anything out of scope is a 404."""

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.schools.models import School
from mhst.security import scoping

VISIBLE_SCHOOLS = {
    Role.ADMINISTRATOR: {"School A1", "School A2", "School B1", "School B2"},
    Role.CLINICAL_LEAD: {"School A1", "School A2", "School B1", "School B2"},
    Role.SENIOR_CLINICIAN: {"School A1", "School A2"},
    Role.EMHP: {"School A1", "School A2"},
    Role.SCHOOL_MENTAL_HEALTH_LEAD: {"School A1"},
    Role.COMMISSIONER: set(),  # suppressed reports only: no schools' pages at all
}
# Roles that may open the schools' pages (the commissioner may not: see below).
SCHOOL_PAGE_ROLES = [role for role in Role if role is not Role.COMMISSIONER]


@pytest.mark.parametrize("role", list(Role))
def test_school_scope_clause(role, world):
    user = world.users[role]
    names = set(db.session.scalars(select(School.name).where(scoping.scope(user, School))).all())
    assert names == VISIBLE_SCHOOLS[role]


@pytest.mark.parametrize("role", SCHOOL_PAGE_ROLES)
def test_schools_page_lists_only_schools_in_scope(role, world, auth, client):
    auth.sign_in(world.users[role].email)
    page = client.get("/schools/").get_data(as_text=True)
    for name in ("School A1", "School A2", "School B1", "School B2"):
        assert (name in page) == (name in VISIBLE_SCHOOLS[role]), name


@pytest.mark.parametrize("role", SCHOOL_PAGE_ROLES)
@pytest.mark.parametrize("school", ["school_a1", "school_a2", "school_b1", "school_b2"])
def test_school_page_is_404_out_of_scope(role, school, world, auth, client):
    auth.sign_in(world.users[role].email)
    target = getattr(world, school)
    response = client.get(f"/schools/{target.id}")
    if target.name in VISIBLE_SCHOOLS[role]:
        assert response.status_code == 200
        assert target.nhs_org_code in response.get_data(as_text=True)
    else:
        assert response.status_code == 404
        assert target.name not in response.get_data(as_text=True)


def test_the_commissioner_is_refused_every_school_page(world, auth, client):
    auth.sign_in(world.users[Role.COMMISSIONER].email)
    assert client.get("/schools/").status_code == 403
    for school in (world.school_a1, world.school_b1):
        response = client.get(f"/schools/{school.id}")
        assert response.status_code == 403
        assert school.name not in response.get_data(as_text=True)


def test_unknown_school_is_404_like_an_out_of_scope_one(world, auth, client):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    assert client.get("/schools/987654321").status_code == 404


def test_staff_without_a_team_see_no_team_work(world, make_user):
    drifting = make_user(Role.EMHP, team=None)
    assert db.session.scalars(select(School).where(scoping.scope(drifting, School))).all() == []
    assert db.session.scalars(select(Team).where(scoping.scope(drifting, Team))).all() == []


@pytest.mark.parametrize(
    ("role", "teams"),
    [
        (Role.ADMINISTRATOR, {"Team A", "Team B"}),
        (Role.CLINICAL_LEAD, {"Team A", "Team B"}),
        (Role.SENIOR_CLINICIAN, {"Team A"}),
        (Role.EMHP, {"Team A"}),
        (Role.SCHOOL_MENTAL_HEALTH_LEAD, set()),
    ],
)
def test_team_scope_clause(role, teams, world):
    user = world.users[role]
    found = set(db.session.scalars(select(Team.name).where(scoping.scope(user, Team))).all())
    assert found == teams
