"""A role that opens children's records or the user pages (EMHP, senior clinician,
clinical lead, administrator) needs a second administrator's approval; the one who asked
cannot approve it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mhst.accounts import approvals
from mhst.accounts.models import Role, User
from mhst.audit.models import AuditEvent
from mhst.extensions import db
from tests.conftest import AuthActions, new_user

TEMPORARY = "temporary harbour lantern"


@pytest.fixture
def admins(world, app):
    """Two administrators, each signed in in their own client."""
    first = AuthActions(app.test_client())
    first.sign_in(world.users[Role.ADMINISTRATOR].email)
    other = new_user(Role.ADMINISTRATOR, email="second.admin@test.example")
    second = AuthActions(app.test_client())
    second.sign_in(other.email)
    return first, second, world.users[Role.ADMINISTRATOR], other


def add_emhp(auth: AuthActions, world, email="pat.new@test.example"):
    data = {
        "full_name": "Pat New",
        "email": email,
        "role": Role.EMHP.value,
        "team_id": str(world.team_a.id),
        "school_id": "",
        "password": TEMPORARY,
    }
    response = auth.post("/admin/users/new", data)
    assert response.status_code == 302
    return db.session.scalars(select(User).where(User.email == email)).one()


@pytest.mark.parametrize(
    ("role", "needed"),
    [
        (Role.EMHP, True),
        (Role.SENIOR_CLINICIAN, True),
        (Role.CLINICAL_LEAD, True),
        (Role.ADMINISTRATOR, True),
        (Role.SCHOOL_MENTAL_HEALTH_LEAD, False),
        (Role.COMMISSIONER, False),
    ],
)
def test_which_roles_need_approval(role, needed):
    assert approvals.needs_approval(role) is needed


def test_a_new_clinical_account_waits_for_a_second_administrator(admins, world, app):
    first, second, admin_a, admin_b = admins
    user = add_emhp(first, world)
    assert (user.active, user.awaiting_first_approval, user.pending_role) == (
        False,
        True,
        Role.EMHP,
    )
    assert user.role_requested_by_id == admin_a.id
    pat = AuthActions(app.test_client())
    assert pat.sign_in(user.email, TEMPORARY).status_code == 401

    listing = first.client.get("/admin/users/?status=awaiting").get_data(as_text=True)
    assert "Pat New" in listing
    assert "Awaiting approval" in listing
    page = first.client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "another administrator must approve it" in page
    assert "Approve the role" not in page

    # A cannot approve their own request.
    first.post(f"/admin/users/{user.id}/approve-role")
    db.session.refresh(user)
    assert user.awaiting_first_approval
    assert not user.active
    page = first.client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "You asked for this role, so another administrator must approve it" in page

    # B can.
    assert "Approve the role" in second.client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert second.post(f"/admin/users/{user.id}/approve-role").status_code == 302
    db.session.refresh(user)
    assert (user.active, user.awaiting_first_approval, user.pending_role) == (True, False, None)
    assert (user.role, user.team_id) == (Role.EMHP, world.team_a.id)
    detail = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.record_id == str(user.id), AuditEvent.user_id == admin_b.id
        )
    ).one()
    assert detail == "role emhp approved (asked for by admin@test.example)"
    response = pat.sign_in(user.email, TEMPORARY)  # the first sign-in: an app set up
    assert "Save your recovery codes" in response.get_data(as_text=True)


def test_a_declined_new_account_cannot_be_reactivated(admins, world, app):
    first, second, _, _ = admins
    user = add_emhp(first, world)
    assert second.post(f"/admin/users/{user.id}/decline-role").status_code == 302
    db.session.refresh(user)
    assert user.pending_role is None
    assert not user.active
    first.post(f"/admin/users/{user.id}/reactivate")
    db.session.refresh(user)
    assert not user.active
    page = first.client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Role declined" in page


def test_a_role_change_keeps_the_old_role_until_approved(admins, world, app):
    first, second, _, _ = admins
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    their_session = AuthActions(app.test_client())
    their_session.sign_in(lead.email)
    data = {
        "full_name": "Renamed Lead",
        "role": Role.EMHP.value,
        "team_id": str(world.team_a.id),
        "school_id": "",
    }
    assert first.post(f"/admin/users/{lead.id}", data).status_code == 302
    db.session.refresh(lead)
    assert lead.role is Role.SCHOOL_MENTAL_HEALTH_LEAD
    assert lead.school_id == world.school_a1.id
    assert lead.full_name == "Renamed Lead"  # the rest of the change applied
    assert (lead.pending_role, lead.pending_team_id) == (Role.EMHP, world.team_a.id)
    assert their_session.client.get("/").status_code == 200  # nothing changed for them yet

    # The same administrator cannot approve; their attempt changes nothing.
    first.post(f"/admin/users/{lead.id}/approve-role")
    db.session.refresh(lead)
    assert lead.role is Role.SCHOOL_MENTAL_HEALTH_LEAD

    assert second.post(f"/admin/users/{lead.id}/approve-role").status_code == 302
    db.session.refresh(lead)
    assert (lead.role, lead.team_id, lead.school_id) == (Role.EMHP, world.team_a.id, None)
    assert lead.pending_role is None
    # The new role: sign in again.
    assert their_session.client.get("/notifications/").status_code == 302


def test_no_one_approves_a_change_to_their_own_account(admins, world):
    _, _, admin_a, admin_b = admins
    # A asks for B to become a clinical lead: B may not approve it for themselves.
    approvals.request_role(admin_b, Role.CLINICAL_LEAD, None, by=admin_a, new_account=False)
    db.session.commit()
    with pytest.raises(approvals.AccountRuleError, match="your own account"):
        approvals.approve_role(admin_b, by=admin_b)


def test_a_lesser_role_applies_at_once_and_replaces_the_request(admins, world):
    first, _, _, _ = admins
    emhp = world.users[Role.EMHP]
    base = {"full_name": emhp.full_name, "school_id": ""}
    first.post(f"/admin/users/{emhp.id}", {**base, "role": Role.CLINICAL_LEAD.value, "team_id": ""})
    db.session.refresh(emhp)
    assert emhp.pending_role is Role.CLINICAL_LEAD
    assert emhp.role is Role.EMHP
    first.post(f"/admin/users/{emhp.id}", {**base, "role": Role.COMMISSIONER.value, "team_id": ""})
    db.session.refresh(emhp)
    assert (emhp.role, emhp.pending_role) == (Role.COMMISSIONER, None)


def test_the_command_line_administrator_is_approved_at_once(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "first@test.example", "--name", "First Admin"],
        env={"MHST_ADMIN_PASSWORD": "copper kettle autumn rain"},
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.email == "first@test.example")).one()
    assert (user.active, user.awaiting_first_approval, user.must_change_password) == (
        True,
        False,
        False,
    )
