"""Administrators add service areas and MHST teams."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team


@pytest.fixture
def admin(world, auth):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)


def test_add_an_area_and_a_team(admin, auth, client):
    assert auth.post("/admin/organisation/areas", {"area-name": "Rutland"}).status_code == 302
    area = db.session.scalars(select(ServiceArea).where(ServiceArea.name == "Rutland")).one()
    response = auth.post(
        "/admin/organisation/teams", {"team-name": "Rutland MHST", "team-area_id": str(area.id)}
    )
    assert response.status_code == 302
    page = client.get("/admin/organisation/").get_data(as_text=True)
    assert "Rutland MHST" in page


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("areas", {"area-name": ""}, "Enter the area's name"),
        ("areas", {"area-name": "north area"}, "An area with this name already exists"),
        ("teams", {"team-name": "", "team-area_id": "AREA"}, "Enter the team's name"),
        ("teams", {"team-name": "New", "team-area_id": ""}, "Select the team's area"),
        ("teams", {"team-name": "New", "team-area_id": "99999"}, "Select an area from the list"),
        ("teams", {"team-name": "TEAM A", "team-area_id": "AREA"}, "A team with this name"),
    ],
)
def test_bad_answers_are_explained(admin, world, auth, path, data, message):
    data = {k: (str(world.area_a.id) if v == "AREA" else v) for k, v in data.items()}
    response = auth.post(f"/admin/organisation/{path}", data)
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert response.status_code == 400
    assert message in page.get_text()
    for name, typed in data.items():
        if name.endswith("-name"):
            assert page.find("input", attrs={"name": name})["value"] == typed
    assert db.session.scalars(select(Team).where(Team.name == "New")).all() == []
