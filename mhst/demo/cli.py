"""``flask demo-data``: an idempotent, entirely invented data set for trying the service.

One user per role (printed), a few small schools they work with, the full invented
register of about 300 schools (mhst/demo/register.py), and four teams' casework over the
past six months (mhst/demo/history.py). Every person, school and URN here is made up.
Running it again changes nothing except resetting the demo accounts to the printed
passwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from mhst.accounts import mfa
from mhst.accounts.models import Role, User
from mhst.accounts.passwords import hash_password
from mhst.core.time import service_today, utcnow
from mhst.demo.booking import load_term_dates_and_rooms
from mhst.demo.campaigns import load_campaigns
from mhst.demo.helpers import at, get_or_create
from mhst.demo.history import load_history
from mhst.demo.need import load_need
from mhst.demo.notifications import load_notifications
from mhst.demo.planning import load_planning
from mhst.demo.public import load_team_contacts
from mhst.demo.register import load_register
from mhst.demo.staff import load_colleagues
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from mhst.schools.models import LeadKind, School, SchoolLeadAssignment

# The demo's published sign-in password (bandit B105): the demo loader refuses to run in
# production.
DEMO_PASSWORD = "demo-password-2026"  # nosec B105
# Every demo account's authenticator secret, published here: `flask demo-code` prints the
# current code (or add it to an authenticator app). Development only, like the password.
DEMO_TOTP_SECRET = "MHSTDEMOMHSTDEMOMHSTDEMOMHSTDEMO"  # nosec B105

AREAS = ("Leicester City", "Leicestershire", "Rutland")

# team name -> area
TEAMS = {
    "City North MHST": "Leicester City",
    "City South MHST": "Leicester City",
    "County West MHST": "Leicestershire",
    "Rutland MHST": "Rutland",
}

# (URN, name, area, team); URNs in the 99xxxx range, which the DfE has not issued.
SCHOOLS = (
    ("990001", "Brookfield Primary School", "Leicester City", "City North MHST"),
    ("990002", "Harcourt Lane Academy", "Leicester City", "City North MHST"),
    ("990003", "Willowbank Community College", "Leicester City", "City South MHST"),
    ("990004", "Oakleigh Church of England Primary", "Leicestershire", "County West MHST"),
    ("990005", "Fernhill Secondary School", "Leicestershire", "County West MHST"),
    ("990006", "Uppingfield Primary School", "Rutland", "Rutland MHST"),
    ("990007", "Kestrel Valley School", "Leicestershire", None),
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: Role
    team: str | None = None
    school_urn: str | None = None


USERS = (
    DemoUser("admin@mhst.example", "Morgan Adeyemi", Role.ADMINISTRATOR),
    DemoUser("clinical.lead@mhst.example", "Dr Harriet Okafor", Role.CLINICAL_LEAD),
    DemoUser(
        "senior.clinician@mhst.example", "Sam Whitfield", Role.SENIOR_CLINICIAN, "City North MHST"
    ),
    DemoUser("emhp@mhst.example", "Jordan Patel", Role.EMHP, "City North MHST"),
    DemoUser(
        "school.lead@mhst.example",
        "Chris Lindqvist",
        Role.SCHOOL_MENTAL_HEALTH_LEAD,
        school_urn="990001",
    ),
    DemoUser("commissioner@mhst.example", "Priya Danvers", Role.COMMISSIONER),
)


def load_demo_data() -> list[DemoUser]:
    started = utcnow()
    areas = {name: get_or_create(ServiceArea, name=name) for name in AREAS}
    teams = {
        name: get_or_create(Team, {"area": areas[area]}, name=name) for name, area in TEAMS.items()
    }
    schools = {}
    for urn, name, area, team in SCHOOLS:
        school = get_or_create(
            School,
            {"name": name, "area": areas[area], "team": teams.get(team)},
            urn=urn,
        )
        schools[urn] = school
    password_hash = hash_password(DEMO_PASSWORD)
    for demo in USERS:
        user = db.session.scalars(select(User).filter_by(email=demo.email)).one_or_none()
        if user is None:
            user = User(email=demo.email, session_version=1)
            db.session.add(user)
        user.full_name = demo.full_name
        user.role = demo.role
        user.team = teams[demo.team] if demo.team else None
        user.school = schools[demo.school_urn] if demo.school_urn else None
        user.password_hash = password_hash
        user.active = True
        if current_app.config["ALLOW_DEMO_DATA"]:  # a published secret: never in production
            mfa.enrol(user, DEMO_TOTP_SECRET)
    db.session.flush()
    _name_demo_lead(schools["990001"])
    load_colleagues()
    load_term_dates_and_rooms(areas, schools)
    load_register(areas, teams)
    load_need()  # invented indicators of need for every school
    load_team_contacts()
    load_history()
    load_campaigns()
    load_planning()
    load_notifications(since=started)
    db.session.commit()
    return list(USERS)


def _name_demo_lead(school: School) -> None:
    """The demo school lead is the named Mental Health Lead of their school."""
    lead = db.session.scalars(select(User).filter_by(email="school.lead@mhst.example")).one()
    current = db.session.scalars(
        select(SchoolLeadAssignment)
        .filter_by(school_id=school.id, kind=LeadKind.LEAD)
        .where(SchoolLeadAssignment.ended_at.is_(None))
    ).one_or_none()
    if current is None:
        since = at(service_today() - timedelta(days=365), 9)  # named a year ago
        db.session.add(
            SchoolLeadAssignment(school=school, user=lead, kind=LeadKind.LEAD, started_at=since)
        )


def print_sign_ins(users: list[DemoUser]) -> None:
    click.echo(f"Demo sign-ins (password for each: {DEMO_PASSWORD}):")
    for demo in users:
        click.echo(f"  {demo.role.label:<46} {demo.email}")
    click.echo(
        "Then a code from an authenticator app: `make demo-code` (or `flask demo-code`) prints"
        " the current one, or"
        f" add the demo key {mfa.grouped(DEMO_TOTP_SECRET)} to an app. A code works once;"
        " the next one comes within 30 seconds."
    )


@click.command("demo-data")
@with_appcontext
def demo_data() -> None:
    """Load invented areas, teams, schools and one user per role; print the sign-ins."""
    if not current_app.config["ALLOW_DEMO_DATA"]:
        raise click.ClickException("Demo data is not allowed in this configuration.")
    print_sign_ins(load_demo_data())


@click.command("demo-code")
@with_appcontext
def demo_code() -> None:
    """Print the current authenticator code of the demo accounts (development only)."""
    if not current_app.config["ALLOW_DEMO_DATA"]:
        raise click.ClickException("Demo codes are not available in this configuration.")
    click.echo(mfa.current_code(DEMO_TOTP_SECRET))
