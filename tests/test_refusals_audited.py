"""Every page refused to a signed-in user (403, 404) is in the audit log, with the method,
path and status and never the query string; refusals to no one signed in are not."""

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.extensions import db


def _refusals():
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == AuditAction.ACCESS_REFUSED)
        .order_by(AuditEvent.id)
    ).all()


def test_another_schools_referral_is_refused_and_audited(world, auth, client):
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]  # school A1's lead
    auth.sign_in(lead.email)
    path = f"/referrals/{world.case_a1.id}"  # school A2's case
    assert client.get(path + "?q=Casey+Allocated").status_code == 404
    (event,) = _refusals()
    assert (event.user_id, event.actor) == (lead.id, lead.email)
    assert event.record_type is AuditRecordType.PAGE
    assert event.detail == f"GET {path} 404"
    assert "Casey" not in event.detail


def test_a_missing_permission_is_refused_and_audited(world, auth, client):
    emhp = world.users[Role.EMHP]
    auth.sign_in(emhp.email)
    assert client.get("/admin/users/").status_code == 403
    assert auth.post(f"/admin/users/{emhp.id}/unlock").status_code == 403
    assert [(e.user_id, e.detail) for e in _refusals()] == [
        (emhp.id, "GET /admin/users/ 403"),
        (emhp.id, f"POST /admin/users/{emhp.id}/unlock 403"),
    ]


def test_an_address_that_is_not_there_is_audited_for_a_signed_in_user(world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    assert client.get("/no-such-page").status_code == 404
    assert [e.detail for e in _refusals()] == ["GET /no-such-page 404"]


def test_pages_shown_are_not_refusals(world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    assert client.get("/").status_code == 200
    assert client.get(f"/referrals/{world.case_a1.id}").status_code == 200
    assert _refusals() == []


@pytest.mark.parametrize("path", ["/no-such-page", "/referrals/999999"])
def test_refusals_to_no_one_signed_in_are_not_audited(path, world, client):
    assert client.get(path).status_code in (302, 404)
    assert _refusals() == []
