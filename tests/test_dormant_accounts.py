"""Accounts unused for ACCOUNT_DORMANT_DAYS cannot sign in (before any job runs), and
``flask accounts disable-dormant`` deactivates them, one audit event each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import utcnow
from mhst.extensions import db
from tests.test_sign_in import GENERIC_FAILURE

DAYS = 90


def test_a_dormant_account_is_refused_with_the_generic_message(world, auth):
    user = world.users[Role.EMHP]
    user.last_signed_in_at = utcnow() - timedelta(days=DAYS, minutes=1)
    db.session.commit()
    response = auth.sign_in(user.email)
    assert response.status_code == 401
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    failure = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.SIGN_IN_FAILED)
    ).one()
    assert (failure.user_id, failure.detail) == (user.id, "dormant")


def test_an_account_used_within_the_period_signs_in(world, auth):
    user = world.users[Role.EMHP]
    user.last_signed_in_at = utcnow() - timedelta(days=DAYS - 1)
    db.session.commit()
    assert auth.sign_in(user.email).status_code == 302


def test_a_never_used_account_counts_from_its_creation(world, auth):
    user = world.users[Role.SENIOR_CLINICIAN]
    user.last_signed_in_at = None
    user.created_at = utcnow() - timedelta(days=DAYS + 1)
    db.session.commit()
    assert auth.sign_in(user.email).status_code == 401


def test_the_command_deactivates_dormant_accounts_and_an_administrator_reactivates(
    world, app, auth
):
    dormant, recent = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    dormant.last_signed_in_at = utcnow() - timedelta(days=DAYS + 5)
    recent.last_signed_in_at = utcnow() - timedelta(days=3)
    db.session.commit()
    version = dormant.session_version

    result = app.test_cli_runner().invoke(args=["accounts", "disable-dormant"])
    assert result.exit_code == 0, result.output
    assert "Deactivated 1 dormant account(s)." in result.output
    db.session.refresh(dormant)
    db.session.refresh(recent)
    assert (dormant.active, recent.active) == (False, True)
    assert dormant.session_version == version + 1
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_id == str(dormant.id))
    ).one()
    assert (event.actor, event.detail) == (
        "command line",
        "deactivated: dormant (not used for 90 days)",
    )
    # Run again: nothing more to do.
    again = app.test_cli_runner().invoke(args=["accounts", "disable-dormant"])
    assert "Deactivated 0 dormant account(s)." in again.output

    # An administrator reactivates: unused time counts again from then.
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    assert auth.post(f"/admin/users/{dormant.id}/reactivate").status_code == 302
    other = auth.__class__(app.test_client())
    assert other.sign_in(dormant.email).status_code == 302


@pytest.mark.parametrize("days", [0])
def test_the_rule_can_be_switched_off(world, auth, app, days):
    user = world.users[Role.EMHP]
    user.last_signed_in_at = utcnow() - timedelta(days=1000)
    db.session.commit()
    app.config["ACCOUNT_DORMANT_DAYS"] = days
    try:
        assert auth.sign_in(user.email).status_code == 302
        result = app.test_cli_runner().invoke(args=["accounts", "disable-dormant"])
    finally:
        app.config["ACCOUNT_DORMANT_DAYS"] = DAYS
    assert "Deactivated 0" in result.output
