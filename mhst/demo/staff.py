"""The demo's practitioners: the demo senior clinician and EMHP of City North MHST (who
sign in, see :mod:`mhst.demo.cli`) and invented colleagues in three more teams, who
cannot sign in (each has a password nobody knows). Every name is made up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from mhst.accounts.models import Role, User
from mhst.demo.helpers import unknown_password_hash
from mhst.extensions import db
from mhst.organisation.models import Team


@dataclass(frozen=True)
class Colleague:
    key: str
    email: str
    full_name: str
    role: Role
    team: str


SENIOR, EMHP = Role.SENIOR_CLINICIAN, Role.EMHP

# The two who sign in, by the keys the demo's stories use.
SIGN_IN_KEYS = {"sam": "senior.clinician@mhst.example", "jordan": "emhp@mhst.example"}

COLLEAGUES = (
    Colleague("amara", "amara.osei@mhst.example", "Amara Osei", EMHP, "City North MHST"),
    Colleague(
        "rhiannon", "rhiannon.clarke@mhst.example", "Rhiannon Clarke", SENIOR, "City South MHST"
    ),
    Colleague("dev", "dev.malhotra@mhst.example", "Dev Malhotra", EMHP, "City South MHST"),
    Colleague(
        "bronwen", "bronwen.achebe@mhst.example", "Bronwen Achebe", SENIOR, "County West MHST"
    ),
    Colleague("callum", "callum.reyes@mhst.example", "Callum Reyes", EMHP, "County West MHST"),
    Colleague("ananya", "ananya.bose@mhst.example", "Ananya Bose", EMHP, "County West MHST"),
    Colleague("gwen", "gwen.hollis@mhst.example", "Gwen Hollis", SENIOR, "Rutland MHST"),
    Colleague("leon", "leon.pryce@mhst.example", "Leon Pryce", EMHP, "Rutland MHST"),
)

# Each team's senior clinician (triage, allocation, supervision) and the EMHP who records
# its consent and the referrals that do not come from the school.
TEAM_PEOPLE = {
    "City North MHST": ("sam", "jordan"),
    "City South MHST": ("rhiannon", "dev"),
    "County West MHST": ("bronwen", "callum"),
    "Rutland MHST": ("gwen", "leon"),
}


def load_colleagues() -> None:
    """Add the colleagues who are missing; those already there are left as they are."""
    emails = [c.email for c in COLLEAGUES]
    known = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    missing = [c for c in COLLEAGUES if c.email not in known]
    if not missing:
        return
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    nobody_knows = unknown_password_hash()
    for colleague in missing:
        db.session.add(
            User(
                email=colleague.email,
                full_name=colleague.full_name,
                role=colleague.role,
                team=teams[colleague.team],
                password_hash=nobody_knows,
                active=True,
                session_version=1,
            )
        )
    db.session.flush()


def practitioners() -> dict[str, User]:
    """Every demo practitioner by key."""
    emails = {**SIGN_IN_KEYS, **{c.key: c.email for c in COLLEAGUES}}
    users = {
        u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails.values())))
    }
    return {key: users[email] for key, email in emails.items()}
