"""Administrators create users, change their role, team or school, and deactivate them."""

import html

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role, User
from mhst.audit.models import AuditAction, AuditEvent
from mhst.extensions import db
from tests.conftest import PASSWORD, AuthActions

NEW_PASSWORD = "a long temporary password"


@pytest.fixture
def admin(world, auth):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    return world.users[Role.ADMINISTRATOR]


def new_user_data(world, **changes):
    data = {
        "full_name": "Robin Example",
        "email": "Robin.Example@Test.Example",
        "role": Role.EMHP.value,
        "team_id": str(world.team_a.id),
        "school_id": "",
        "password": NEW_PASSWORD,
    }
    return {**data, **changes}


def test_administrator_adds_a_user_who_can_then_sign_in(admin, world, auth, app):
    # A commissioner's role needs no second administrator (tests/test_role_approval.py).
    data = new_user_data(world, role=Role.COMMISSIONER.value, team_id="")
    response = auth.post("/admin/users/new", data)
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "robin.example@test.example")).one()
    assert (user.role, user.team_id, user.school_id) == (Role.COMMISSIONER, None, None)
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "user", AuditEvent.record_id == str(user.id)
        )
    ).one()
    assert (event.action, event.user_id) == (AuditAction.CREATE, admin.id)

    other = AuthActions(app.test_client())
    response = other.sign_in("robin.example@test.example", NEW_PASSWORD)
    assert "Save your recovery codes" in response.get_data(as_text=True)  # an app set up,
    # then to choose their own password: the password was temporary
    assert other.client.get("/").headers["Location"] == "/account/password"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"full_name": "   "}, "full_name", "Enter the user's full name"),
        ({"email": ""}, "email", "Enter the user's email address"),
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
        ({"email": "x" * 300 + "@test.example"}, "email", "254 characters or fewer"),
        ({"email": "EMHP@test.example"}, "email", "A user with this email address already exists"),
        ({"role": ""}, "role", "Select the user's role"),
        ({"role": "superuser"}, "role", "Select the user's role"),
        ({"team_id": ""}, "team_id", "Select the team this education mental health"),
        ({"team_id": "abc"}, "team_id", "Select a team from the list"),
        ({"team_id": "999999"}, "team_id", "Select a team from the list"),
        (
            {"role": Role.SCHOOL_MENTAL_HEALTH_LEAD.value, "team_id": ""},
            "school_id",
            "Select the school this lead works at",
        ),
        ({"school_id": "PLACEHOLDER"}, "school_id", "Only a school mental health lead"),
        ({"password": "short"}, "password", "Password must be 12 characters or more"),
        ({"password": "aaaaaaaaaaaaaaaa"}, "password", "must not repeat the same few"),
    ],
)
def test_bad_answers_are_explained_and_typed_text_kept(admin, world, auth, changes, field, message):
    if changes.get("school_id") == "PLACEHOLDER":
        changes = {**changes, "school_id": str(world.school_a1.id)}
    response = auth.post("/admin/users/new", new_user_data(world, **changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.unescape(page)
    assert f'href="#{field}"' in page  # the error summary links to the field
    if field != "full_name":
        assert 'value="Robin Example"' in page
    assert NEW_PASSWORD not in page  # passwords are never sent back
    assert db.session.scalars(select(User).where(User.full_name == "Robin Example")).all() == []


def test_an_empty_form_lists_every_problem_in_page_order(admin, auth):
    page = BeautifulSoup(auth.post("/admin/users/new", {}).get_data(as_text=True), "html.parser")
    summary = [
        (link["href"], link.get_text(strip=True))
        for link in page.select(".nhsuk-error-summary__list a")
    ]
    assert summary == [
        ("#full_name", "Enter the user's full name"),
        ("#email", "Enter the user's email address"),
        ("#role", "Select the user's role"),
        ("#password", "Enter a temporary password"),
    ]
    inline = [e.get_text(" ", strip=True) for e in page.select(".nhsuk-error-message")]
    assert inline[0] == "Error: Enter the user's full name"
    assert len(inline) == 4


def test_changing_a_users_team_ends_their_sessions(admin, world, auth, app):
    emhp = world.users[Role.EMHP]
    their_client = app.test_client()
    AuthActions(their_client).sign_in(emhp.email)
    assert their_client.get("/").status_code == 200

    response = auth.post(
        f"/admin/users/{emhp.id}",
        {"full_name": emhp.full_name, "role": "emhp", "team_id": str(world.team_b.id)},
    )
    assert response.status_code == 302
    assert db.session.get(User, emhp.id).team_id == world.team_b.id
    assert their_client.get("/notifications/").status_code == 302  # signed out: must sign in again


def test_a_lead_can_be_moved_to_another_school(admin, world, auth):
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    response = auth.post(
        f"/admin/users/{lead.id}",
        {
            "full_name": lead.full_name,
            "role": Role.SCHOOL_MENTAL_HEALTH_LEAD.value,
            "team_id": "",
            "school_id": str(world.school_b1.id),
        },
    )
    assert response.status_code == 302
    assert db.session.get(User, lead.id).school_id == world.school_b1.id


def test_edit_form_shows_current_values(admin, world, client):
    emhp = world.users[Role.EMHP]
    page = client.get(f"/admin/users/{emhp.id}").get_data(as_text=True)
    assert f'value="{emhp.full_name}"' in page
    assert 'value="emhp" checked' in page
    assert f'value="{world.team_a.id}" selected' in page


def test_deactivation_ends_the_users_session_and_sign_in(admin, world, auth, app):
    emhp = world.users[Role.EMHP]
    their_client = app.test_client()
    AuthActions(their_client).sign_in(emhp.email)
    assert their_client.get("/").status_code == 200

    assert auth.post(f"/admin/users/{emhp.id}/deactivate").status_code == 302
    assert their_client.get("/notifications/").status_code == 302
    assert AuthActions(app.test_client()).sign_in(emhp.email).status_code == 401

    assert auth.post(f"/admin/users/{emhp.id}/reactivate").status_code == 302
    assert AuthActions(app.test_client()).sign_in(emhp.email, PASSWORD).status_code == 302
    details = db.session.scalars(
        select(AuditEvent.detail)
        .where(AuditEvent.record_id == str(emhp.id), AuditEvent.action == AuditAction.UPDATE)
        .order_by(AuditEvent.id)
    ).all()
    assert details == ["deactivated", "reactivated"]


def test_administrators_cannot_lock_themselves_out(admin, auth, client):
    response = auth.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    response = auth.post(
        f"/admin/users/{admin.id}",
        {"full_name": admin.full_name, "role": "clinical_lead", "team_id": ""},
    )
    assert "You cannot remove your own administrator role" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).active
    assert db.session.get(User, admin.id).role is Role.ADMINISTRATOR


def test_unknown_user_is_404(admin, client, auth):
    assert client.get("/admin/users/999999").status_code == 404
    assert auth.post("/admin/users/999999/deactivate").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("?role=emhp", "emhp@test.example", "senior@test.example"),
        ("?q=SENIOR", "senior@test.example", "emhp@test.example"),
        ("?status=active", "emhp@test.example", None),
        ("?page=abc", "emhp@test.example", None),
        ("?page=999", "emhp@test.example", None),
    ],
)
def test_user_list_filters(admin, world, client, query, expected, absent):
    response = client.get("/admin/users/" + query)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert expected in page
    if absent:
        assert absent not in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?role=superuser", "Select a role from the list"),
        ("?team=abc", "Select a team from the list"),
        ("?status=maybe", "Select a status from the list"),
    ],
)
def test_unknown_filter_values_get_a_message(admin, world, client, query, message):
    response = client.get("/admin/users/" + query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
