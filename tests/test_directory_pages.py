"""The directory pages: search and filters for every role, and administrators' edits."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditEvent
from mhst.directory.models import Concern, DirectoryService, DirectoryTable
from mhst.directory.operations import import_directory
from mhst.extensions import db
from tests.conftest import in_ci

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "003_c8d4e1b54f9c0eec.txt"
# Seed 003 lives beside the repository (shared/seeds), as in CI. Without it these tests
# are skipped with this reason locally; in CI (CI=true) they run and fail instead.
pytestmark = pytest.mark.skipif(
    not SEED.exists() and not in_ci(), reason=f"{SEED} is not beside the repository"
)


@pytest.fixture
def directory(app):
    import_directory(SEED.read_text(encoding="utf-8"))
    db.session.commit()


def _service(name: str, table: DirectoryTable = DirectoryTable.CHILDREN) -> DirectoryService:
    return db.session.scalars(
        select(DirectoryService).where(
            DirectoryService.name == name, DirectoryService.table_kind == table
        )
    ).first()


def test_the_commissioner_cannot_open_the_directory(world, auth, client):
    auth.sign_in(world.users[Role.COMMISSIONER].email)
    assert client.get("/directory/").status_code == 403


def _names(html: str, names: list[str]) -> list[str]:
    return [name for name in names if f">{name}</a>" in html.replace("&amp;", "&")]


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.COMMISSIONER])
def test_every_role_can_search_the_directory(role, world, auth, client, directory):
    auth.sign_in(world.users[role].email)
    response = client.get("/directory/")
    assert response.status_code == 200
    html = response.text
    assert "72 services" in html
    assert html.index("Urgent/crisis intervention") < html.index("Resilience and wellbeing")
    assert (
        "Change this entry" in client.get(f"/directory/{_service('CAMHS Crisis Team').id}").text
    ) is (role is Role.ADMINISTRATOR)


def test_search_and_every_filter(world, auth, client, directory):
    auth.sign_in(world.users[Role.EMHP].email)
    candidates = [
        "CAMHS Crisis Team",
        "The Laura Centre",
        "Active Rutland",
        "Leicester Sexual Health",
        "ADHD",
        "Harmless - self harm",
        "Tomorrow project - for those bereaved by suicide",
    ]

    html = client.get("/directory/?q=crisis").text
    assert _names(html, candidates) == ["CAMHS Crisis Team"]
    html = client.get("/directory/?q=BEREAVEMENT+CHARITY").text  # description, any case
    assert _names(html, candidates) == ["The Laura Centre"]

    html = client.get("/directory/?concern=bereavement").text
    assert _names(html, candidates) == [
        "The Laura Centre",
        "Tomorrow project - for those bereaved by suicide",
    ]
    html = client.get("/directory/?need=Urgent/crisis+intervention").text
    assert "6 services" in html  # 3 children's, 3 adult (counted in the file)
    html = client.get("/directory/?area=rutland&q=active").text
    assert _names(html, ["Active Rutland", "Active Together"]) == [
        "Active Rutland",
        "Active Together",
    ]
    html = client.get("/directory/?area=city&q=sexual+health").text
    assert _names(
        html, ["Leicester Sexual Health", "Leicestershire and Rutland Sexual Health"]
    ) == ["Leicester Sexual Health"]
    html = client.get("/directory/?table=adult&q=adhd").text
    assert _names(html, candidates) == ["ADHD"]
    html = client.get("/directory/?table=children&q=adhd").text
    assert "0 services" in html
    html = client.get("/directory/?age=12&concern=self_harm").text
    assert _names(html, candidates) == ["Harmless - self harm"]
    html = client.get("/directory/?age=19&q=CAMHS").text  # CAMHS is up to 18
    assert "CAMHS Crisis Team" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("age=26", "Age must be a whole number from 0 to 25"),
        ("age=ten", "Age must be a whole number from 0 to 25"),
        ("age=-1", "Age must be a whole number from 0 to 25"),
        ("concern=worry", "Select a concern from the list"),
        ("need=Whenever", "Select a level of need from the list"),
        ("area=mars", "Select an area from the list"),
        ("table=pets", "Select children and young people or adults"),
    ],
)
def test_unusable_filters_give_400_with_a_message(query, message, world, auth, client, directory):
    auth.sign_in(world.users[Role.EMHP].email)
    response = client.get(f"/directory/?{query}")
    assert response.status_code == 400
    assert message in html.unescape(response.text)


def test_the_list_uses_a_constant_number_of_queries(world, auth, client, count_queries):
    auth.sign_in(world.users[Role.EMHP].email)
    import_directory("\n".join(SEED.read_text(encoding="utf-8").splitlines()[:10]))
    db.session.commit()
    before = len(count_queries())
    assert client.get("/directory/").status_code == 200
    small = len(count_queries()) - before
    import_directory(SEED.read_text(encoding="utf-8"))
    db.session.commit()
    before = len(count_queries())
    assert client.get("/directory/").status_code == 200
    assert len(count_queries()) - before == small


def test_show_page_and_unknown_service(world, auth, client, directory):
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    service = _service("CAMHS Crisis Team")
    html = client.get(f"/directory/{service.id}").text
    assert "Up to 18" in html
    assert "Call direct (SENCO has number)" in html
    assert client.get("/directory/999999").status_code == 404


def _form(**changes) -> dict:
    data = {
        "name": "CAMHS Crisis Team",
        "level_of_need": "Urgent/crisis intervention",
        "provider": "",
        "description": "Crisis support for children and young people.",
        "area_text": "LLR",
        "areas": ["city", "county", "rutland"],
        "age_text": "Up to 18",
        "min_age": "0",
        "max_age": "18",
        "concerns": ["general_mental_health", "self_harm"],
    }
    data.update(changes)
    return data


def test_administrator_edits_an_entry_and_it_is_audited(world, auth, client, directory):
    admin = world.users[Role.ADMINISTRATOR]
    auth.sign_in(admin.email)
    service = _service("CAMHS Crisis Team")
    page = client.get(f"/directory/{service.id}/edit")
    assert page.status_code == 200
    assert "Importing the directory file again replaces changes" in page.text
    response = auth.post(f"/directory/{service.id}/edit", _form(area_text="City", areas=["city"]))
    assert response.status_code == 302
    service = db.session.get(DirectoryService, service.id)
    assert service.area_text == "City"
    assert (service.covers_city, service.covers_county) == (True, False)
    assert service.concerns == [Concern.GENERAL_MENTAL_HEALTH, Concern.SELF_HARM]
    assert service.edited_by_admin
    assert service.updated_by_id == admin.id
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "directory_service",
            AuditEvent.record_id == str(service.id),
            AuditEvent.user_id == admin.id,
        )
    ).one()
    assert "area" in event.detail
    assert "concerns" in event.detail


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_age": "19", "max_age": "18"}, "Maximum age must be the same as or more than"),
        ({"min_age": "ten"}, "Minimum age must be a whole number, 0 or more"),
        ({"max_age": "500"}, "Maximum age must be 120 or less"),
        ({"name": "  "}, "Enter the service's name"),
        ({"concerns": ["worry"]}, "Select concerns from the list"),
        ({"areas": ["mars"]}, "Select areas from the list"),
        ({"name": "NHS 111 (select option 2)"}, "Another service has this name"),
    ],
)
def test_edit_validation_keeps_the_input(changes, message, world, auth, client, directory):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    service = _service("CAMHS Crisis Team")
    response = auth.post(
        f"/directory/{service.id}/edit", _form(description="My new text", **changes)
    )
    assert response.status_code == 400
    assert message in html.unescape(response.text)
    assert "My new text" in response.text
    assert db.session.get(DirectoryService, service.id).description != "My new text"


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.ADMINISTRATOR])
def test_only_administrators_edit(role, world, auth, client, directory):
    auth.sign_in(world.users[role].email)
    service = _service("CAMHS Crisis Team")
    assert client.get(f"/directory/{service.id}/edit").status_code == 403
    assert auth.post(f"/directory/{service.id}/edit", _form(name="Hacked")).status_code == 403
    assert db.session.get(DirectoryService, service.id).name == "CAMHS Crisis Team"
