"""The flask commands: demo-data and create-admin."""

import re
import time

import pyotp
import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role, User
from mhst.cohorts.models import Cohort
from mhst.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, USERS
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from mhst.schools.models import ParticipationStatus, School, SchoolLeadAssignment
from tests.conftest import AuthActions


def _counts():
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ServiceArea, Team, School, User)
    ]


def test_demo_data_is_idempotent_and_every_printed_sign_in_works(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0
    assert _counts() == counts
    areas, teams, schools, _users = counts
    assert (areas, teams) == (3, 13)
    assert 290 <= schools <= 320  # about 300 schools, as issue 3 asks
    covered = db.session.execute(
        select(func.count(School.id), func.sum(School.pupils_on_roll)).where(
            School.participation_status.in_(
                [ParticipationStatus.ACTIVE, ParticipationStatus.PAUSED]
            )
        )
    ).one()
    assert covered[0] == 250
    assert 128_000 <= covered[1] <= 130_000
    # Every covered school has a named lead, and cohorts run from 2019/20.
    leads = db.session.scalar(
        select(func.count(SchoolLeadAssignment.id)).where(SchoolLeadAssignment.ended_at.is_(None))
    )
    assert leads >= 250
    assert db.session.scalar(select(func.min(Cohort.academic_year))) == 2019

    printed = re.findall(r"\S+@mhst\.example", first.output)
    assert printed == [u.email for u in USERS]
    assert f"password for each: {DEMO_PASSWORD}" in first.output
    assert "flask demo-code" in first.output
    roles_signed_in = set()
    for email in printed:
        client = app.test_client()
        assert AuthActions(client).sign_in(email, DEMO_PASSWORD).status_code == 302
        assert client.get("/").status_code == 200
        roles_signed_in.add(db.session.scalars(select(User.role).where(User.email == email)).one())
    assert roles_signed_in == set(Role)


def test_demo_data_is_refused_where_not_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOW_DEMO_DATA", False)
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0
    assert "not allowed" in result.output
    assert _counts() == [0, 0, 0, 0]


def test_create_admin(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--email",
            "First.Admin@Trust.Example",
            "--name",
            "First Admin",
            "--password",
            "a very long password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.email == "first.admin@trust.example")).one()
    assert user.role is Role.ADMINISTRATOR
    assert "set up two-step sign-in" in result.output
    response = AuthActions(app.test_client()).sign_in(user.email, "a very long password")
    assert "Save your recovery codes" in response.get_data(as_text=True)  # app set up


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "12 characters or more"), ("a very long password", "already exists")],
)
def test_create_admin_refuses_bad_input(app, make_user, password, message):
    make_user(Role.ADMINISTRATOR, email="taken@trust.example")
    email = "taken@trust.example" if message == "already exists" else "new@trust.example"
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", email, "--name", "X", "--password", password]
    )
    assert result.exit_code == 1
    assert message in result.output


def test_demo_code_prints_the_demo_accounts_current_code(app):
    result = app.test_cli_runner().invoke(args=["demo-code"])
    assert result.exit_code == 0
    now = time.time()
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    assert result.output.strip() in {totp.at(now), totp.at(now - 30)}  # a step may end between


def test_demo_code_is_refused_where_demo_data_is_not_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOW_DEMO_DATA", False)
    result = app.test_cli_runner().invoke(args=["demo-code"])
    assert result.exit_code != 0
    assert "not available" in result.output
    assert not re.search(r"\b\d{6}\b", result.output)
